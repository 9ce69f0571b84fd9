import Foundation

/// Spawns the real SplitSoC executables for integration tests and makes sure none outlives its test
/// (Renode's `renode-to-renode.robot` discipline).
///
/// Every child's stdout and stderr go to files in a private temporary directory, so a test can wait
/// for a readiness line (`waitForLine(containing:timeout:)`) and a failure can print everything the
/// child said. Each child has a hard timeout after which it is killed. `finish()` (called by
/// `withProcessHarness`) fails if a child is still running: a test must stop what it started.
///
/// Not thread-safe: use a harness from the test that created it.
public final class ProcessHarness {
    /// The longest any child may live; past it the watchdog sends SIGKILL.
    public let hardTimeout: Duration
    /// Where the children's output files live (removed by `finish()`; failures carry the output in their report).
    public let directory: String
    private var children: [HarnessedProcess] = []

    /// Creates a harness with its own output directory.
    /// - Parameter hardTimeout: the longest any child may run (default 60 s).
    /// - Throws: when the temporary directory cannot be created.
    public init(hardTimeout: Duration = .seconds(60)) throws {
        self.hardTimeout = hardTimeout
        self.directory = try makeTemporaryDirectory(prefix: "ssoc-run")
    }

    /// Starts `executable` with `arguments`.
    /// - Parameters:
    ///   - executable: a path, or a bare product name (`splitsoc`) found with `ProcessHarness.executablePath(named:)`.
    ///   - name: a label for reports (default: the executable's file name).
    /// - Throws: `ProcessHarnessError.executableNotFound`, or Foundation's error when the spawn fails.
    @discardableResult
    public func spawn(_ executable: String, _ arguments: [String], name: String? = nil) throws -> HarnessedProcess {
        let path = executable.contains("/") ? executable : try Self.executablePath(named: executable)
        let label = name ?? ((path as NSString).lastPathComponent + "-\(children.count)")
        let child = try HarnessedProcess(
            path: path,
            arguments: arguments,
            name: label,
            outputDirectory: directory,
            hardTimeout: hardTimeout
        )
        children.append(child)
        return child
    }

    /// Ends the harness: every child that is still running is terminated (SIGTERM, then SIGKILL),
    /// and if there was any, this throws with its exit status, stdout and stderr.
    /// - Throws: `ProcessHarnessError.childrenStillRunning`.
    public func finish() throws {
        var leftovers: [String] = []
        for child in children where child.isRunning {
            child.terminate()
            leftovers.append(child.report())
        }
        children.removeAll()
        // The reports above already hold the children's output, so the files can always go.
        try? FileManager.default.removeItem(atPath: directory)
        if !leftovers.isEmpty {
            throw ProcessHarnessError.childrenStillRunning(leftovers.joined(separator: "\n"))
        }
    }

    deinit {
        // A harness dropped without finish(): its children are killed by their own deinit.
        children.removeAll()
        try? FileManager.default.removeItem(atPath: directory)
    }

    /// Finds a built product: `$SPLITSOC_BIN_DIR`, then the directory of the running test binary
    /// (SwiftPM puts products next to the `.xctest` bundle), then `<repo>/.build/debug`.
    /// - Throws: `ProcessHarnessError.executableNotFound` listing where it looked.
    public static func executablePath(named name: String, filePath: String = #filePath) throws -> String {
        var candidates: [String] = []
        if let dir = ProcessInfo.processInfo.environment["SPLITSOC_BIN_DIR"] { candidates.append(dir) }
        if let selfPath = try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/exe") {
            var dir = (selfPath as NSString).deletingLastPathComponent
            // Inside a bundle (`X.xctest/Contents/MacOS/X` on macOS), walk up to the products directory.
            for _ in 0..<4 {
                candidates.append(dir)
                dir = (dir as NSString).deletingLastPathComponent
            }
        }
        if let bundleDir = Bundle.main.executableURL?.deletingLastPathComponent().path { candidates.append(bundleDir) }
        // <repo>/Sources/SoCTesting/ProcessHarness.swift -> <repo>/.build/debug
        let repo = ((filePath as NSString).deletingLastPathComponent as NSString)
            .deletingLastPathComponent
        candidates.append(((repo as NSString).deletingLastPathComponent as NSString).appendingPathComponent(".build/debug"))
        for dir in candidates {
            let path = (dir as NSString).appendingPathComponent(name)
            var isDirectory: ObjCBool = false
            if FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory), !isDirectory.boolValue,
                FileManager.default.isExecutableFile(atPath: path)
            {
                return path
            }
        }
        throw ProcessHarnessError.executableNotFound(name: name, searched: candidates)
    }
}

/// Runs `body` with a fresh `ProcessHarness`, then calls `finish()`: the call fails if `body` left a
/// child running (it is killed and its output is in the error), or rethrows `body`'s error after
/// terminating every child.
public func withProcessHarness<Result>(
    hardTimeout: Duration = .seconds(60),
    _ body: (ProcessHarness) throws -> Result
) throws -> Result {
    let harness = try ProcessHarness(hardTimeout: hardTimeout)
    let result: Result
    do {
        result = try body(harness)
    } catch {
        try? harness.finish()
        throw error
    }
    try harness.finish()
    return result
}

/// The `async` form of `withProcessHarness(hardTimeout:_:)`.
public func withProcessHarness<Result>(
    hardTimeout: Duration = .seconds(60),
    _ body: (ProcessHarness) async throws -> Result
) async throws -> Result {
    let harness = try ProcessHarness(hardTimeout: hardTimeout)
    let result: Result
    do {
        result = try await body(harness)
    } catch {
        try? harness.finish()
        throw error
    }
    try harness.finish()
    return result
}

/// Why the harness failed a test.
public enum ProcessHarnessError: Error, CustomStringConvertible {
    /// The product was not found; build it first (`swift build`).
    case executableNotFound(name: String, searched: [String])
    /// `waitForLine` or `waitForExit` ran out of time; `report` has the child's status and output.
    case timedOut(waitingFor: String, report: String)
    /// The child exited before printing the awaited line.
    case exitedEarly(waitingFor: String, report: String)
    /// The test ended with children still running (they have now been killed).
    case childrenStillRunning(String)

    public var description: String {
        switch self {
        case .executableNotFound(let name, let searched):
            return "executable '\(name)' not found (run `swift build`); searched: \(searched.joined(separator: ", "))"
        case .timedOut(let what, let report):
            return "timed out waiting for \(what)\n\(report)"
        case .exitedEarly(let what, let report):
            return "the child exited while waiting for \(what)\n\(report)"
        case .childrenStillRunning(let report):
            return "children were still running at the end of the test (now killed):\n\(report)"
        }
    }
}
