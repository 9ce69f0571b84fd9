import CZeroMQ

/// Z85 (ZeroMQ RFC 32), the printable encoding ZeroMQ uses for CURVE keys: 4 bytes become 5
/// characters from a set without quotes, backslash or whitespace, so a key fits in a text file or
/// on a command line as it is.
public enum ZMQZ85 {
    /// Encodes `bytes` (a multiple of 4 bytes long) as Z85 text.
    /// - Throws: `ZMQError.invalidArgument` when the length is not a multiple of 4.
    ///
    /// The corresponding C function is `zmq_z85_encode`.
    public static func encode(_ bytes: RawSpan) throws(ZMQError) -> String {
        guard bytes.byteCount % 4 == 0 else { throw .invalidArgument }
        // 5 characters per 4 bytes, plus the terminating NUL libzmq writes.
        var text = [CChar](repeating: 0, count: bytes.byteCount / 4 * 5 + 1)
        let result = bytes.withUnsafeBytes { raw in
            text.withUnsafeMutableBufferPointer { destination in
                // An empty input still writes the NUL; any base address is fine for zero bytes.
                let data = raw.baseAddress?.assumingMemoryBound(to: UInt8.self) ?? UnsafePointer(bitPattern: 1)!
                return system_zmq_z85_encode(destination.baseAddress!, data, raw.count)
            }
        }
        guard result.value else { throw ZMQError(rawValue: result.errno) }
        return String(decoding: text.dropLast().map { UInt8(bitPattern: $0) }, as: UTF8.self)
    }

    /// Decodes Z85 text (a multiple of 5 characters long) into bytes.
    /// - Throws: `ZMQError.invalidArgument` when the length is not a multiple of 5, a character is
    ///   outside the Z85 alphabet, or a group overflows 32 bits.
    ///
    /// The corresponding C function is `zmq_z85_decode`.
    public static func decode(_ text: String) throws(ZMQError) -> [UInt8] {
        let utf8 = Array(text.utf8)
        // libzmq reads a C string: an embedded NUL would silently shorten the input.
        guard utf8.count % 5 == 0, !utf8.contains(0) else { throw .invalidArgument }
        var bytes = [UInt8](repeating: 0, count: utf8.count / 5 * 4 + 1)
        let result = text.withCString { string in
            bytes.withUnsafeMutableBufferPointer { system_zmq_z85_decode($0.baseAddress!, string) }
        }
        guard result.value else { throw ZMQError(rawValue: result.errno == 0 ? EINVAL : result.errno) }
        return Array(bytes.prefix(utf8.count / 5 * 4))
    }
}
