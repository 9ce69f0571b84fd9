/// Protocol constants of the SplitSoC bridge, version 1. `protocol/SPEC.md` is normative; these
/// values mirror its §2 ("Frame layout") and §6 ("Limits").
public enum Wire {
    /// The two magic bytes at offset 0, ASCII "SS". As a little-endian `UInt16` this is 0x5353.
    public static let magic: UInt16 = 0x5353
    /// The protocol version this implementation speaks (and the only one it accepts).
    public static let version: UInt8 = 1
    /// Size of the fixed frame header in bytes.
    public static let headerSize = 24
    /// Largest payload a v1 frame may carry.
    public static let maxPayloadSize = 1024
    /// Largest v1 frame: header plus the largest payload.
    public static let maxFrameSize = headerSize + maxPayloadSize
    /// Frames of at most this size take libzmq 4.3's "very small message" path, which does not
    /// allocate. Every message sent on the tick path is designed to fit (SPEC §6).
    public static let smallFrameLimit = 33
}
