import SoCLink
import SoCWire
import Testing

/// Drives an application-core end and a real-time-core end against each other on a manual clock.
/// Every frame goes through the real codec, so what the machines agree on is what the wire carries.
private struct LinkPair: ~Copyable {
    var app: LinkStateMachine
    var rt: LinkStateMachine
    var now: UInt64 = 1_000_000_000

    init(
        parameters: SessionParameters = SessionParameters(
            clockMode: .virtual, tickPeriodNanoseconds: 1_000_000, quantumTicks: 10, seed: 42),
        required: LinkCapabilities = [.lockstep],
        appCapabilities: LinkCapabilities = .all,
        appNonceSeed: UInt64 = 7
    ) {
        app = LinkStateMachine(
            configuration: LinkConfiguration(
                role: .application, capabilities: appCapabilities, sessionParameters: parameters,
                nonceSeed: appNonceSeed))
        rt = LinkStateMachine(
            configuration: LinkConfiguration(
                role: .realTime, requiredCapabilities: required, sessionParameters: parameters))
    }

    static func wire(_ frame: Frame) throws -> Frame {
        var buffer = [UInt8](repeating: 0, count: Wire.maxFrameSize)
        let count = try buffer.withUnsafeMutableBytes { try FrameCodec.encode(frame, into: $0) }
        return try buffer.withUnsafeBytes { try FrameCodec.decode(UnsafeRawBufferPointer(rebasing: $0[0..<count])) }
    }

    /// Sends `message` from the app end to the real-time end; returns what the real-time end says.
    mutating func appSends(_ message: Message) throws -> LinkAction {
        let frame = app.makeFrame(message, timestamp: now)
        return rt.frameReceived(try Self.wire(frame), now: now)
    }

    mutating func rtSends(_ message: Message) throws -> LinkAction {
        let frame = rt.makeFrame(message, timestamp: now)
        return app.frameReceived(try Self.wire(frame), now: now)
    }

    /// Runs the handshake to completion and returns the real-time end's `established` action.
    mutating func handshake() throws -> LinkAction {
        guard case .send(let hello) = app.start(now: now) else {
            Issue.record("app did not start with a Hello")
            return .none
        }
        let rtAction = try appSends(hello)
        guard case .established(_, _, let reply?, _) = rtAction else { return rtAction }
        let appAction = try rtSends(reply)
        guard case .established = appAction else {
            Issue.record("app did not establish: \(appAction)")
            return appAction
        }
        return rtAction
    }
}

@Suite("Link state machine")
struct LinkStateMachineTests {
    @Test("The application core's Hello is answered with the real-time core's session parameters")
    func handshakeCarriesSessionParameters() throws {
        var pair = LinkPair()
        let action = try pair.handshake()
        guard case .established(let parameters, let sessionID, _, let resynchronised) = action else {
            Issue.record("expected established, got \(action)")
            return
        }
        #expect(parameters.quantumTicks == 10)
        #expect(parameters.seed == 42)
        #expect(resynchronised == false)
        #expect(pair.rt.state == .established(sessionID: sessionID))
        #expect(pair.app.state == .established(sessionID: sessionID))
        #expect(pair.app.session == pair.rt.session)
    }

    @Test("A Hello without a required capability is rejected and no session starts")
    func missingCapabilityIsRejected() throws {
        var pair = LinkPair(appCapabilities: [.samples, .commands])
        guard case .send(let hello) = pair.app.start(now: pair.now) else { throw Unexpected() }
        let action = try pair.appSends(hello)
        #expect(action == .send(.reject(Reject(code: .missingCapability, refusedType: 0x01, refusedSequence: 1))))
        #expect(pair.rt.state == .idle)
        let refusal = Reject(code: .missingCapability, refusedType: 0x01, refusedSequence: 1)
        // Retrying cannot help: the app end stops in `refused` (SPEC §4.1 step 5).
        #expect(try pair.rtSends(.reject(refusal)) == .handshakeRefused(refusal))
        #expect(pair.app.state == .refused(.missingCapability))
        #expect(pair.app.pollTimers(now: pair.now + 1_000_000_000) == .none)
    }

    @Test("A Hello whose version range excludes v1 is rejected with versionMismatch")
    func versionMismatchIsRejected() throws {
        var pair = LinkPair()
        let hello = Message.hello(Hello(role: .application, minVersion: 2, maxVersion: 3, capabilities: .all, sessionID: 9))
        let action = try pair.appSends(hello)
        guard case .send(.reject(let reject)) = action else { throw Unexpected() }
        #expect(reject.code == .versionMismatch)
        #expect(pair.rt.counters.rejectsSent == 1)
    }

