import Dispatch
import Foundation
import Synchronization

/// One child process started by a `ProcessHarness`, with its stdout and stderr in files.
///
/// Spawned with `posix_spawn` and an explicitly empty signal mask and default signal dispositions:
/// test runner threads block almost every signal, and a child started with Foundation's `Process`
/// from such a thread inherits that mask, so it would never see SIGTERM/SIGINT (measured here:
/// `SigBlk: fffffffe7ffbfeff` in the child). The cores' graceful-shutdown paths would then be
/// untestable.
///
/// Not thread-safe: use it from the test that spawned it.
public final class HarnessedProcess {
    /// The label used in reports.
    public let name: String
    /// The executable's path and arguments, for reports.
    public let commandLine: String
    /// Where stdout is written.
    public let stdoutPath: String
    /// Where stderr is written.
    public let stderrPath: String
    /// The child's process id.
    public let processIdentifier: pid_t

    /// The raw wait status once reaped. Shared with the watchdog, which must not signal a reaped
    /// (and so possibly reused) pid: reaping and killing happen under this one lock.
    private let state = ReapState()
    private let watchdog: any DispatchSourceTimer

    init(path: String, arguments: [String], name: String, outputDirectory: String, hardTimeout: Duration) throws {
        self.name = name
        self.commandLine = ([path] + arguments).joined(separator: " ")
        let safeName = String(name.map { $0.isLetter || $0.isNumber || $0 == "-" ? $0 : "_" })
        stdoutPath = "\(outputDirectory)/\(safeName).stdout"
        stderrPath = "\(outputDirectory)/\(safeName).stderr"
        processIdentifier = try Self.spawn(path: path, arguments: arguments, stdoutPath: stdoutPath, stderrPath: stderrPath)

        // The hard timeout: whatever the test does, the child is killed when it expires.
        let pid = processIdentifier
        let state = self.state
        let timer = DispatchSource.makeTimerSource(queue: .global())
        let components = hardTimeout.components
        let nanoseconds = Int(components.seconds) * 1_000_000_000 + Int(components.attoseconds / 1_000_000_000)
        timer.schedule(deadline: .now() + .nanoseconds(nanoseconds))
        timer.setEventHandler {
            state.status.withLock { status in
                if status == nil { _ = kill(pid, SIGKILL) }
            }
        }
        timer.resume()
        watchdog = timer
    }

    deinit {
        watchdog.cancel()
        if isRunning {
            kill(processIdentifier, SIGKILL)
            waitBlocking()
        }
    }

    private static func spawn(path: String, arguments: [String], stdoutPath: String, stderrPath: String) throws -> pid_t {
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        let flags = O_WRONLY | O_CREAT | O_TRUNC  // no O_CLOEXEC: these become the child's fds 1 and 2
        posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0)
        posix_spawn_file_actions_addopen(&actions, 1, stdoutPath, flags, 0o644)
        posix_spawn_file_actions_addopen(&actions, 2, stderrPath, flags, 0o644)

        var attributes = posix_spawnattr_t()
        posix_spawnattr_init(&attributes)
        defer { posix_spawnattr_destroy(&attributes) }
        var emptyMask = sigset_t()
        sigemptyset(&emptyMask)
        var allSignals = sigset_t()
        sigfillset(&allSignals)
        posix_spawnattr_setsigmask(&attributes, &emptyMask)
        posix_spawnattr_setsigdefault(&attributes, &allSignals)
        posix_spawnattr_setflags(&attributes, Int16(POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF))

