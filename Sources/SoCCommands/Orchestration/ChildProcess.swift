import Foundation

#if canImport(Glibc)
import Glibc
#endif

/// A child OS process started by `splitsoc` (a core, a relay, a ping echo), with its stdout and
/// stderr captured to files so that nothing blocks on a full pipe and the logs outlive the run.
///
/// Every started child is registered, so `ChildProcess.terminateAll()` (called from the SIGINT and
/// SIGTERM handlers that `OrchestratorSignals.install()` sets up) leaves nothing behind. The child
/// also gets `SPLITSOC_PARENT_PID` in its environment: the cores exit by themselves when that
/// process goes away, which covers the orchestrator being killed with SIGKILL.
public final class ChildProcess: @unchecked Sendable {
    // @unchecked: `process` is only mutated in `start()`, before the instance is shared; the
    // registry is guarded by `registryLock`.
    public let name: String
    public let executable: URL
    public let arguments: [String]
    public let stdoutURL: URL
    public let stderrURL: URL
    private let process = Process()
    private let extraEnvironment: [String: String]

    nonisolated(unsafe) private static var registry: [ObjectIdentifier: ChildProcess] = [:]
    private static let registryLock = NSLock()

    /// Describes a child; nothing runs until `start()`.
    /// - Parameters:
    ///   - name: a short name used in log file names and messages ("rt", "app").
    ///   - executable: the program to run.
    ///   - logDirectory: where `<name>.stdout.log` and `<name>.stderr.log` go (created if needed).
    public init(
        name: String, executable: URL, arguments: [String], logDirectory: URL, environment: [String: String] = [:]
    ) {
        self.name = name
        self.executable = executable
        self.arguments = arguments
        self.stdoutURL = logDirectory.appendingPathComponent("\(name).stdout.log")
        self.stderrURL = logDirectory.appendingPathComponent("\(name).stderr.log")
        self.extraEnvironment = environment
    }

    /// Starts the process.
    /// - Throws: `OrchestrationError.launchFailed` when the executable is missing or not runnable.
    public func start() throws {
        let fileManager = FileManager.default
        try fileManager.createDirectory(at: stdoutURL.deletingLastPathComponent(), withIntermediateDirectories: true)
        // Append, so a restarted child (same name) keeps the earlier run's log above the new one.
        for url in [stdoutURL, stderrURL] where !fileManager.fileExists(atPath: url.path) {
            fileManager.createFile(atPath: url.path, contents: nil)
        }
        guard fileManager.isExecutableFile(atPath: executable.path) else {
            throw OrchestrationError.launchFailed(
                "\(executable.path) is not an executable; build it first with `swift build`")
        }
        let stdout = try FileHandle(forWritingTo: stdoutURL)
        let stderr = try FileHandle(forWritingTo: stderrURL)
        stdout.seekToEndOfFile()
        stderr.seekToEndOfFile()
        process.executableURL = executable
        process.arguments = arguments
        process.standardOutput = stdout
        process.standardError = stderr
        process.standardInput = FileHandle.nullDevice
        var environment = ProcessInfo.processInfo.environment
        environment["SPLITSOC_PARENT_PID"] = String(getpid())
        for (key, value) in extraEnvironment { environment[key] = value }
        process.environment = environment
        do {
            try process.run()
        } catch {
            throw OrchestrationError.launchFailed("cannot start \(executable.path): \(error)")
        }
        try? stdout.close()
        try? stderr.close()
        Self.registryLock.withLock { Self.registry[ObjectIdentifier(self)] = self }
    }

    /// The child's process id (0 before `start()`).
    public var pid: Int32 { process.processIdentifier }

    /// Whether the child is still running.
    public var isRunning: Bool { process.isRunning }

    /// The exit status once the child has exited (the signal number when it was killed).
    public var exitStatus: Int32? { process.isRunning ? nil : process.terminationStatus }

    /// How the child ended, for messages ("exit 0", "signal 9").
    public var exitDescription: String {
        guard !process.isRunning else { return "running" }
        return process.terminationReason == .uncaughtSignal
            ? "signal \(process.terminationStatus)" : "exit \(process.terminationStatus)"
    }

    /// Everything the child wrote to stdout so far.
    public func stdoutText() -> String { (try? String(contentsOf: stdoutURL, encoding: .utf8)) ?? "" }

    /// Everything the child wrote to stderr so far.
    public func stderrText() -> String { (try? String(contentsOf: stderrURL, encoding: .utf8)) ?? "" }

