import CZeroMQ

/// A CURVE (Curve25519) key: 32 bytes, public or secret; 40 characters in Z85.
///
/// Its `description` never shows the bytes, so interpolating a secret key into a log line does not
/// leak it; use `z85` deliberately where a key is meant to be shown (public keys).
public struct ZMQCurveKey: Hashable, Sendable, CustomStringConvertible {
    /// The length of every CURVE key in bytes.
    public static let byteCount = 32
    /// The length of a CURVE key in Z85 characters.
    public static let z85Count = 40

    /// The key's 32 bytes.
    public let bytes: [UInt8]

    /// Wraps 32 bytes; `nil` for any other length.
    public init?(bytes: [UInt8]) {
        guard bytes.count == Self.byteCount else { return nil }
        self.bytes = bytes
    }

    /// Decodes a 40-character Z85 key.
    /// - Throws: `ZMQError.invalidArgument` when the text is not Z85 or not 32 bytes once decoded.
    public init(z85 text: String) throws(ZMQError) {
        guard let key = ZMQCurveKey(bytes: try ZMQZ85.decode(text)) else { throw .invalidArgument }
        self = key
    }

    /// The key as 40 Z85 characters (the form of key files and of libzmq's own tools).
    public var z85: String {
        // 32 is a multiple of 4, so encoding cannot fail.
        (try? ZMQZ85.encode(bytes.span.bytes)) ?? ""
    }

    /// "curve25519 key" without the bytes (see the type's summary).
    public var description: String { "curve25519 key" }
}

/// A CURVE key pair: a public key to hand out and the secret key that proves it.
public struct ZMQCurveKeyPair: Hashable, Sendable {
    /// The key peers are given (`ZMQ_CURVE_SERVERKEY` on clients, the allow-list on servers).
    public let publicKey: ZMQCurveKey
    /// The key that stays with its owner (`ZMQ_CURVE_SECRETKEY`).
    public let secretKey: ZMQCurveKey

    /// Generates a fresh key pair from libsodium's random source.
    /// - Throws: `ZMQError.notSupported` when libzmq was built without CURVE (`ZMQVersion.has("curve")` is false).
    ///
    /// The corresponding C function is `zmq_curve_keypair`.
    public static func generate() throws(ZMQError) -> ZMQCurveKeyPair {
        var publicText = [CChar](repeating: 0, count: ZMQCurveKey.z85Count + 1)
        var secretText = [CChar](repeating: 0, count: ZMQCurveKey.z85Count + 1)
        let result = publicText.withUnsafeMutableBufferPointer { publicBuffer in
            secretText.withUnsafeMutableBufferPointer { secretBuffer in
                system_zmq_curve_keypair(publicBuffer.baseAddress!, secretBuffer.baseAddress!)
            }
        }
        if result.value < 0 { throw ZMQError(rawValue: result.errno) }
        return ZMQCurveKeyPair(
            publicKey: try ZMQCurveKey(z85: Self.string(publicText)), secretKey: try ZMQCurveKey(z85: Self.string(secretText)))
    }

    /// Derives the public key of `secretKey`, so a secret key file alone is enough to run a peer.
    /// - Throws: `ZMQError.notSupported` when libzmq was built without CURVE.
    ///
    /// The corresponding C function is `zmq_curve_public`.
    public init(secretKey: ZMQCurveKey) throws(ZMQError) {
        var publicText = [CChar](repeating: 0, count: ZMQCurveKey.z85Count + 1)
        let result = secretKey.z85.withCString { secret in
            publicText.withUnsafeMutableBufferPointer { system_zmq_curve_public($0.baseAddress!, secret) }
        }
        if result.value < 0 { throw ZMQError(rawValue: result.errno) }
        self.init(publicKey: try ZMQCurveKey(z85: Self.string(publicText)), secretKey: secretKey)
    }

    /// Pairs two keys as given (no check that they belong together; use `init(secretKey:)` to derive).
    public init(publicKey: ZMQCurveKey, secretKey: ZMQCurveKey) {
        self.publicKey = publicKey
        self.secretKey = secretKey
    }

    private static func string(_ text: [CChar]) -> String {
        String(decoding: text.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
    }
}
