import CoreProcessSupport
import Foundation
import Synchronization

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
    // @unchecked: `process` is only set in `start()`, before the instance is shared; the
    // registry is guarded by `registryLock`.
    public let name: String
    public let executable: URL
    public let arguments: [String]
    public let stdoutURL: URL
    public let stderrURL: URL
    private var process: SpawnedProcess?
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

    /// Starts the process (through `SpawnedProcess`: an empty signal mask, logs appended).
    /// - Throws: `OrchestrationError.launchFailed` when the executable is missing or not runnable.
    public func start() throws {
        try FileManager.default.createDirectory(
            at: stdoutURL.deletingLastPathComponent(), withIntermediateDirectories: true)
        guard FileManager.default.isExecutableFile(atPath: executable.path) else {
            throw OrchestrationError.launchFailed(
                "\(executable.path) is not an executable; build it first with `swift build`")
        }
        var environment = ProcessInfo.processInfo.environment
        environment["SPLITSOC_PARENT_PID"] = String(getpid())
        for (key, value) in extraEnvironment { environment[key] = value }
        do {
            process = try SpawnedProcess(
                path: executable.path, arguments: arguments, environment: environment, stdoutPath: stdoutURL.path,
                stderrPath: stderrURL.path, append: true)
        } catch {
            throw OrchestrationError.launchFailed(error.description)
        }
        Self.registryLock.withLock { Self.registry[ObjectIdentifier(self)] = self }
    }

    /// The child's process id (0 before `start()`).
    public var pid: Int32 { process?.pid ?? 0 }

    /// Whether the child is still running.
    public var isRunning: Bool { process?.isRunning ?? false }

    /// The exit status once the child has exited (128 + signal when a signal ended it).
    public var exitStatus: Int32? { process?.exitStatus }

    /// How the child ended, for messages ("exit 0", "signal 9").
    public var exitDescription: String { process?.exitDescription ?? "not started" }

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
    public func send(signal: Int32) { process?.send(signal: signal) }

    /// Waits for the child to exit.
    /// - Returns: the exit status, or `nil` when it is still running after `timeout`.
    @discardableResult
    public func waitForExit(timeout: Duration) -> Int32? {
        let status = process?.waitForExit(timeout: timeout)
        if status != nil { unregister() }
        return status
    }

    /// Asks the child to stop (SIGCONT in case it is paused, then SIGTERM), then kills it
    /// (SIGKILL) if it has not exited after `grace`.
    /// - Returns: the exit status.
    @discardableResult
    public func terminate(grace: Duration = .seconds(3)) -> Int32 {
        let status = process?.terminate(grace: grace) ?? 0
        unregister()
        return status
    }

    private func unregister() {
        Self.registryLock.withLock { _ = Self.registry.removeValue(forKey: ObjectIdentifier(self)) }
    }

    /// Stops every child still running: SIGTERM to all at once, SIGKILL to those still there
    /// after 2 s. For signal handlers and fatal paths.
    public static func terminateAll() {
        let children = registryLock.withLock { Array(registry.values) }
        for child in children {
            child.send(signal: SIGCONT)
            child.send(signal: SIGTERM)
        }
        for child in children { child.terminate(grace: .seconds(2)) }
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

    /// The signal that asked a `graceful` command to wrap up (0: none yet).
    private static let interrupted = Atomic<Int32>(0)

    /// Whether a first SIGINT/SIGTERM asked a `graceful` command to wrap up.
    public static var stopRequested: Bool { interrupted.load(ordering: .relaxed) != 0 }

    /// The exit code a wrapped-up command ends with, as shells expect (128 + signal), or nil.
    public static var interruptedExitCode: Int32? {
        let signal = interrupted.load(ordering: .relaxed)
        return signal == 0 ? nil : 128 + signal
    }

    /// Call once, early, from the command's `run()`.
    /// - Parameter graceful: the first signal only sets `stopRequested` (the command then stops its
    ///   cores and writes its report, as `splitsoc demo` does); a second one stops at once.
    public static func install(graceful: Bool = false) {
        guard sources.isEmpty else { return }
        for signalNumber in [SIGINT, SIGTERM] {
            signal(signalNumber, SIG_IGN)
            let source = DispatchSource.makeSignalSource(signal: signalNumber, queue: .global())
            source.setEventHandler {
                if graceful && interrupted.exchange(signalNumber, ordering: .relaxed) == 0 {
                    FileHandle.standardError.write(
                        Data("\nsplitsoc: interrupted: stopping the cores and writing the report (again to quit at once)…\n".utf8))
                    return
                }
                FileHandle.standardError.write(Data("\nsplitsoc: stopping the cores…\n".utf8))
                ChildProcess.terminateAll()
                exit(128 + signalNumber)
            }
            source.resume()
            sources.append(source)
        }
    }
}
