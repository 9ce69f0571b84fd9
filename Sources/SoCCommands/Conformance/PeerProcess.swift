import Foundation

/// The implementation under test, started by the kit (`--exec "COMMAND …"`), so that checks that
/// need a fresh process (A-HELLO's first frame, A-REFUSED's exit) can have one.
///
/// The command is split into words like a shell would (spaces, '…' and "…" quoting, backslash
/// escapes; no expansions), `{endpoint}` is replaced in every word, and the program is looked up
/// on `PATH`. Its output goes to files in a temporary directory, shown when a check fails.
final class PeerProcess {
    let words: [String]
    private let logDirectory: URL
    private var child: ChildProcess?
    private var starts = 0

    /// - Throws: `CheckFailure` for an empty command or a program not found on `PATH`.
    init(command: String, endpoint: String) throws {
        let words = Self.split(command).map { $0.replacingOccurrences(of: "{endpoint}", with: endpoint) }
        guard let program = words.first else { throw CheckFailure("--exec: empty command") }
        guard Self.resolve(program) != nil else { throw CheckFailure("--exec: '\(program)' not found on PATH") }
        self.words = words
        logDirectory = URL(fileURLWithPath: try makeConformanceDirectory())
    }

    deinit {
        stop()
        try? FileManager.default.removeItem(at: logDirectory)
    }

    /// Starts the process (stopping a running one first).
    func restart() throws {
        stop()
        starts += 1
        let executable = URL(fileURLWithPath: Self.resolve(words[0]) ?? words[0])
        let process = ChildProcess(
            name: "peer-\(starts)", executable: executable, arguments: Array(words.dropFirst()),
            logDirectory: logDirectory)
        try process.start()
        child = process
    }

    /// Stops the process: SIGTERM, SIGKILL after a grace period.
    func stop() {
        guard let child else { return }
        if child.isRunning { child.terminate(grace: .seconds(2)) }
        self.child = nil
    }

    var isRunning: Bool { child?.isRunning ?? false }

    /// "exit 76", "signal 9", "running".
    var status: String {
        guard let child else { return "not started" }
        return child.isRunning ? "running" : child.exitDescription
    }

    /// The last lines the process wrote to stderr.
    func stderrTail(lines: Int = 5) -> String {
        let text = child?.stderrText() ?? ""
        return text.split(separator: "\n").suffix(lines).joined(separator: " | ")
    }

    /// Splits a command line into words: whitespace separates, quotes group, backslash escapes.
    static func split(_ command: String) -> [String] {
        var words: [String] = []
        var current = ""
        var inWord = false
        var quote: Character?
        var escaped = false
        for character in command {
            if escaped {
                current.append(character)
                escaped = false
            } else if character == "\\" && quote != "'" {
                escaped = true
                inWord = true
            } else if let open = quote {
                if character == open { quote = nil } else { current.append(character) }
            } else if character == "'" || character == "\"" {
                quote = character
                inWord = true
            } else if character.isWhitespace {
                if inWord { words.append(current) }
                current = ""
                inWord = false
            } else {
                current.append(character)
                inWord = true
            }
        }
        if inWord { words.append(current) }
        return words
    }

    /// The program's path: as given when it contains a `/`, else the first match on `PATH`.
    static func resolve(_ program: String) -> String? {
        if program.contains("/") { return FileManager.default.isExecutableFile(atPath: program) ? program : nil }
        let path = ProcessInfo.processInfo.environment["PATH"] ?? "/usr/bin:/bin"
        for directory in path.split(separator: ":") {
            let candidate = "\(directory)/\(program)"
            if FileManager.default.isExecutableFile(atPath: candidate) { return candidate }
        }
        return nil
    }
}

/// A private directory `/tmp/ssoc-conformance-XXXXXX` (mkdtemp).
func makeConformanceDirectory() throws -> String {
    var template = Array("/tmp/ssoc-conformance-XXXXXX".utf8CString)
    guard template.withUnsafeMutableBufferPointer({ mkdtemp($0.baseAddress!) }) != nil else {
        throw CheckFailure("cannot create a temporary directory under /tmp (errno \(errno))")
    }
    return String(decoding: template.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
}
