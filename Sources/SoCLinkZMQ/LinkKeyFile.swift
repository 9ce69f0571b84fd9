import ZeroMQ

#if canImport(Glibc)
    import Glibc
#endif

/// What a key file holds. The first line of every file names it, so a later kind (signing keys)
/// can live under the same `splitsoc keys` command and a loader refuses a file of the wrong kind.
public enum LinkKeyKind: String, Sendable, CaseIterable {
    /// A CURVE secret key (`NAME.key`, mode 0600): the identity of a core.
    case curveSecret = "curve25519-secret"
    /// A CURVE public key (`NAME.pub`): what the other core is given.
    case curvePublic = "curve25519-public"

    /// Whether the file must be private to its owner.
    public var isSecret: Bool { self == .curveSecret }
}

/// Why a key file was refused: one line, starting with the path.
public struct LinkKeyFileError: Error, CustomStringConvertible, Equatable {
    /// The file.
    public let path: String
    /// What is wrong and, where it helps, how to fix it.
    public let reason: String

    /// An error about `path`.
    public init(path: String, reason: String) {
        self.path = path
        self.reason = reason
    }

    /// "PATH: REASON".
    public var description: String { "\(path): \(reason)" }
}

/// The key file format (docs/process-interfaces.md): two lines of text,
///
///     splitsoc-key v1 kind=curve25519-secret
///     <40 characters of Z85>
///
/// Further `name=value` words on the first line are ignored, so later versions can add fields.
public enum LinkKeyFile {
    /// The first word of every key file.
    public static let magic = "splitsoc-key"
    /// The format version this code reads and writes.
    public static let version = "v1"
    /// A key file is tiny; anything larger is not one.
    static let maximumSize = 4096

    /// The text of a key file holding `key` as `kind`.
    public static func text(kind: LinkKeyKind, key: ZMQCurveKey) -> String {
        "\(magic) \(version) kind=\(kind.rawValue)\n\(key.z85)\n"
    }

    /// Parses key file text.
    /// - Throws: `LinkKeyFileError` for another format, version or kind, bad Z85 or a wrong length.
    public static func parse(_ text: String, path: String, expecting kind: LinkKeyKind) throws(LinkKeyFileError) -> ZMQCurveKey {
        // isNewline: Swift reads "\r\n" as one Character, so splitting on "\n" alone would miss it.
        let lines = text.split(omittingEmptySubsequences: false, whereSeparator: \.isNewline)
            .map { $0.trimmingSuffix(while: { $0 == " " || $0 == "\t" }) }
        let header = lines.first.map { $0.split(separator: " ") } ?? []
        guard header.first == Substring(magic) else {
            throw LinkKeyFileError(path: path, reason: "not a splitsoc key file (the first line must be '\(magic) \(version) kind=…')")
        }
        guard header.count > 1, header[1] == Substring(version) else {
            let found = header.count > 1 ? String(header[1]) : "(none)"
            throw LinkKeyFileError(path: path, reason: "unsupported key file version \(found) (this splitsoc reads \(version))")
        }
        let found = header.first { $0.hasPrefix("kind=") }.map { String($0.dropFirst("kind=".count)) }
        guard found == kind.rawValue else {
            throw LinkKeyFileError(path: path, reason: "is a \(found.map { "kind=\($0)" } ?? "key file without kind="), expected kind=\(kind.rawValue)\(hint(for: kind))")
        }
        let body = lines.dropFirst().filter { !$0.isEmpty }
        guard body.count == 1 else {
            throw LinkKeyFileError(path: path, reason: "expected exactly one key line after the header, found \(body.count)")
        }
        return try decodeKey(String(body[0]), path: path)
    }

    private static func hint(for kind: LinkKeyKind) -> String {
        kind == .curveSecret ? " (pass the NAME.key file)" : " (pass the NAME.pub file)"
    }

    private static func decodeKey(_ text: String, path: String) throws(LinkKeyFileError) -> ZMQCurveKey {
        let bytes: [UInt8]
        do {
            bytes = try ZMQZ85.decode(text)
        } catch {
            throw LinkKeyFileError(
                path: path, reason: "the key is not valid Z85 (\(text.utf8.count) characters; a CURVE key is \(ZMQCurveKey.z85Count))")
        }
        guard let key = ZMQCurveKey(bytes: bytes) else {
            throw LinkKeyFileError(path: path, reason: "the key is \(bytes.count) bytes, expected \(ZMQCurveKey.byteCount)")
        }
        return key
    }

