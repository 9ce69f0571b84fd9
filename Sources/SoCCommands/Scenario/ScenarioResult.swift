import Foundation

/// The outcome of one scenario run.
public struct ScenarioResult: Sendable {
    public var scenario: Scenario
    /// Expectations that did not hold (empty when the run passed).
    public var failures: [ExpectationFailure] = []
    /// Set when the run itself broke (a core did not start, crashed, or the firmware did not
    /// build): the expectations were then not evaluated.
    public var runError: String?
    /// The real-time core's trace digest (`sha256` hex), when it printed one.
    public var traceDigest: String?
    /// What the run exposed to expectations.
    public var observations = ScenarioObservations()
    /// Where the logs, trace and summaries are (kept for a failed run).
    public var runDirectory: String?
    /// The trace file, when it was kept.
    public var keptTracePath: String?
    /// Wall-clock duration of the run.
    public var wallSeconds: Double = 0
    /// What the orchestrator did, in order ("1200 ms: killed the application core").
    public var log: [String] = []

    public init(scenario: Scenario) { self.scenario = scenario }

    /// True when the run completed and every expectation held.
    public var passed: Bool { runError == nil && failures.isEmpty }

    /// A report a person can act on: the verdict, then one paragraph per problem.
    public var report: String {
        var lines: [String] = []
        let where_ = scenario.sourcePath.map { " (\($0))" } ?? ""
        let verdict = passed ? "PASS" : "FAIL"
        lines.append("\(verdict) \(scenario.name)\(where_) in \(String(format: "%.1f", wallSeconds)) s")
        if let runError { lines.append("  run error: " + runError.replacingOccurrences(of: "\n", with: "\n    ")) }
        for failure in failures { lines.append("  ✗ \(failure.description)") }
        if !passed {
            if let keptTracePath { lines.append("  trace kept at \(keptTracePath)") }
            if let runDirectory { lines.append("  logs in \(runDirectory)") }
            if !log.isEmpty { lines.append("  orchestrator: " + log.joined(separator: "; ")) }
        }
        if let traceDigest { lines.append("  trace digest sha256:\(traceDigest)") }
        return lines.joined(separator: "\n")
    }
}
