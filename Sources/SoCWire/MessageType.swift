/// The message type byte at header offset 3 (SPEC §3).
public enum MessageType: UInt8, Sendable, CaseIterable {
    case hello = 0x01
    case helloAck = 0x02
    case heartbeat = 0x03
    case reject = 0x04
    case goodbye = 0x05
    case sample = 0x10
    case command = 0x20
    case moduleEvent = 0x21
    case tickGrant = 0x30
    case tickAck = 0x31

    /// The exact payload size of this message type; v1 has no variable-length payloads.
    public var payloadSize: Int {
        switch self {
        case .hello: return Hello.payloadSize
        case .helloAck: return HelloAck.payloadSize
        case .heartbeat: return Heartbeat.payloadSize
        case .reject: return Reject.payloadSize
        case .goodbye: return Goodbye.payloadSize
        case .sample: return Sample.payloadSize
        case .command: return Command.payloadSize
        case .moduleEvent: return ModuleEvent.payloadSize
        case .tickGrant, .tickAck: return 8
        }
    }
}

/// Header flag bits (SPEC §2.3). Bits not named here are reserved and must be zero.
public struct FrameFlags: OptionSet, Sendable, Hashable {
    public let rawValue: UInt8
    public init(rawValue: UInt8) { self.rawValue = rawValue }
    /// The header timestamp is virtual time (tick × tick period), not the sender's monotonic clock.
    public static let virtualTime = FrameFlags(rawValue: 0x01)
    /// Set by a sender that retransmits or replays a frame it already sent (a trace replayer,
    /// a fault-injecting relay that duplicates). Receivers account for it but never act twice.
    public static let replayed = FrameFlags(rawValue: 0x02)
    /// Every bit v1 defines.
    public static let known: FrameFlags = [.virtualTime, .replayed]
}
