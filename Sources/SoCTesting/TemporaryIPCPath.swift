import Foundation

/// Runs `body` with a fresh `ipc://` endpoint in a new private directory under `/tmp`, and removes the
/// directory afterwards (even when `body` throws).
///
/// The path is kept short on purpose: a Unix socket path is limited to 107 bytes (`sun_path`), and
/// libzmq fails the bind with `ENAMETOOLONG` beyond it, which `$TMPDIR`-based paths can exceed.
/// - Parameter name: the socket's file name inside the directory (default `link`).
/// - Returns: what `body` returns.
public func withTemporaryIPCPath<Result>(
    name: String = "link",
    _ body: (_ endpoint: String) throws -> Result
) throws -> Result {
    let directory = try makeTemporaryDirectory()
    defer { try? FileManager.default.removeItem(atPath: directory) }
    return try body("ipc://\(directory)/\(name)")
}

/// The `async` form of `withTemporaryIPCPath(name:_:)`.
public func withTemporaryIPCPath<Result>(
    name: String = "link",
    _ body: (_ endpoint: String) async throws -> Result
) async throws -> Result {
    let directory = try makeTemporaryDirectory()
    defer { try? FileManager.default.removeItem(atPath: directory) }
    return try await body("ipc://\(directory)/\(name)")
}

/// Creates a private directory `/tmp/ssoc-XXXXXX` (mkdtemp: unique even across parallel test processes).
/// - Throws: `CocoaError` with the errno when the directory cannot be created.
public func makeTemporaryDirectory(prefix: String = "ssoc") throws -> String {
    var template = Array("/tmp/\(prefix)-XXXXXX".utf8CString)
    let created = template.withUnsafeMutableBufferPointer { mkdtemp($0.baseAddress!) }
    guard created != nil else {
        throw CocoaError(.fileWriteUnknown, userInfo: [NSLocalizedDescriptionKey: "mkdtemp failed: errno \(errno)"])
    }
    return String(decoding: template.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
}