    /// Reads and parses a key file. A secret key file must be a regular file that its group and
    /// other users cannot access (as ssh requires of private keys): otherwise it is refused.
    /// - Throws: `LinkKeyFileError` (cannot read, not a regular file, too permissive, or a parse error).
    public static func load(path: String, expecting kind: LinkKeyKind) throws(LinkKeyFileError) -> ZMQCurveKey {
        let descriptor = open(path, O_RDONLY | O_CLOEXEC)
        guard descriptor >= 0 else {
            throw LinkKeyFileError(path: path, reason: "cannot read: \(String(cString: strerror(errno)))")
        }
        defer { close(descriptor) }
        // fstat on the open descriptor: the file checked is the file read.
        var info = stat()
        guard fstat(descriptor, &info) == 0, info.st_mode & S_IFMT == S_IFREG else {
            throw LinkKeyFileError(path: path, reason: "not a regular file")
        }
        guard info.st_size <= maximumSize else {
            throw LinkKeyFileError(path: path, reason: "too large for a key file (\(info.st_size) bytes)")
        }
        var bytes = [UInt8](repeating: 0, count: Int(info.st_size))
        let count = bytes.withUnsafeMutableBytes { read(descriptor, $0.baseAddress, $0.count) }
        guard count == bytes.count else {
            throw LinkKeyFileError(path: path, reason: "cannot read: \(String(cString: strerror(errno)))")
        }
        // Parsed first, so a file of the wrong kind says so rather than complaining about its mode.
        let key = try parse(String(decoding: bytes, as: UTF8.self), path: path, expecting: kind)
        let mode = info.st_mode & 0o777
        if kind.isSecret && mode & 0o077 != 0 {
            throw LinkKeyFileError(
                path: path,
                reason: "secret key file is accessible by group/others (mode \(octal(mode))): run chmod 600 \(path)")
        }
        return key
    }

    /// Loads a secret key file and derives its public key.
    /// - Throws: `LinkKeyFileError` as `load(path:expecting:)`, or when libzmq has no CURVE.
    public static func loadKeyPair(secretKeyPath path: String) throws(LinkKeyFileError) -> ZMQCurveKeyPair {
        let secret = try load(path: path, expecting: .curveSecret)
        do {
            return try ZMQCurveKeyPair(secretKey: secret)
        } catch {
            throw LinkKeyFileError(path: path, reason: "cannot derive the public key: \(error) (is libzmq built with CURVE?)")
        }
    }

    /// Writes a key file: created with mode 0600 for a secret key and 0644 for a public one.
    /// - Parameter replace: replace an existing file (otherwise an existing file is an error).
    /// - Throws: `LinkKeyFileError` when the file exists (and `replace` is false) or cannot be written.
    public static func write(_ key: ZMQCurveKey, kind: LinkKeyKind, to path: String, replace: Bool) throws(LinkKeyFileError) {
        // Replacing unlinks first: O_TRUNC would keep an old file's (possibly wider) mode.
        if replace && unlink(path) != 0 && errno != ENOENT {
            throw LinkKeyFileError(path: path, reason: "cannot replace: \(String(cString: strerror(errno)))")
        }
        let mode: mode_t = kind.isSecret ? 0o600 : 0o644
        let descriptor = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, mode)
        guard descriptor >= 0 else {
            let reason = errno == EEXIST ? "already exists (pass --force to replace it)" : String(cString: strerror(errno))
            throw LinkKeyFileError(path: path, reason: reason)
        }
        defer { close(descriptor) }
        let bytes = Array(text(kind: kind, key: key).utf8)
        let written = bytes.withUnsafeBytes { Glibc.write(descriptor, $0.baseAddress, $0.count) }
        guard written == bytes.count, fsync(descriptor) == 0 else {
            throw LinkKeyFileError(path: path, reason: "cannot write: \(String(cString: strerror(errno)))")
        }
    }

    /// Generates a CURVE key pair and writes `DIRECTORY/NAME.key` (0600) and `DIRECTORY/NAME.pub`.
    /// Both paths are checked before either is written, so a refusal never leaves a new `.key`
    /// beside an old `.pub`. The directory must exist.
    /// - Parameter replace: replace existing files (otherwise an existing file is an error).
    /// - Returns: the pair and the two paths.
    /// - Throws: `LinkKeyFileError` (a file exists, cannot be written, or libzmq has no CURVE).
    public static func generatePair(
        directory: String, name: String, replace: Bool
    ) throws(LinkKeyFileError) -> (pair: ZMQCurveKeyPair, secretPath: String, publicPath: String) {
        let secretPath = directory + "/" + name + ".key"
        let publicPath = directory + "/" + name + ".pub"
        var info = stat()
        for path in [secretPath, publicPath] where !replace && lstat(path, &info) == 0 {
            throw LinkKeyFileError(path: path, reason: "already exists (pass --force to replace it)")
        }
        let pair: ZMQCurveKeyPair
        do {
            pair = try ZMQCurveKeyPair.generate()
        } catch {
            throw LinkKeyFileError(path: secretPath, reason: "cannot generate a key pair: \(error) (is libzmq built with CURVE?)")
        }
        try write(pair.secretKey, kind: .curveSecret, to: secretPath, replace: replace)
        try write(pair.publicKey, kind: .curvePublic, to: publicPath, replace: replace)
        return (pair, secretPath, publicPath)
    }

    static func octal(_ mode: mode_t) -> String {
        let digits = String(mode, radix: 8)
        return String(repeating: "0", count: max(0, 4 - digits.count)) + digits
    }
}

extension Substring {
    /// The substring without the trailing characters that satisfy `predicate`.
    fileprivate func trimmingSuffix(while predicate: (Character) -> Bool) -> Substring {
        var end = endIndex
        while end > startIndex, predicate(self[index(before: end)]) { end = index(before: end) }
        return self[startIndex..<end]
    }
}
