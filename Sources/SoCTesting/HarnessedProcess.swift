import CoreProcessSupport
import Dispatch
import Foundation

/// One child process started by a `ProcessHarness`, with its stdout and stderr in files.
///
/// Spawned through `SpawnedProcess` (CoreProcessSupport): an explicitly empty signal mask and
/// default dispositions, because test runner threads block almost every signal and a child would
/// otherwise never see SIGTERM/SIGINT, making the cores' graceful-shutdown paths untestable.
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
    private let process: SpawnedProcess
    private let watchdog: any DispatchSourceTimer

    /// The child's process id.
    public var processIdentifier: pid_t { process.pid }

    init(path: String, arguments: [String], name: String, outputDirectory: String, hardTimeout: Duration) throws {
        self.name = name
        self.commandLine = ([path] + arguments).joined(separator: " ")
        let safeName = String(name.map { $0.isLetter || $0.isNumber || $0 == "-" ? $0 : "_" })
        stdoutPath = "\(outputDirectory)/\(safeName).stdout"
        stderrPath = "\(outputDirectory)/\(safeName).stderr"
        let process = try SpawnedProcess(
            path: path, arguments: arguments, environment: ProcessInfo.processInfo.environment,
            stdoutPath: stdoutPath, stderrPath: stderrPath)
        self.process = process

        // The hard timeout: whatever the test does, the child is killed when it expires
        // (`SpawnedProcess` never signals a reaped, possibly reused, pid).
        let timer = DispatchSource.makeTimerSource(queue: .global())
        let components = hardTimeout.components
        let nanoseconds = Int(components.seconds) * 1_000_000_000 + Int(components.attoseconds / 1_000_000_000)
        timer.schedule(deadline: .now() + .nanoseconds(nanoseconds))
        timer.setEventHandler { process.send(signal: SIGKILL) }
        timer.resume()
        watchdog = timer
    }

    deinit {
        watchdog.cancel()
        if isRunning { process.terminate(grace: .zero) }
    }

    /// Whether the child is still running.
    public var isRunning: Bool { process.isRunning }

    /// The exit code, or 128 + signal number when a signal ended it (as shells report); `nil` while running.
    public var exitStatus: Int32? { process.exitStatus }

    /// Everything the child wrote to stdout so far.
    public var stdout: String { (try? String(contentsOfFile: stdoutPath, encoding: .utf8)) ?? "" }

    /// Everything the child wrote to stderr so far.
    public var stderr: String { (try? String(contentsOfFile: stderrPath, encoding: .utf8)) ?? "" }

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
    public func send(signal: Int32) { process.send(signal: signal) }

    /// Stops the child: SIGTERM, then SIGKILL if it is still running after `grace`.
    /// - Returns: its exit status (128 + 9 when it had to be killed).
    @discardableResult
    public func terminate(grace: Duration = .seconds(3)) -> Int32 {
        guard isRunning else { return exitStatus ?? -1 }
        return process.terminate(grace: grace)
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
