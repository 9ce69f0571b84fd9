import SoCWire
import Synchronization
import Foundation
import RTCore

/// Finds and reads a board: `--board NAME` looks for `NAME.toml` in `$SPLITSOC_BOARDS_DIR`,
/// `./firmware-mock/boards`, and `firmware-mock/boards` above the executable (a checkout's
/// `.build/debug/splitsoc-rt`); `--board PATH.toml` reads that file.
enum BoardLocator {
    static func searchDirectories() -> [String] {
        var directories: [String] = []
        if let env = ProcessInfo.processInfo.environment["SPLITSOC_BOARDS_DIR"] { directories.append(env) }
        directories.append(FileManager.default.currentDirectoryPath + "/firmware-mock/boards")
        var dir = URL(fileURLWithPath: CommandLine.arguments[0]).resolvingSymlinksInPath().deletingLastPathComponent()
        if let exe = try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/exe") {
            dir = URL(fileURLWithPath: exe).deletingLastPathComponent()
        }
        for _ in 0..<6 {
            directories.append(dir.appendingPathComponent("firmware-mock/boards").path)
            dir = dir.deletingLastPathComponent()
        }
        return directories
    }

    /// Loads the board named or pointed to by `argument`.
    /// - Throws: `BoardError` when the file is missing or invalid (the message names the file and line).
    static func load(_ argument: String) throws(BoardError) -> BoardDescription {
        let path: String
        if argument.hasSuffix(".toml") || argument.contains("/") {
            path = argument
        } else {
            let candidates = searchDirectories().map { "\($0)/\(argument).toml" }
            guard let found = candidates.first(where: { FileManager.default.fileExists(atPath: $0) }) else {
                let known = availableBoards().joined(separator: ", ")
                throw BoardError(
                    source: argument, line: nil,
                    message: "no board named '\(argument)' (known: \(known.isEmpty ? "none found" : known); or pass a path to a .toml file)")
            }
            path = found
        }
        guard let data = FileManager.default.contents(atPath: path), let text = String(data: data, encoding: .utf8) else {
            throw BoardError(source: path, line: nil, message: "cannot read the board file")
        }
        return try BoardDescription.parse(text, source: path)
    }

    /// Names of the boards found in the search directories.
    static func availableBoards() -> [String] {
        var names: Set<String> = []
        for dir in searchDirectories() {
            for file in (try? FileManager.default.contentsOfDirectory(atPath: dir)) ?? [] where file.hasSuffix(".toml") {
                names.insert(String(file.dropLast(5)))
            }
        }
        return names.sorted()
    }
}
