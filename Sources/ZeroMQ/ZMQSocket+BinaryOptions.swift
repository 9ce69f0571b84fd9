import CZeroMQ

/// A socket option whose value is a byte string (keys, the ZAP domain).
public struct ZMQBinaryOption: RawRepresentable, Hashable, Sendable {
    /// The C constant.
    public let rawValue: Int32
    /// Wraps a C `ZMQ_*` option constant whose value is a byte string.
    public init(rawValue: Int32) { self.rawValue = rawValue }

    /// This socket's long-term CURVE public key (32 bytes; clients). The corresponding C constant is `ZMQ_CURVE_PUBLICKEY`.
    public static var curvePublicKey: ZMQBinaryOption { ZMQBinaryOption(rawValue: ZMQ_CURVE_PUBLICKEY) }
    /// This socket's long-term CURVE secret key (32 bytes; clients and servers). The corresponding C constant is `ZMQ_CURVE_SECRETKEY`.
    public static var curveSecretKey: ZMQBinaryOption { ZMQBinaryOption(rawValue: ZMQ_CURVE_SECRETKEY) }
    /// The server's CURVE public key a client expects (32 bytes); setting it makes the socket a
    /// CURVE client. The corresponding C constant is `ZMQ_CURVE_SERVERKEY`.
    public static var curveServerKey: ZMQBinaryOption { ZMQBinaryOption(rawValue: ZMQ_CURVE_SERVERKEY) }
    /// The domain sent with every ZAP request for this socket's connections, which selects the
    /// authenticator's policy. The corresponding C constant is `ZMQ_ZAP_DOMAIN`.
    public static var zapDomain: ZMQBinaryOption { ZMQBinaryOption(rawValue: ZMQ_ZAP_DOMAIN) }
}

extension ZMQSocket {
    /// Sets a byte-string option (call before `bind`/`connect`: security options apply to new connections).
    /// - Throws: `ZMQError` (`.invalidArgument` for a wrong length, e.g. a key that is not 32 bytes,
    ///   or an unknown option; `.contextTerminated`).
    ///
    /// The corresponding C function is `zmq_setsockopt`.
    public func setOption(_ option: ZMQBinaryOption, to bytes: RawSpan) throws(ZMQError) {
        let handle = self.handle
        let result = bytes.withUnsafeBytes { raw in
            retryingOnInterrupt(true) { system_zmq_setsockopt(handle, option.rawValue, raw.baseAddress, raw.count) }
        }
        if case .failure(let error) = result { throw error }
    }

    /// Sets a byte-string option to a CURVE key's 32 bytes.
    /// - Throws: as `setOption(_:to:)` with bytes.
    ///
    /// The corresponding C function is `zmq_setsockopt`.
    public func setOption(_ option: ZMQBinaryOption, to key: ZMQCurveKey) throws(ZMQError) {
        try setOption(option, to: key.bytes.span.bytes)
    }

    /// Sets a byte-string option to the UTF-8 bytes of `text` (e.g. `.zapDomain`).
    /// - Throws: as `setOption(_:to:)` with bytes.
    ///
    /// The corresponding C function is `zmq_setsockopt`.
    public func setOption(_ option: ZMQBinaryOption, to text: String) throws(ZMQError) {
        try setOption(option, to: Array(text.utf8).span.bytes)
    }

    /// Reads a byte-string option (at most `capacity` bytes; keys are read back as their 32 bytes).
    /// - Throws: `ZMQError` (`.invalidArgument` for an unknown option or a too small capacity, `.contextTerminated`).
    ///
    /// The corresponding C function is `zmq_getsockopt`.
    public func option(_ option: ZMQBinaryOption, capacity: Int = 256) throws(ZMQError) -> [UInt8] {
        var buffer = [UInt8](repeating: 0, count: capacity)
        var size = capacity
        let handle = self.handle
        let result = buffer.withUnsafeMutableBytes { raw in
            retryingOnInterrupt(true) { system_zmq_getsockopt(handle, option.rawValue, raw.baseAddress, &size) }
        }
        if case .failure(let error) = result { throw error }
        return Array(buffer.prefix(size))
    }
}