        let argv: [UnsafeMutablePointer<CChar>?] = ([path] + arguments).map { strdup($0) } + [nil]
        defer { for pointer in argv { free(pointer) } }
        var pid: pid_t = 0
        let result = posix_spawn(&pid, path, &actions, &attributes, argv, environ)
        guard result == 0 else {
            throw CocoaError(
                .executableLoad,
                userInfo: [NSLocalizedDescriptionKey: "posix_spawn \(path) failed: \(String(cString: strerror(result)))"]
            )
        }
        return pid
    }

    /// Reaps the child if it has exited (never blocks).
    private func poll() {
        state.status.withLock { status in
            guard status == nil else { return }
            var raw: Int32 = 0
            if waitpid(processIdentifier, &raw, WNOHANG) == processIdentifier { status = raw }
        }
    }

    private func waitBlocking() {
        state.status.withLock { status in
            guard status == nil else { return }
            var raw: Int32 = 0
            while waitpid(processIdentifier, &raw, 0) < 0 && errno == EINTR {}
            status = raw
        }
    }

    /// Whether the child is still running.
    public var isRunning: Bool {
        poll()
        return state.status.withLock { $0 == nil }
    }

    /// Everything the child wrote to stdout so far.
    public var stdout: String { (try? String(contentsOfFile: stdoutPath, encoding: .utf8)) ?? "" }

    /// Everything the child wrote to stderr so far.
    public var stderr: String { (try? String(contentsOfFile: stderrPath, encoding: .utf8)) ?? "" }

    /// The exit code, or 128 + signal number when a signal ended it (as shells report); `nil` while running.
    public var exitStatus: Int32? {
        poll()
        guard let raw = state.status.withLock({ $0 }) else { return nil }
        let signal = raw & 0x7f
        return signal == 0 ? (raw >> 8) & 0xff : 128 + signal
    }

    /// Waits until stdout contains a line with `text` and returns that line.
    /// - Throws: `ProcessHarnessError.timedOut` or `.exitedEarly`, with the child's report.
    @discardableResult
    public func waitForLine(containing text: String, timeout: Duration = .seconds(20)) throws -> String {
        let deadline = ContinuousClock.now.advanced(by: timeout)
        while true {
            // Read exit state before the output, so a line printed just before exiting is not missed.
            let exited = !isRunning
            if let line = stdout.split(separator: "\n").first(where: { $0.contains(text) }) {
                return String(line)
            }
            if exited { throw ProcessHarnessError.exitedEarly(waitingFor: "a line containing '\(text)'", report: report()) }
            if ContinuousClock.now >= deadline {
                throw ProcessHarnessError.timedOut(waitingFor: "a line containing '\(text)'", report: report())
            }
            usleep(10_000)
        }
    }

    /// Waits for the child to exit.
    /// - Returns: its exit status (see `exitStatus`).
    /// - Throws: `ProcessHarnessError.timedOut` with the child's report (the child keeps running;
    ///   the harness's teardown then kills it and fails the test).
    @discardableResult
    public func waitForExit(timeout: Duration = .seconds(20)) throws -> Int32 {
        let deadline = ContinuousClock.now.advanced(by: timeout)
        while isRunning {
            if ContinuousClock.now >= deadline { throw ProcessHarnessError.timedOut(waitingFor: "exit", report: report()) }
            usleep(5_000)
        }
        return exitStatus ?? -1
    }

    /// Sends `signal` (e.g. `SIGINT`) to the child if it is still running.
    public func send(signal: Int32) {
        state.status.withLock { status in
            if status == nil { _ = kill(processIdentifier, signal) }
        }
    }

    /// Stops the child: SIGTERM, then SIGKILL if it is still running after `grace`.
    /// - Returns: its exit status (128 + 9 when it had to be killed).
    @discardableResult
    public func terminate(grace: Duration = .seconds(3)) -> Int32 {
        guard isRunning else { return exitStatus ?? -1 }
        send(signal: SIGTERM)
        if (try? waitForExit(timeout: grace)) == nil {
            send(signal: SIGKILL)
            waitBlocking()
        }
        return exitStatus ?? -1
    }

    /// The child's command line, status, stdout and stderr, for failure messages.
    public func report() -> String {
        let status = exitStatus.map { "exit status \($0)" } ?? "still running"
        return """
            --- \(name): \(commandLine)
            --- \(status)
            --- stdout:
            \(stdout)
            --- stderr:
            \(stderr)
            """
    }
}

/// The wait status of a child once reaped, shared by the harness and its watchdog timer.
private final class ReapState: Sendable {
    let status = Mutex<Int32?>(nil)
}
