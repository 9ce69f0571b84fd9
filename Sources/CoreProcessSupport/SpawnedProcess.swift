import Foundation
import Synchronization

#if canImport(Glibc)
import Glibc
#endif

/// A child process started with `posix_spawn`, stdout and stderr going to files, reaped with
/// `waitpid`. The one way SplitSoC starts processes (the orchestrator's `ChildProcess` and the
/// tests' `HarnessedProcess` are built on it).
///
/// The child gets an empty signal mask and default signal dispositions. Swift Testing's threads
/// block almost every signal, and a child started with Foundation's `Process` from such a thread
/// inherits that mask (measured: `SigBlk: fffffffe7ffbfeff`), so it would never see SIGTERM and
/// its graceful shutdown (Goodbye, trace, summary) could not run.
///
/// Thread-safe: the wait status is guarded, and a reaped pid is never signalled (it may be reused).
public final class SpawnedProcess: Sendable {
    /// The child's process id.
    public let pid: pid_t
    private let status = Mutex<Int32?>(nil)

    /// Starts `path` with `arguments`.
    /// - Parameters:
    ///   - environment: the complete environment of the child.
    ///   - append: append to the log files instead of truncating them (a restarted child keeps the
    ///     earlier run's log above its own).
    /// - Throws: `SpawnError` naming the program and the OS error.
    public init(
        path: String, arguments: [String], environment: [String: String], stdoutPath: String, stderrPath: String,
        append: Bool = false
    ) throws(SpawnError) {
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        // No O_CLOEXEC: these become the child's fds 1 and 2.
        let flags = O_WRONLY | O_CREAT | (append ? O_APPEND : O_TRUNC)
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
        let envp: [UnsafeMutablePointer<CChar>?] = environment.map { strdup("\($0.key)=\($0.value)") } + [nil]
        defer {
            for pointer in argv { free(pointer) }
            for pointer in envp { free(pointer) }
        }
        var pid: pid_t = 0
        let result = posix_spawn(&pid, path, &actions, &attributes, argv, envp)
        guard result == 0 else {
            throw SpawnError(path: path, code: result)
        }
        self.pid = pid
    }

    /// Reaps the child if it has exited (never blocks).
    private func poll() {
        status.withLock { status in
            guard status == nil else { return }
            var raw: Int32 = 0
            if waitpid(pid, &raw, WNOHANG) == pid { status = raw }
        }
    }

    /// Whether the child is still running.
    public var isRunning: Bool {
        poll()
        return status.withLock { $0 == nil }
    }

    /// The exit code, or 128 + signal number when a signal ended it (as shells report); `nil`
    /// while running.
    public var exitStatus: Int32? {
        poll()
        guard let raw = status.withLock({ $0 }) else { return nil }
        let signal = raw & 0x7f
        return signal == 0 ? (raw >> 8) & 0xff : 128 + signal
    }

    /// How the child ended, for messages: "running", "exit 0", "signal 9".
    public var exitDescription: String {
        poll()
        guard let raw = status.withLock({ $0 }) else { return "running" }
        let signal = raw & 0x7f
        return signal == 0 ? "exit \((raw >> 8) & 0xff)" : "signal \(signal)"
    }

    /// Sends `signal` unless the child was already reaped.
    public func send(signal: Int32) {
        status.withLock { status in
            if status == nil { _ = kill(pid, signal) }
        }
    }

    /// Waits up to `timeout` for the child to exit.
    /// - Returns: the exit status, or `nil` when it is still running.
    @discardableResult
    public func waitForExit(timeout: Duration) -> Int32? {
        let deadline = ContinuousClock.now.advanced(by: timeout)
        while isRunning && ContinuousClock.now < deadline {
            Thread.sleep(forTimeInterval: 0.005)
        }
        return exitStatus
    }

    /// SIGCONT (in case it is paused) and SIGTERM, then SIGKILL after `grace`; waits for the end.
    /// - Returns: the exit status.
    @discardableResult
    public func terminate(grace: Duration) -> Int32 {
        send(signal: SIGCONT)
        send(signal: SIGTERM)
        if let status = waitForExit(timeout: grace) { return status }
        send(signal: SIGKILL)
        status.withLock { status in
            guard status == nil else { return }
            var raw: Int32 = 0
            while waitpid(pid, &raw, 0) < 0 && errno == EINTR {}
            status = raw
        }
        return exitStatus ?? 137
    }
}

/// `posix_spawn` failed.
public struct SpawnError: Error, CustomStringConvertible {
    public var path: String
    public var code: Int32
    public var description: String { "cannot start \(path): \(String(cString: strerror(code)))" }
}
