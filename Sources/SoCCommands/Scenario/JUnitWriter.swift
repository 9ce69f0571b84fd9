/// One `<testcase>` of a JUnit XML report.
public struct JUnitTestCase: Sendable {
    /// A `<failure>` or `<error>` element: a one-line message, a type, and the full text.
    public struct Problem: Sendable {
        public var message: String
        public var type: String
        public var text: String
        public init(message: String, type: String, text: String) {
            self.message = message
            self.type = type
            self.text = text
        }
    }

    public var className: String
    public var name: String
    public var seconds: Double
    public var failures: [Problem] = []
    /// The run itself broke (JUnit `<error>`).
    public var error: Problem?
    /// Why the case was skipped (JUnit `<skipped>`), if it was.
    public var skipped: String?
    /// Lines for `<system-out>`.
    public var systemOut: [String] = []

    public init(className: String, name: String, seconds: Double) {
        self.className = className
        self.name = name
        self.seconds = seconds
    }
}

/// Writes JUnit XML (the dialect Jenkins, GitLab and GitHub reporters read): one `<testsuite>`,
/// one `<testcase>` per case, a `<failure>` per failed expectation, an `<error>` when the run itself
/// broke and `<skipped>` for a skipped case. Used by `splitsoc scenario run` and `splitsoc conformance`.
public enum JUnitWriter {
    /// The XML document for scenario `results`: one case per scenario, in the suite `splitsoc-scenarios`.
    public static func xml(for results: [ScenarioResult], suiteName: String = "splitsoc-scenarios") -> String {
        xml(suiteName: suiteName, cases: results.map(testCase))
    }

    static func testCase(_ result: ScenarioResult) -> JUnitTestCase {
        let className = result.scenario.sourcePath.map { "scenarios." + baseName($0) } ?? "scenarios"
        var testCase = JUnitTestCase(className: className, name: result.scenario.name, seconds: result.wallSeconds)
        testCase.error = result.runError.map { JUnitTestCase.Problem(message: firstLine($0), type: "run", text: $0) }
        testCase.failures = result.failures.map {
            JUnitTestCase.Problem(message: $0.description, type: "expectation", text: $0.description)
        }
        if let digest = result.traceDigest { testCase.systemOut.append("trace digest sha256:\(digest)") }
        if let path = result.keptTracePath { testCase.systemOut.append("trace kept at \(path)") }
        if let directory = result.runDirectory { testCase.systemOut.append("run directory \(directory)") }
        return testCase
    }

    /// The XML document for `cases`.
    public static func xml(suiteName: String, cases: [JUnitTestCase]) -> String {
        let failures = cases.filter { $0.error == nil && !$0.failures.isEmpty }.count
        let errors = cases.filter { $0.error != nil }.count
        let skipped = cases.filter { $0.skipped != nil }.count
        let time = cases.reduce(0.0) { $0 + $1.seconds }
        var out = "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
        out += "<testsuites tests=\"\(cases.count)\" failures=\"\(failures)\" errors=\"\(errors)\" time=\"\(format(time))\">\n"
        out += "  <testsuite name=\"\(escape(suiteName))\" tests=\"\(cases.count)\" failures=\"\(failures)\" "
        out += "errors=\"\(errors)\" skipped=\"\(skipped)\" time=\"\(format(time))\">\n"
        for testCase in cases { out += element(testCase) }
        out += "  </testsuite>\n</testsuites>\n"
        return out
    }

    static func element(_ testCase: JUnitTestCase) -> String {
        var out = "    <testcase classname=\"\(escape(testCase.className))\" name=\"\(escape(testCase.name))\" "
        out += "time=\"\(format(testCase.seconds))\">\n"
        if let error = testCase.error {
            out += "      <error message=\"\(escape(error.message))\" type=\"\(escape(error.type))\">\(escape(error.text))</error>\n"
        }
        for failure in testCase.failures {
            out += "      <failure message=\"\(escape(failure.message))\" type=\"\(escape(failure.type))\">"
            out += escape(failure.text) + "</failure>\n"
        }
        if let skipped = testCase.skipped { out += "      <skipped message=\"\(escape(skipped))\"/>\n" }
        if !testCase.systemOut.isEmpty {
            out += "      <system-out>\(escape(testCase.systemOut.joined(separator: "\n")))</system-out>\n"
        }
        out += "    </testcase>\n"
        return out
    }

    /// Escapes text for an XML attribute or element; drops characters XML 1.0 cannot carry.
    static func escape(_ text: String) -> String {
        var out = ""
        for scalar in text.unicodeScalars {
            switch scalar {
            case "&": out += "&amp;"
            case "<": out += "&lt;"
            case ">": out += "&gt;"
            case "\"": out += "&quot;"
            case "'": out += "&apos;"
            case "\n": out += "&#10;"
            case "\t", "\r": out.unicodeScalars.append(scalar)
            default:
                if scalar.value < 0x20 || scalar.value == 0xFFFE || scalar.value == 0xFFFF { continue }
                out.unicodeScalars.append(scalar)
            }
        }
        return out
    }

    static func format(_ seconds: Double) -> String {
        let milliseconds = Int((seconds * 1000).rounded())
        let fraction = milliseconds % 1000
        return "\(milliseconds / 1000)." + String(repeating: "0", count: 3 - String(fraction).count) + String(fraction)
    }

    static func baseName(_ path: String) -> String {
        let file = path.split(separator: "/").last.map(String.init) ?? path
        return file.hasSuffix(".toml") ? String(file.dropLast(5)) : file
    }

    static func firstLine(_ text: String) -> String { text.split(separator: "\n").first.map(String.init) ?? text }
}
