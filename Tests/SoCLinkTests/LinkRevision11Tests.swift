import SoCLink
import SoCWire
import Testing

/// SPEC revision 1.1 behaviours of the link state machine: ownership (§4.7), notReady to heartbeats
/// (§4.1 step 7), the reject rate limit (§4.4), the sequence window (§4.3), own stalls (§4.3) and
/// what a side may send (§4.1 step 8, §4.2). On a manual clock, through the real codec.
@Suite("Link state machine, revision 1.1")
struct LinkRevision11Tests {
    static let parameters = SessionParameters(clockMode: .real, tickPeriodNanoseconds: 1_000_000, quantumTicks: 1)
    static let owner = LinkPeer(rawValue: 1)
    static let stranger = LinkPeer(rawValue: 2)

    static func rtMachine() -> LinkStateMachine {
        LinkStateMachine(configuration: LinkConfiguration(role: .realTime, sessionParameters: parameters))
    }

    static func wire(_ message: Message, sequence: UInt32, timestamp: UInt64 = 0) throws -> Frame {
        let frame = Frame(sequence: sequence, timestamp: timestamp, message: message)
        var buffer = [UInt8](repeating: 0, count: Wire.maxFrameSize)
        let count = try buffer.withUnsafeMutableBytes { try FrameCodec.encode(frame, into: $0) }
        return try buffer.withUnsafeBytes { try FrameCodec.decode(UnsafeRawBufferPointer(rebasing: $0[0..<count])) }
    }

    static let hello = Message.hello(Hello(role: .application, capabilities: .all, sessionID: 77))
    static let command = Message.command(Command(target: 1, milliValue: 500, validTicks: 0))

    /// An rt machine with a session owned by `owner`, established at `now`; the owner's next sequence is 2.
    static func established(now: UInt64) throws -> LinkStateMachine {
        var rt = rtMachine()
        guard case .established = rt.frameReceived(try wire(hello, sequence: 1), from: owner, now: now) else {
            throw Failure("no session")
        }
        return rt
    }

    @Test("A stranger's Commands are never delivered; they are counted and answered notReady")
    func strangerCommandsRefused() throws {
        var rt = try Self.established(now: 1_000)
        let action = rt.frameReceived(try Self.wire(Self.command, sequence: 1_000_000), from: Self.stranger, now: 2_000)
        guard case .send(.reject(let reject)) = action else { throw Failure("expected a Reject, got \(action)") }
        #expect(reject.code == .notReady)
        #expect(rt.counters.foreignFrames == 1)
        // The owner's next frame is still in order: the stranger's huge sequence moved nothing.
        #expect(rt.frameReceived(try Self.wire(Self.command, sequence: 2), from: Self.owner, now: 3_000) == .deliver(Self.command))
        #expect(rt.counters.framesLost == 0)
    }

    @Test("A stranger's Hello is refused with sessionMismatch while the owner is live, accepted after")
    func takeoverOnlyWhenOwnerNotLive() throws {
        var rt = try Self.established(now: 0)
        let other = Message.hello(Hello(role: .application, capabilities: .all, sessionID: 99))
        guard case .send(.reject(let reject)) = rt.frameReceived(try Self.wire(other, sequence: 1), from: Self.stranger, now: 100_000_000)
        else { throw Failure("expected sessionMismatch") }
        #expect(reject.code == .sessionMismatch)
        let ownerBefore = rt.owner
        #expect(ownerBefore == Self.owner)
        // The owner goes silent past the liveness timeout (250 ms): the next valid Hello takes over.
        let later: UInt64 = 300_000_000
        guard case .established(_, let id, _, let resynchronised) = rt.frameReceived(
            try Self.wire(other, sequence: 2), from: Self.stranger, now: later)
        else { throw Failure("expected a takeover") }
        #expect(id == 99)
        #expect(resynchronised)
        #expect(rt.owner == Self.stranger)
        #expect(rt.counters.takeovers == 1)
        let takeover = rt.lastEstablishmentWasTakeover
        #expect(takeover)
        // The old owner's frames are foreign now.
        _ = rt.frameReceived(try Self.wire(Self.command, sequence: 3), from: Self.owner, now: later + 1)
        #expect(rt.counters.foreignFrames == 2)
    }

    @Test("A Heartbeat outside a session is answered notReady, so an idle peer learns to handshake")
    func heartbeatOutsideSession() throws {
        var rt = Self.rtMachine()
        let heartbeat = Message.heartbeat(Heartbeat(lastReceivedSequence: 4, framesLost: 0))
        guard case .send(.reject(let reject)) = rt.frameReceived(try Self.wire(heartbeat, sequence: 9), now: 1) else {
            throw Failure("expected notReady")
        }
        #expect(reject.code == .notReady)
        #expect(reject.refusedType == MessageType.heartbeat.rawValue)
    }

    @Test("At most 20 Rejects in a burst, then 20 per second; every refused frame is still counted")
    func rejectRateLimit() throws {
        var rt = Self.rtMachine()
        var sent = 0
        for index in 0..<500 {
            let action = rt.decodeFailed(DecodeError(.badMagic, at: 0), peek: (0x20, UInt32(index)), now: 1_000)
            if case .send = action { sent += 1 }
        }
        #expect(sent == 20)
        #expect(rt.counters.malformed == 500)
        #expect(rt.counters.rejectsSuppressed == 480)
        // One second later the bucket is full again (20), not more.
        var later = 0
        for _ in 0..<100 {
            if case .send = rt.decodeFailed(DecodeError(.badMagic, at: 0), peek: nil, now: 1_000_001_000) { later += 1 }
        }
        #expect(later == 20)
    }

