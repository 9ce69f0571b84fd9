import Foundation
import RTCore

/// Reads a board of the checkout as `splitsoc` passes it to `splitsoc-rt --board`: a path ending
/// in `.toml`, or a name in `firmware-mock/boards/`. The tool reads it too, to know the board's
/// tick rate and its setpoint limits before it starts a core.
enum BoardFile {
    /// The board named or pointed to by `board`.
    /// - Throws: `BoardError` when the file is missing or invalid (the message names the file and line).
    static func load(_ board: String, packageRoot: String) throws(BoardError) -> BoardDescription {
        let path = board.hasSuffix(".toml") ? board : "\(packageRoot)/firmware-mock/boards/\(board).toml"
        guard let text = try? String(contentsOfFile: path, encoding: .utf8) else {
            throw BoardError(source: path, line: nil, message: "unknown board \(board): no such file")
        }
        return try BoardDescription.parse(text, source: path)
    }
}
