/// Why a byte sequence is not a valid v1 frame (SPEC §7). Carries the byte offset at which the
/// problem was found, like `WasmParserError.location`.
public struct DecodeError: Error, Sendable, Hashable, CustomStringConvertible {
    /// The kinds of malformation SPEC §7 lists, each with its stable numeric code.
    public enum Kind: UInt8, Sendable, Hashable, CaseIterable {
        /// Fewer bytes than the header, or than the header's payload length says.
        case truncated = 1
        /// More bytes than the header's payload length says.
        case trailingBytes = 2
        /// The first two bytes are not "SS".
        case badMagic = 3
        /// The version byte is not one this implementation speaks.
        case unsupportedVersion = 4
        /// The type byte names no v1 message.
        case unknownType = 5
        /// A reserved header bit or byte is not zero.
        case reservedBitsSet = 6
        /// The payload length exceeds `Wire.maxPayloadSize`.
        case oversized = 7
        /// The payload length is not the size the message type requires.
        case payloadSizeMismatch = 8
        /// The CRC-32C does not match the bytes.
        case checksumMismatch = 9
        /// A payload field holds a value v1 does not define (an enum byte, a reserved field).
        case invalidField = 10
    }

    public var kind: Kind
    /// Byte offset in the input where the problem was detected.
    public var offset: Int

    public init(_ kind: Kind, at offset: Int) {
        self.kind = kind
        self.offset = offset
    }

    public var description: String { "\(kind) at byte \(offset)" }
}

/// Why a frame could not be encoded.
public enum EncodeError: Error, Sendable, Hashable {
    /// The destination buffer is smaller than `Frame.encodedSize`.
    case bufferTooSmall(needed: Int)
}
