import Dispatch
import Foundation

/// One child process started by a `ProcessHarness`, with its stdout and stderr in files.
///
/// Not thread-safe: use it from the test that spawned it.
public final class HarnessedProcess {
    /// The label used in reports.
    public let name: String
    /// The executable's path and arguments, for reports.
    public let commandLine: String
    /// Where stdout and stderr are written.
    public let stdoutPath: String
    public let stderrPath: String
    private let process: Process
    private let watchdog: any DispatchSourceTimer

    init(path: String, arguments: [String], name: String, outputDirectory: String, hardTimeout: Duration) throws {
        self.name = name
        self.commandLine = ([path] + arguments).joined(separator: " ")
        let safeName = name.map { $0.isLetter || $0.isNumber || $0 == "-" ? $0 : "_" }
        stdoutPath = "\(outputDirectory)/\(String(safeName)).stdout"
        stderrPath = "\(outputDirectory)/\(String(safeName)).stderr"
        _ = FileManager.default.createFile(atPath: stdoutPath, contents: nil)
        _ = FileManager.default.createFile(atPath: stderrPath, contents: nil)
        let process = Process()
        process.executableURL = URL(fileURLWithPath: path)
        process.arguments = arguments
        process.standardInput = FileHandle.nullDevice
        process.standardOutput = try FileHandle(forWritingTo: URL(fileURLWithPath: stdoutPath))
        process.standardError = try FileHandle(forWritingTo: URL(fileURLWithPath: stderrPath))
        try process.run()
        self.process = process
        // The hard timeout: whatever the test does, the child is killed when it expires. Only the pid
        // crosses into the timer; the child is never reaped while the Process object lives, so the pid
        // cannot be reused by another process before `deinit` cancels the timer.
        let pid = process.processIdentifier
        let timer = DispatchSource.makeTimerSource(queue: .global())
        let components = hardTimeout.components
        let nanoseconds = Int(components.seconds) * 1_000_000_000 + Int(components.attoseconds / 1_000_000_000)
        timer.schedule(deadline: .now() + .nanoseconds(nanoseconds))
        timer.setEventHandler { _ = kill(pid, SIGKILL) }
        timer.resume()
        watchdog = timer
    }

    deinit {
        watchdog.cancel()
        if process.isRunning { kill(process.processIdentifier, SIGKILL) }
    }

    /// The child's process id.
    public var processIdentifier: Int32 { process.processIdentifier }

    /// Whether the child is still running.
    public var isRunning: Bool { process.isRunning }

    /// Everything the child wrote to stdout so far.
    public var stdout: String { (try? String(contentsOfFile: stdoutPath, encoding: .utf8)) ?? "" }

    /// Everything the child wrote to stderr so far.
    public var stderr: String { (try? String(contentsOfFile: stderrPath, encoding: .utf8)) ?? "" }

    /// The exit code, or 128 + signal number when a signal ended it; `nil` while running.
    public var exitStatus: Int32? {
        guard !process.isRunning else { return nil }
        switch process.terminationReason {
        case .exit: return process.terminationStatus
        case .uncaughtSignal: return 128 + process.terminationStatus
        @unknown default: return process.terminationStatus
        }
    }

    /// Waits until stdout contains a line with `text` and returns that line.
    /// - Throws: `ProcessHarnessError.timedOut` or `.exitedEarly`, with the child's report.
    @discardableResult
    public func waitForLine(containing text: String, timeout: Duration = .seconds(20)) throws -> String {
        let deadline = ContinuousClock.now.advanced(by: timeout)
        while true {
            // Read exit state before the output, so a line printed just before exiting is not missed.
            let exited = !process.isRunning
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
        while process.isRunning {
            if ContinuousClock.now >= deadline { throw ProcessHarnessError.timedOut(waitingFor: "exit", report: report()) }
            usleep(5_000)
        }
        return exitStatus ?? -1
    }

    /// Sends `signal` (e.g. `SIGINT`) to the child.
    public func send(signal: Int32) {
        if process.isRunning { kill(process.processIdentifier, signal) }
    }

    /// Stops the child: SIGTERM, then SIGKILL if it is still running after `grace`.
    /// - Returns: its exit status (128 + 9 when it had to be killed).
    @discardableResult
    public func terminate(grace: Duration = .seconds(3)) -> Int32 {
        guard process.isRunning else { return exitStatus ?? -1 }
        kill(process.processIdentifier, SIGTERM)
        if (try? waitForExit(timeout: grace)) == nil {
            kill(process.processIdentifier, SIGKILL)
            process.waitUntilExit()
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
