public import SoCWire

/// Checks one encoded frame the way every receiver will meet it (STYLE §9, after swift-nio's
/// `ByteToMessageDecoderVerifier`): whole, cut short at every length, and with bytes after it.
///
/// A ZeroMQ message carries exactly one frame, so there is no byte-at-a-time stream decoding in
/// v1; instead every prefix must be refused with `.truncated` at exactly its length (never a crash,
/// never a different kind, never a frame), and every extension with `.trailingBytes` at the
/// frame's end.
public enum FrameVerifier {
    /// What the verifier found wrong, with enough context to reproduce it.
    public struct Failure: Error, CustomStringConvertible, Sendable {
        public var description: String
        public init(_ description: String) { self.description = description }
    }

    /// Verifies that `bytes` is exactly the encoding of `expected`.
    ///
    /// Checks: `bytes` decodes to `expected`; `expected` encodes back to `bytes` (decoding is
    /// canonical); `encodedSize` is `bytes.count`; every strict prefix throws `.truncated` at its
    /// own length; `bytes` followed by one byte, or by a second copy of itself, throws
    /// `.trailingBytes` at `bytes.count`.
    /// - Throws: `Failure` describing the first check that failed.
    public static func verify(_ bytes: [UInt8], decodesTo expected: Frame) throws(Failure) {
        switch decode(bytes) {
        case .success(let frame):
            guard frame == expected else { throw Failure("decoded \(frame), expected \(expected)") }
        case .failure(let error):
            throw Failure("whole frame did not decode: \(error)")
        }
        guard expected.encodedSize == bytes.count else {
            throw Failure("encodedSize \(expected.encodedSize) != \(bytes.count) bytes")
        }
        let reencoded = WireVectors.encode(expected)
        guard reencoded == bytes else {
            throw Failure("re-encoded \(WireVectors.hex(reencoded)), expected \(WireVectors.hex(bytes))")
        }
        for length in 0..<bytes.count {
            try expect(Array(bytes[0..<length]), failsWith: .truncated, at: length, context: "prefix of \(length) bytes")
        }
        try expect(bytes + [0], failsWith: .trailingBytes, at: bytes.count, context: "one trailing byte")
        try expect(bytes + bytes, failsWith: .trailingBytes, at: bytes.count, context: "two frames in one message")
    }

    /// Verifies that decoding `bytes` throws exactly `kind` at `offset`, and that the verdict does
    /// not depend on the buffer's alignment.
    /// - Throws: `Failure` when the input decodes, or fails another way.
    public static func verify(_ bytes: [UInt8], failsWith kind: DecodeError.Kind, at offset: Int) throws(Failure) {
        try expect(bytes, failsWith: kind, at: offset, context: "input")
        // The same bytes at an odd address: the codec must use unaligned loads.
        var shifted = [UInt8](repeating: 0, count: bytes.count + 1)
        shifted.replaceSubrange(1..., with: bytes)
        let result = shifted.withUnsafeBytes { raw in
            decodeCatching(UnsafeRawBufferPointer(rebasing: raw[1...]))
        }
        guard case .failure(let error) = result, error == DecodeError(kind, at: offset) else {
            throw Failure("misaligned input: \(result), expected \(kind) at \(offset)")
        }
    }

    /// Decodes `bytes` into a `Result` (typed throws do not convert on their own).
    public static func decode(_ bytes: [UInt8]) -> Result<Frame, DecodeError> {
        bytes.withUnsafeBytes { decodeCatching($0) }
    }

    private static func decodeCatching(_ raw: UnsafeRawBufferPointer) -> Result<Frame, DecodeError> {
        do throws(DecodeError) {
            return .success(try FrameCodec.decode(raw))
        } catch {
            return .failure(error)
        }
    }

    private static func expect(
        _ bytes: [UInt8], failsWith kind: DecodeError.Kind, at offset: Int, context: String
    ) throws(Failure) {
        let result = decode(bytes)
        guard case .failure(let error) = result, error == DecodeError(kind, at: offset) else {
            throw Failure("\(context) (\(WireVectors.hex(bytes))): got \(result), expected \(kind) at \(offset)")
        }
    }
}
