import SoCWire

/// Inputs that must fail to decode (SPEC §7), for the malformed-frame and rate-limit checks.
enum Garbage {
    /// `message` encoded with `sequence`, then its last payload byte flipped: a frame whose header
    /// is intact (type at offset 3, `sequence` at offset 8) that fails with `checksumMismatch`.
    static func corrupted(_ message: Message, sequence: UInt32) -> [UInt8] {
        var bytes = KitConnection.encode(Frame(sequence: sequence, timestamp: monotonicNanoseconds(), message: message))
        bytes[bytes.count - 1] ^= 0xFF
        return bytes
    }

    /// A corrupted `Heartbeat` (type 0x03).
    static func corruptedHeartbeat(sequence: UInt32) -> [UInt8] {
        corrupted(.heartbeat(Heartbeat(lastReceivedSequence: 0, framesLost: 0)), sequence: sequence)
    }

    /// A corrupted `Reject` (type 0x04): a receiver must not answer it (SPEC §4.4).
    static func corruptedReject(sequence: UInt32) -> [UInt8] {
        corrupted(.reject(Reject(code: .malformedFrame, refusedType: 0x03, refusedSequence: 1)), sequence: sequence)
    }

    /// `message` encoded with `sequence`, followed by zeros up to 1100 bytes: longer than any v1 frame
    /// (`Wire.maxFrameSize`), so the receiver's buffer cuts it; its `Reject` still names the type and
    /// sequence at offsets 3 and 8 (SPEC §4.4, "Oversized input").
    static func oversized(_ message: Message, sequence: UInt32) -> [UInt8] {
        let frame = KitConnection.encode(Frame(sequence: sequence, timestamp: monotonicNanoseconds(), message: message))
        return frame + [UInt8](repeating: 0, count: 1100 - frame.count)
    }

    /// Ten bytes: shorter than a header, so the `Reject` names type 0 and sequence 0 (SPEC §3.4).
    static let short: [UInt8] = Array("not-frame!".utf8)
}
