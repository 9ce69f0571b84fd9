import SoCWire

/// One ZeroMQ message the kit received from the implementation under test, decoded or not.
struct ReceivedFrame: Sendable {
    /// When the kit read it (the poll loop reads as soon as the socket is readable).
    let at: ContinuousClock.Instant
    /// The whole message.
    let bytes: [UInt8]
    /// The decoded frame, or `nil` when it failed to decode.
    let frame: Frame?
    /// Why it failed to decode.
    let error: DecodeError?

    init(at: ContinuousClock.Instant, bytes: [UInt8]) {
        self.at = at
        self.bytes = bytes
        var decoded: Frame?
        var failure: DecodeError?
        bytes.withUnsafeBytes { raw in
            do throws(DecodeError) {
                decoded = try FrameCodec.decode(raw)
            } catch {
                failure = error
            }
        }
        self.frame = decoded
        self.error = failure
    }

    /// A short human description for failure messages: `Heartbeat#12(last=4 lost=0)`, `undecodable(checksumMismatch@20)`.
    var summary: String {
        guard let frame else { return "undecodable(\(error.map { "\($0.kind)@\($0.offset)" } ?? "?"), \(bytes.count) B)" }
        return "\(ReceivedFrame.describe(frame.message))#\(frame.sequence)"
    }

    static func describe(_ message: Message) -> String {
        switch message {
        case .hello(let m): return "Hello(role=\(m.role.rawValue) v\(m.minVersion)..\(m.maxVersion) nonce=\(m.sessionID))"
        case .helloAck(let m): return "HelloAck(nonce=\(m.sessionID))"
        case .heartbeat(let m): return "Heartbeat(last=\(m.lastReceivedSequence) lost=\(m.framesLost))"
        case .reject(let m): return "Reject(\(m.code) type=0x\(hex(m.refusedType)) seq=\(m.refusedSequence))"
        case .goodbye(let m): return "Goodbye(\(m.reason))"
        case .sample(let m): return "Sample(ch=\(m.channel))"
        case .command(let m): return "Command(target=\(m.target) value=\(m.milliValue))"
        case .moduleEvent(let m): return "ModuleEvent(\(m.kind))"
        case .tickGrant(let tick): return "TickGrant(\(tick))"
        case .tickAck(let tick): return "TickAck(\(tick))"
        }
    }

    static func hex(_ byte: UInt8) -> String {
        let digits = String(byte, radix: 16)
        return digits.count == 1 ? "0" + digits : digits
    }
}

extension Sequence where Element == ReceivedFrame {
    /// The first few frames' summaries, for a failure message.
    func summaries(limit: Int = 8) -> String {
        let all = Array(self)
        let shown = all.prefix(limit).map(\.summary).joined(separator: ", ")
        if all.isEmpty { return "nothing" }
        return all.count > limit ? shown + ", … (\(all.count) frames)" : shown
    }
}

extension LinkCapabilities {
    /// `0xf`: the bit set as the kit prints it.
    var hex: String { "0x" + String(rawValue, radix: 16) }
}