    @Test("Heartbeats are due every interval and silence past the liveness timeout loses the peer")
    func heartbeatsAndLiveness() throws {
        var pair = LinkPair()
        _ = try pair.handshake()
        #expect(pair.rt.pollTimers(now: pair.now) == .none)
        pair.now += 50_000_000
        guard case .send(let heartbeat) = pair.rt.pollTimers(now: pair.now), case .heartbeat = heartbeat else {
            throw Unexpected()
        }
        #expect(pair.rt.pollTimers(now: pair.now) == .none)
        #expect(try pair.rtSends(heartbeat) == .none)
        #expect(pair.app.counters.heartbeatsReceived == 1)
        // Silence, with the timers checked every 10 ms as the cores' loops do (a single jump past
        // the timeout would look like this side's own stall, SPEC §4.3).
        var rtLost = false
        var appOfferedHello = false
        for _ in 0..<26 {
            pair.now += 10_000_000
            if case .peerLost(reply: .hello?) = pair.app.pollTimers(now: pair.now) { appOfferedHello = true }
            if pair.rt.pollTimers(now: pair.now) == .peerLost(reply: nil) { rtLost = true }
        }
        #expect(rtLost)
        #expect(pair.rt.state == .lost)
        #expect(pair.rt.counters.peerLostEvents == 1)
        // The application end loses the peer too, and immediately offers a new Hello.
        #expect(appOfferedHello)
        #expect(pair.app.state == .handshaking)
    }

    @Test("A heard frame keeps the session alive")
    func trafficRefreshesLiveness() throws {
        var pair = LinkPair()
        _ = try pair.handshake()
        for _ in 0..<10 {
            pair.now += 200_000_000
            _ = try pair.appSends(.tickAck(throughTick: 1))
            let action = pair.rt.pollTimers(now: pair.now)
            #expect(action != .peerLost(reply: nil))
        }
        #expect(pair.rt.state.isEstablished)
    }

    @Test("Sequence gaps are counted as lost frames and old sequences are dropped")
    func sequenceGapAccounting() throws {
        var pair = LinkPair()
        _ = try pair.handshake()
        #expect(try pair.appSends(.tickAck(throughTick: 1)) == .deliver(.tickAck(throughTick: 1)))
        _ = pair.app.makeFrame(.tickAck(throughTick: 2), timestamp: 0)  // "lost" on the way
        _ = pair.app.makeFrame(.tickAck(throughTick: 3), timestamp: 0)
        let fourth = pair.app.makeFrame(.tickAck(throughTick: 4), timestamp: 0)
        #expect(pair.rt.frameReceived(try LinkPair.wire(fourth), now: pair.now) == .deliver(.tickAck(throughTick: 4)))
        #expect(pair.rt.counters.framesLost == 2)
        // The same frame again is a duplicate: dropped, not delivered twice.
        #expect(pair.rt.frameReceived(try LinkPair.wire(fourth), now: pair.now) == .none)
        #expect(pair.rt.counters.duplicatesDropped == 1)
    }

    @Test("Sequence numbers wrap around 2^32: counting continues through zero")
    func sequenceWraps() throws {
        var pair = LinkPair()
        _ = try pair.handshake()
        var frame = pair.app.makeFrame(.tickAck(throughTick: 1), timestamp: 0)
        // Walk the sequence up to the top of the space in steps the wrap-around rule calls newer.
        for sequence: UInt32 in [0x7FFF_FFFF, 0xFFFF_FFFE, 0xFFFF_FFFF] {
            frame.sequence = sequence
            #expect(pair.rt.frameReceived(frame, now: pair.now) == .deliver(.tickAck(throughTick: 1)))
        }
        let lostBeforeWrap = pair.rt.counters.framesLost
        frame.sequence = 0
        #expect(pair.rt.frameReceived(frame, now: pair.now) == .deliver(.tickAck(throughTick: 1)))
        frame.sequence = 2
        #expect(pair.rt.frameReceived(frame, now: pair.now) == .deliver(.tickAck(throughTick: 1)))
        #expect(pair.rt.counters.framesLost == lostBeforeWrap + 1)
        #expect(pair.rt.counters.duplicatesDropped == 0)
        // Half the space behind is old.
        frame.sequence = 0x8000_0002
        #expect(pair.rt.frameReceived(frame, now: pair.now) == .none)
        #expect(pair.rt.counters.duplicatesDropped == 1)
    }

    @Test("A restarted application core's new Hello replaces the session and counts a resync")
    func peerRestartResynchronises() throws {
        var pair = LinkPair()
        _ = try pair.handshake()
        for tick in 1...5 { _ = try pair.appSends(.tickAck(throughTick: UInt64(tick))) }
        // The new process starts from scratch: new state machine, new nonce, sequence 1.
        pair.app = LinkStateMachine(
            configuration: LinkConfiguration(
                role: .application, sessionParameters: pair.rt.session, nonceSeed: 99))
        let action = try pair.handshake()
        guard case .established(_, _, _, let resynchronised) = action else { throw Unexpected() }
        #expect(resynchronised)
        #expect(pair.rt.counters.resynchronisations == 1)
        #expect(pair.rt.counters.sessionsEstablished == 2)
        // Its frames with small sequence numbers are accepted in the new session.
        #expect(try pair.appSends(.tickAck(throughTick: 1)) == .deliver(.tickAck(throughTick: 1)))
        #expect(pair.rt.counters.duplicatesDropped == 0)
    }

