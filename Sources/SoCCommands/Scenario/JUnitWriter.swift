/// Writes scenario results as JUnit XML (the dialect Jenkins, GitLab and GitHub reporters read):
/// one `<testsuite>` named `splitsoc-scenarios`, one `<testcase>` per scenario, a `<failure>` per
/// failed expectation and an `<error>` when the run itself broke.
public enum JUnitWriter {
    /// The XML document for `results`.
    public static func xml(for results: [ScenarioResult], suiteName: String = "splitsoc-scenarios") -> String {
        let failures = results.filter { $0.runError == nil && !$0.failures.isEmpty }.count
        let errors = results.filter { $0.runError != nil }.count
        let time = results.reduce(0.0) { $0 + $1.wallSeconds }
        var out = "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
        out += "<testsuites tests=\"\(results.count)\" failures=\"\(failures)\" errors=\"\(errors)\" time=\"\(format(time))\">\n"
        out += "  <testsuite name=\"\(escape(suiteName))\" tests=\"\(results.count)\" failures=\"\(failures)\" "
        out += "errors=\"\(errors)\" skipped=\"0\" time=\"\(format(time))\">\n"
        for result in results {
            let className = result.scenario.sourcePath.map { "scenarios." + baseName($0) } ?? "scenarios"
            out += "    <testcase classname=\"\(escape(className))\" name=\"\(escape(result.scenario.name))\" "
            out += "time=\"\(format(result.wallSeconds))\">\n"
            if let error = result.runError {
                out += "      <error message=\"\(escape(firstLine(error)))\" type=\"run\">\(escape(error))</error>\n"
            }
            for failure in result.failures {
                out += "      <failure message=\"\(escape(failure.description))\" type=\"expectation\">"
                out += escape(failure.description) + "</failure>\n"
            }
            var systemOut: [String] = []
            if let digest = result.traceDigest { systemOut.append("trace digest sha256:\(digest)") }
            if let path = result.keptTracePath { systemOut.append("trace kept at \(path)") }
            if let directory = result.runDirectory { systemOut.append("run directory \(directory)") }
            if !systemOut.isEmpty {
                out += "      <system-out>\(escape(systemOut.joined(separator: "\n")))</system-out>\n"
            }
            out += "    </testcase>\n"
        }
        out += "  </testsuite>\n</testsuites>\n"
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
