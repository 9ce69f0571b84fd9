import Foundation

/// Private directories for ipc:// sockets and run files.
///
/// A socket is protected by its directory (docs/threat-model.md), and `splitsoc-rt` refuses an
/// ipc:// link whose directory other users can open. `mkdtemp` creates the directory with mode
/// 0700 and fails if the name exists, so another user cannot have prepared it in advance.
enum PrivateDirectory {
    /// Creates `/tmp/PREFIX-XXXXXX` (short on purpose: a socket path is limited to 107 bytes).
    /// - Throws: `CocoaError` with the errno when it cannot be created.
    static func create(prefix: String) throws -> URL {
        var template = Array("/tmp/\(prefix)-XXXXXX".utf8CString)
        guard template.withUnsafeMutableBufferPointer({ mkdtemp($0.baseAddress!) }) != nil else {
            let reason = String(cString: strerror(errno))
            throw CocoaError(.fileWriteUnknown, userInfo: [NSLocalizedDescriptionKey: "cannot create a private directory under /tmp: \(reason)"])
        }
        let path = String(decoding: template.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
        return URL(fileURLWithPath: path)
    }
}