    @Test("A late frame inside the window is reordered, not lost and not a duplicate; a repeat is a duplicate")
    func reorderWindow() throws {
        var rt = try Self.established(now: 0)
        let beat = Message.heartbeat(Heartbeat(lastReceivedSequence: 0, framesLost: 0))
        for sequence: UInt32 in [2, 3, 5, 6] { _ = rt.frameReceived(try Self.wire(beat, sequence: sequence), from: Self.owner, now: 1) }
        #expect(rt.counters.framesLost == 1)
        _ = rt.frameReceived(try Self.wire(beat, sequence: 4), from: Self.owner, now: 2)
        #expect(rt.counters.framesLost == 0)
        #expect(rt.counters.reordered == 1)
        #expect(rt.counters.duplicatesDropped == 0)
        _ = rt.frameReceived(try Self.wire(beat, sequence: 4), from: Self.owner, now: 3)
        _ = rt.frameReceived(try Self.wire(beat, sequence: 6), from: Self.owner, now: 3)
        #expect(rt.counters.duplicatesDropped == 2)
        #expect(rt.counters.reordered == 1)
        // Identity: 6 distinct frames sent after the Hello would be 2...7; we sent 2...6 plus repeats.
        #expect(rt.counters.heartbeatsReceived == 4)
    }

    @Test("A side that did not run for longer than half the liveness timeout does not blame its peer")
    func ownStall() throws {
        var rt = try Self.established(now: 0)
        _ = rt.pollTimers(now: 10_000_000)
        // 2 s without a timer check: this side was stopped.
        let action = rt.pollTimers(now: 2_010_000_000)
        #expect(action != .peerLost(reply: nil))
        #expect(rt.state.isEstablished)
        #expect(rt.counters.ownStalls == 1)
        // But a peer that then stays silent is lost after a full timeout from the resumption.
        var lost = false
        var now: UInt64 = 2_010_000_000
        for _ in 0..<30 {
            now += 10_000_000
            if rt.pollTimers(now: now) == .peerLost(reply: nil) { lost = true }
        }
        #expect(lost)
    }

    @Test("The application core sends nothing but Hello before a session, and no Command without `commands`")
    func permits() throws {
        var app = LinkStateMachine(
            configuration: LinkConfiguration(role: .application, capabilities: [.samples, .lockstep], sessionParameters: Self.parameters))
        let commandBefore = app.permits(Self.command)
        let heartbeatBefore = app.permits(.heartbeat(Heartbeat(lastReceivedSequence: 0, framesLost: 0)))
        #expect(!commandBefore && !heartbeatBefore)
        guard case .send(.hello(let hello)) = app.start(now: 0) else { throw Failure("no Hello") }
        let helloAllowed = app.permits(.hello(hello))
        #expect(helloAllowed)
        var rt = Self.rtMachine()
        guard case .established(_, _, let reply?, _) = rt.frameReceived(try Self.wire(.hello(hello), sequence: 1), now: 1)
        else { throw Failure("no session") }
        _ = app.frameReceived(try Self.wire(reply, sequence: 1), now: 2)
        let established = app.state.isEstablished
        let commandAllowed = app.permits(Self.command)  // `commands` was not offered
        let ackAllowed = app.permits(.tickAck(throughTick: 1))
        let sampleAllowed = rt.permits(.sample(Sample(channel: 0, status: .ok, milliValue: 0)))
        let eventFromRT = rt.permits(.moduleEvent(ModuleEvent(kind: .loaded, slot: 0, moduleVersion: 0, detail: 0)))
        #expect(established && !commandAllowed && ackAllowed && sampleAllowed && !eventFromRT)
    }

    @Test("A checksum failure from the owner counts as corrupted (link damage); a stranger's as foreign")
    func corruptedVersusForeign() throws {
        var rt = try Self.established(now: 0)
        _ = rt.decodeFailed(DecodeError(.checksumMismatch, at: 20), peek: (0x20, 2), from: Self.owner, now: 1)
        _ = rt.decodeFailed(DecodeError(.checksumMismatch, at: 20), peek: (0x20, 2), from: Self.stranger, now: 1)
        #expect(rt.counters.corrupted == 1)
        #expect(rt.counters.foreignFrames == 1)
        #expect(rt.counters.malformed == 2)
    }

    @Test("Rejects received are logged once, then summarised at most once a second")
    func rejectLog() {
        var log = RejectLog()
        let reject = Reject(code: .malformedFrame, refusedType: 0x20, refusedSequence: 1)
        #expect(log.note(reject, now: 0) != nil)
        var lines = 0
        for index in 1..<10_000 where log.note(reject, now: UInt64(index) * 10_000) != nil { lines += 1 }
        #expect(lines == 0)
        let summary = log.flush(now: 1_000_000_000)
        #expect(summary == "9999 rejects received (codes: malformedFrame×9999) in the last second")
        #expect(log.flush(now: 1_000_000_001) == nil)
    }
}

private struct Failure: Error, CustomStringConvertible {
    let description: String
    init(_ description: String) { self.description = description }
}
