/// The output of a conformance run: one line per check, the summary line, JUnit XML.
///
/// Line format (SPEC §10): `PASS|FAIL|SKIP <id> <what> [— why]`; the summary is exactly
/// `conformance: N passed, N failed, N skipped`.
struct ConformanceReport {
    let role: ConformanceRole
    private(set) var results: [CheckResult] = []

    init(role: ConformanceRole) { self.role = role }

    mutating func append(_ result: CheckResult) { results.append(result) }

    var passed: Int { results.filter { if case .passed = $0.outcome { return true } else { return false } }.count }
    var failed: Int { results.filter { if case .failed = $0.outcome { return true } else { return false } }.count }
    var skipped: Int { results.filter { if case .skipped = $0.outcome { return true } else { return false } }.count }

    /// `PASS A-HELLO the first frame is … — nonce 1234`.
    static func line(for result: CheckResult) -> String {
        let (verdict, why): (String, String?) =
            switch result.outcome {
            case .passed(let note): ("PASS", note)
            case .failed(let reason): ("FAIL", reason)
            case .skipped(let reason): ("SKIP", reason)
            }
        let head = "\(verdict) \(result.check.id) \(result.check.what)"
        guard let why, !why.isEmpty else { return head }
        return head + " — " + oneLine(why)
    }

    /// Which revision's checks the peer passes (SPEC §9.1: the revision is not negotiated, the kit reports it).
    var revision: String {
        let failed = results.filter { if case .failed = $0.outcome { return true } else { return false } }.map(\.check)
        let old = failed.filter { $0.since == "1.0" }.map(\.id)
        let new = failed.filter { $0.since != "1.0" }.map(\.id)
        if failed.isEmpty { return "revision: the peer passes every check run (revisions 1.0 and 1.1)" }
        if old.isEmpty { return "revision: the peer passes the 1.0 checks run; 1.1 checks failed: \(new.joined(separator: ", "))" }
        let newer = new.isEmpty ? "" : "; 1.1 checks failed: \(new.joined(separator: ", "))"
        return "revision: the peer fails 1.0 checks: \(old.joined(separator: ", "))\(newer)"
    }

    /// `conformance: 17 passed, 0 failed, 0 skipped`.
    var summary: String { "conformance: \(passed) passed, \(failed) failed, \(skipped) skipped" }

    /// JUnit XML: one test case per check, with its time and, for a failure, the reason.
    func junit() -> String {
        let cases = results.map { result -> JUnitTestCase in
            var testCase = JUnitTestCase(
                className: "conformance.\(role.rawValue)", name: "\(result.check.id) \(result.check.what)",
                seconds: result.seconds)
            switch result.outcome {
            case .passed(let note): testCase.systemOut = note.map { [$0] } ?? []
            case .failed(let reason):
                testCase.failures = [
                    JUnitTestCase.Problem(
                        message: oneLine(reason), type: "conformance",
                        text: "SPEC §\(result.check.section): \(result.check.what)\n\(reason)")
                ]
            case .skipped(let reason): testCase.skipped = oneLine(reason)
            }
            return testCase
        }
        return JUnitWriter.xml(suiteName: "splitsoc-conformance-\(role.rawValue)", cases: cases)
    }
}

/// `text` with line breaks turned into spaces (a check line is one line).
private func oneLine(_ text: String) -> String {
    text.split(whereSeparator: \.isNewline).joined(separator: " ")
}