    /// Waits until a stdout line containing `text` appears (after `afterOffset` bytes of stdout).
    /// - Returns: the whole line.
    /// - Throws: `OrchestrationError.notReady` with the child's last stderr lines when it exits
    ///   first or `timeout` passes.
    @discardableResult
    public func waitForLine(containing text: String, timeout: Duration, afterOffset: Int = 0) throws -> String {
        let deadline = ContinuousClock.now + timeout
        while true {
            let output = stdoutText()
            let start = output.utf8.index(output.utf8.startIndex, offsetBy: min(afterOffset, output.utf8.count))
            for line in output[start...].split(separator: "\n") where line.contains(text) {
                return String(line)
            }
            if !isRunning || ContinuousClock.now >= deadline {
                let reason = isRunning ? "no \"\(text)\" within \(timeout)" : "it ended (\(exitDescription))"
                throw OrchestrationError.notReady(
                    "\(name) is not ready: \(reason).\n--- \(name) stderr (last lines) ---\n\(tail(stderrText()))")
            }
            Thread.sleep(forTimeInterval: 0.02)
        }
    }

    /// Bytes of stdout written so far; pass to `waitForLine(afterOffset:)` to wait for a new line.
    public var stdoutOffset: Int { stdoutText().utf8.count }

    /// Sends a signal (SIGSTOP to pause, SIGCONT to resume, SIGKILL to crash it).
    public func send(signal: Int32) {
        guard process.isRunning else { return }
        kill(process.processIdentifier, signal)
    }

    /// Waits for the child to exit.
    /// - Returns: the exit status, or `nil` when it is still running after `timeout`.
    @discardableResult
    public func waitForExit(timeout: Duration) -> Int32? {
        let deadline = ContinuousClock.now + timeout
        while process.isRunning && ContinuousClock.now < deadline {
            Thread.sleep(forTimeInterval: 0.01)
        }
        if process.isRunning { return nil }
        process.waitUntilExit()
        Self.registryLock.withLock { _ = Self.registry.removeValue(forKey: ObjectIdentifier(self)) }
        return process.terminationStatus
    }

    /// Asks the child to stop (SIGTERM; SIGCONT first in case it is paused), then kills it
    /// (SIGKILL) if it has not exited after `grace`.
    /// - Returns: the exit status.
    @discardableResult
    public func terminate(grace: Duration = .seconds(3)) -> Int32 {
        if process.isRunning {
            kill(process.processIdentifier, SIGCONT)
            kill(process.processIdentifier, SIGTERM)
            if waitForExit(timeout: grace) == nil {
                kill(process.processIdentifier, SIGKILL)
            }
        }
        process.waitUntilExit()
        Self.registryLock.withLock { _ = Self.registry.removeValue(forKey: ObjectIdentifier(self)) }
        return process.terminationStatus
    }

    /// Kills every child still running, without waiting politely. For signal handlers and
    /// fatal paths.
    public static func terminateAll() {
        let children = registryLock.withLock { Array(registry.values) }
        for child in children where child.isRunning {
            kill(child.pid, SIGCONT)
            kill(child.pid, SIGTERM)
        }
        let deadline = ContinuousClock.now + .seconds(2)
        for child in children {
            while child.isRunning && ContinuousClock.now < deadline { Thread.sleep(forTimeInterval: 0.01) }
            if child.isRunning { kill(child.pid, SIGKILL) }
        }
    }

    private func tail(_ text: String, lines: Int = 15) -> String {
        text.split(separator: "\n", omittingEmptySubsequences: false).suffix(lines).joined(separator: "\n")
    }
}

/// Errors of the orchestration layer; each message says what to do.
public enum OrchestrationError: Error, CustomStringConvertible {
    case launchFailed(String)
    case notReady(String)
    case controlFailed(String)

    public var description: String {
        switch self {
        case .launchFailed(let message), .notReady(let message), .controlFailed(let message): return message
        }
    }
}

/// Installs SIGINT/SIGTERM handling for `splitsoc` commands that own children: on the first
/// signal every child is terminated and the process exits with 128 + signal, as shells expect.
public enum OrchestratorSignals {
    nonisolated(unsafe) private static var sources: [any DispatchSourceSignal] = []

    /// Call once, early, from the command's `run()`.
    public static func install() {
        guard sources.isEmpty else { return }
        for signalNumber in [SIGINT, SIGTERM] {
            signal(signalNumber, SIG_IGN)
            let source = DispatchSource.makeSignalSource(signal: signalNumber, queue: .global())
            source.setEventHandler {
                FileHandle.standardError.write(Data("\nsplitsoc: stopping the cores…\n".utf8))
                ChildProcess.terminateAll()
                exit(128 + signalNumber)
            }
            source.resume()
            sources.append(source)
        }
    }
}
