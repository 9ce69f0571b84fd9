/// Which implementation the kit checks: `app` (the kit plays the real-time core) or `rt` (the kit
/// plays the application core).
public enum ConformanceRole: String, Sendable, CaseIterable {
    case app, rt
}

/// One normative behaviour of SPEC §10, as a small scenario with its own deadlines.
struct ConformanceCheck {
    /// The id of SPEC §10 (`A-HELLO`, `R-FOREIGN`).
    let id: String
    /// The behaviour checked, as SPEC §10 words it.
    let what: String
    /// The sections of SPEC.md it comes from.
    let section: String
    /// The revision of SPEC.md that made this behaviour normative ("1.0", or "1.1" for what §9.1 lists).
    var since = "1.0"
    /// `--role app`: the check needs a freshly started peer (`--exec`), or leaves the peer unusable.
    var needsFreshPeer = false
    /// Runs the scenario. Returns a note for the PASS line (measured figures), throws `CheckFailure`
    /// for FAIL and `CheckSkipped` when the session's parameters make the check meaningless.
    let body: (ConformanceRun) throws -> String?
}

/// A check's expectation did not hold; the text says what was sent and what came back.
struct CheckFailure: Error, CustomStringConvertible {
    let description: String
    init(_ description: String) { self.description = description }
}

/// The check is meaningless for this peer (e.g. a lockstep check in a session without `lockstep`).
struct CheckSkipped: Error, CustomStringConvertible {
    let description: String
    init(_ description: String) { self.description = description }
}

/// What one check concluded.
enum CheckOutcome: Equatable {
    case passed(note: String?)
    case failed(String)
    case skipped(String)
}

/// One check's outcome and how long it took.
struct CheckResult {
    let check: ConformanceCheck
    let outcome: CheckOutcome
    let seconds: Double
}

/// Fails the check with `message` unless `condition` holds.
func demand(_ condition: Bool, _ message: @autoclosure () -> String) throws {
    if !condition { throw CheckFailure(message()) }
}