    @Test("Data before a session is refused with notReady, which makes the app handshake again")
    func notReadyTriggersNewHandshake() throws {
        var pair = LinkPair()
        _ = try pair.handshake()
        // The real-time core restarted and knows nothing.
        pair.rt = LinkStateMachine(
            configuration: LinkConfiguration(role: .realTime, sessionParameters: pair.rt.session))
        let refusal = try pair.appSends(.tickAck(throughTick: 3))
        guard case .send(let reject) = refusal else { throw Unexpected() }
        guard case .send(.hello) = try pair.rtSends(reject) else { throw Unexpected() }
        #expect(pair.app.state == .handshaking)
    }

    @Test("Messages going the wrong way are rejected as unexpected")
    func wrongDirectionIsUnexpected() throws {
        var pair = LinkPair()
        _ = try pair.handshake()
        guard case .send(.reject(let reject)) = try pair.appSends(.sample(Sample(channel: 0, status: .ok, milliValue: 1)))
        else { throw Unexpected() }
        #expect(reject.code == .unexpectedMessage)
        #expect(pair.rt.counters.unexpected == 1)
    }

    @Test("Undecodable bytes are counted and answered with a malformedFrame Reject naming the frame")
    func decodeFailureIsRejected() {
        var rt = LinkStateMachine(
            configuration: LinkConfiguration(
                role: .realTime,
                sessionParameters: SessionParameters(clockMode: .real, tickPeriodNanoseconds: 1_000_000, quantumTicks: 1)))
        let action = rt.decodeFailed(DecodeError(.checksumMismatch, at: 20), peek: (0x20, 77), now: 0)
        #expect(action == .send(.reject(Reject(code: .malformedFrame, refusedType: 0x20, refusedSequence: 77))))
        #expect(rt.counters.malformed == 1)
    }

    @Test("A malformed Reject is counted but never answered, so peers cannot ping-pong")
    func malformedRejectIsNotAnswered() {
        var rt = LinkStateMachine(
            configuration: LinkConfiguration(
                role: .realTime,
                sessionParameters: SessionParameters(clockMode: .real, tickPeriodNanoseconds: 1_000_000, quantumTicks: 1)))
        #expect(rt.decodeFailed(DecodeError(.checksumMismatch, at: 20), peek: (0x04, 5), now: 0) == .none)
        #expect(rt.counters.malformed == 1)
        #expect(rt.counters.rejectsSent == 0)
        // A Hello of an unknown version learns why.
        let action = rt.decodeFailed(DecodeError(.unsupportedVersion, at: 2), peek: (0x01, 1), now: 0)
        #expect(action == .send(.reject(Reject(code: .versionMismatch, refusedType: 0x01, refusedSequence: 1))))
    }

    @Test("Messages outside the agreed capabilities are refused")
    func capabilitiesAreEnforced() throws {
        var pair = LinkPair(required: [], appCapabilities: [.samples, .lockstep])
        _ = try pair.handshake()
        #expect(pair.rt.agreedCapabilities == [.samples, .lockstep])
        guard case .send(.reject(let reject)) = try pair.appSends(.command(Command(target: 1, milliValue: 0, validTicks: 0)))
        else { throw Unexpected() }
        #expect(reject.code == .unexpectedMessage)
        #expect(try pair.appSends(.tickAck(throughTick: 1)) == .deliver(.tickAck(throughTick: 1)))
    }

    @Test("After a Goodbye the app's next Hello carries a fresh nonce")
    func goodbyeGivesFreshNonce() throws {
        var pair = LinkPair()
        _ = try pair.handshake()
        guard case .established(let firstSession) = pair.app.state else { throw Unexpected() }
        #expect(try pair.rtSends(.goodbye(Goodbye(reason: .restarting))) == .peerLeft(.restarting))
        guard case .send(.hello(let hello)) = pair.app.pollTimers(now: pair.now + 200_000_000) else {
            throw Unexpected()
        }
        #expect(hello.sessionID != firstSession)
    }

    @Test("Goodbye ends the session on both roles")
    func goodbyeEndsSession() throws {
        var pair = LinkPair()
        _ = try pair.handshake()
        #expect(try pair.appSends(.goodbye(Goodbye(reason: .shutdown))) == .peerLeft(.shutdown))
        #expect(pair.rt.state == .idle)
    }

    @Test("The app repeats its Hello until answered, keeping the same nonce")
    func helloIsRetried() throws {
        var pair = LinkPair()
        guard case .send(.hello(let first)) = pair.app.start(now: pair.now) else { throw Unexpected() }
        #expect(pair.app.pollTimers(now: pair.now + 50_000_000) == .none)
        guard case .send(.hello(let second)) = pair.app.pollTimers(now: pair.now + 100_000_000) else {
            throw Unexpected()
        }
        #expect(first.sessionID == second.sessionID)
    }
}

private struct Unexpected: Error {}
