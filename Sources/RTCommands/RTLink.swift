import Synchronization
import Foundation
import RTCore
import SoCLink
import SoCLinkZMQ
import SoCWire

/// The real-time core's end of the link, owned by the I/O thread (real clock) or by the lockstep
/// driver (virtual clock): the transport, the link state machine, and the translation between
/// frames and the tick thread's rings.
///
/// Not thread-safe: owned by one thread.
final class RTLink {
    var machine: LinkStateMachine
    let transport: any FrameTransport
    let node: RTNode
    let clockMode: ClockMode
    let periodNanoseconds: UInt64
    /// Real clock: CLOCK_MONOTONIC of tick 0's release, to stamp samples with their tick's time.
    var origin: UInt64 = 0
    private let rxBuffer = UnsafeMutableRawBufferPointer.allocate(byteCount: Wire.maxFrameSize, alignment: 8)
    private let txBuffer = UnsafeMutableRawBufferPointer.allocate(byteCount: Wire.maxFrameSize, alignment: 8)

    /// Sends refused by the transport (no peer, queue full) or skipped because no session is up.
    var txDropped: UInt64 = 0
    /// Samples not sent because no session was up (not an error; counted apart).
    var unsentNoSession: UInt64 = 0
    /// Round trip from a tick's release (or virtual time) to the echoing command/ack (ns).
    var roundTrip = LatencyHistogram()
    var roundTripWindow = LatencyHistogram()
    /// Highest `TickAck.throughTick` accepted in this session (virtual clock: only the awaited one).
    var ackedThrough: UInt64 = 0
    /// Virtual clock: the `throughTick` of the outstanding grant, whose ack alone releases the
    /// quantum (SPEC §5.2 rule 6).
    var awaitedThrough: UInt64?
    /// Acks that were not the awaited one (early, late, duplicate, none outstanding).
    var acksIgnored: UInt64 = 0
    /// Virtual clock: grants whose ack never came within the ack timeout.
    var ackTimeouts: UInt64 = 0
    /// Sessions the supervisor ended because the peer never became healthy (SPEC §4.8 way 3).
    var sessionsEndedBySupervisor: UInt64 = 0
    var sessionCount: UInt64 = 0
    var commandsDelivered: UInt64 = 0
    var moduleEvents: UInt64 = 0
    /// Lines to print (session established...), collected so the caller decides where to print.
    var onLine: (String) -> Void = { say($0) }

    init(machine: consuming LinkStateMachine, transport: any FrameTransport, node: RTNode, clockMode: ClockMode) {
        self.machine = machine
        self.transport = transport
        self.node = node
        self.clockMode = clockMode
        self.periodNanoseconds = node.board.tickPeriodNanoseconds
    }

    deinit {
        rxBuffer.deallocate()
        txBuffer.deallocate()
    }

    var isEstablished: Bool { machine.state.isEstablished }

    /// The header timestamp for something that belongs to `tick`.
    func timestamp(ofTick tick: UInt64) -> UInt64 {
        clockMode == .virtual ? tick &* periodNanoseconds : origin &+ tick &* periodNanoseconds
    }

    var flags: FrameFlags { clockMode == .virtual ? [.virtualTime] : [] }

    /// The tick an echoed timestamp names (the inverse of `timestamp(ofTick:)`; 0 before the origin).
    func tick(ofTimestamp timestamp: UInt64) -> UInt64 {
        let since = clockMode == .virtual ? timestamp : (timestamp >= origin ? timestamp - origin : 0)
        return since / max(periodNanoseconds, 1)
    }

    // MARK: Sending

    /// Frames and sends `message` to `peer` (the session's owner unless said otherwise), if the
    /// session's rules permit it (SPEC §4.2); otherwise counts it as suppressed.
    func send(_ message: Message, timestamp: UInt64, flags: FrameFlags = [], to peer: LinkPeer? = nil) {
        guard machine.permits(message) else {
            machine.countSuppressed()
            return
        }
        transport.setDestination(peer ?? machine.owner ?? .only)
        let frame = machine.makeFrame(message, timestamp: timestamp, flags: flags)
        do {
            let size = try FrameCodec.encode(frame, into: txBuffer)
            if try transport.trySend(UnsafeRawBufferPointer(rebasing: txBuffer[0..<size])) == .wouldBlock {
                txDropped &+= 1
            }
        } catch {
            txDropped &+= 1
        }
    }

    /// Frames and sends one message from the tick thread.
    func send(_ message: OutboundMessage) {
        guard isEstablished else {
            unsentNoSession &+= 1
            return
        }
        switch message.kind {
        case .sample:
            let sample = Sample(channel: message.channel, status: SampleStatus(rawValue: message.status) ?? .fault, milliValue: message.value)
            send(.sample(sample), timestamp: timestamp(ofTick: message.tick), flags: flags)
        case .tickGrant:
            // The grant carries the time of the last tick it covers; the app echoes it.
            send(.tickGrant(throughTick: message.tick), timestamp: timestamp(ofTick: message.tick &- 1), flags: flags)
        case .reject:
            let code = RejectCode(rawValue: UInt16(truncatingIfNeeded: message.value)) ?? .unknownCommandTarget
            let reject = Reject(code: code, refusedType: MessageType.command.rawValue, refusedSequence: message.sequence)
            send(.reject(reject), timestamp: timestamp(ofTick: message.tick), flags: flags)
        case .endSession:
            endSessionForSupervisor(tick: message.tick)
        }
    }

    /// SPEC §4.8 way 3: `Goodbye(restarting)`, then idle; the peer re-handshakes and starts clean.
    private func endSessionForSupervisor(tick: UInt64) {
        sessionsEndedBySupervisor &+= 1
        let goodbye = machine.close(reason: .restarting)
        send(goodbye, timestamp: timestamp(ofTick: tick), flags: flags)
        node.inbound.tryPush(InboundEvent(kind: .peerLeft))
        onLine("link session ended reason=never-recovered tick=\(tick)")
    }

    /// Virtual clock, SPEC §5.2 rule 7: the awaited ack did not come; the session is over.
    func ackTimedOut(through: UInt64) {
        ackTimeouts &+= 1
        awaitedThrough = nil
        machine.declarePeerLost()
        node.inbound.tryPush(InboundEvent(kind: .peerLost))
        onLine("link ack timeout through=\(through): session ended, waiting for a new handshake")
    }

    /// Sends everything the tick thread queued.
    func pumpOutbound() {
        while let message = node.outbound.tryPop() { send(message) }
    }

    // MARK: Receiving

    /// Receives and handles every frame waiting. `now` is CLOCK_MONOTONIC (ns).
    /// - Returns: the number of frames handled.
    @discardableResult
    func pumpInbound(now: UInt64) throws(TransportError) -> Int {
        var handled = 0
        while true {
            let count: Int
            switch try transport.tryReceive(into: rxBuffer) {
            case .wouldBlock:
                return handled
            case .truncated:
                count = rxBuffer.count  // the first bytes are there: enough to name it (SPEC §4.4)
            case .received(let received):
                count = received
            }
            handled += 1
            handle(UnsafeRawBufferPointer(rebasing: rxBuffer[0..<count]), from: transport.lastSender, now: now)
        }
    }

    private func handle(_ bytes: UnsafeRawBufferPointer, from peer: LinkPeer, now: UInt64) {
        let frame: Frame
        do {
            frame = try FrameCodec.decode(bytes)
        } catch {
            let wasOwner = isEstablished && !machine.isForeign(peer)
            let action = machine.decodeFailed(error, peek: FrameCodec.peekTypeAndSequence(bytes), from: peer, now: now)
            perform(action, frame: nil, now: now, replyTo: peer)
            // Link damage (checksum, truncation) is loss, not misbehaviour (SPEC §4.8).
            if wasOwner && error.kind != .checksumMismatch && error.kind != .truncated {
                node.inbound.tryPush(InboundEvent(kind: .invalidFrame))
            }
            return
        }
        let sessionBefore = machine.state
        let heartbeatsBefore = machine.counters.heartbeatsReceived
        let action = machine.frameReceived(frame, from: peer, now: now)
        // Accepted heartbeats and retried Hellos of the session are valid frames for the
        // supervisor too (SPEC §4.1 step 6, §4.8); the link layer delivers neither.
        let retriedHello = if case .send(.helloAck) = action { true } else { false }
        if sessionBefore.isEstablished, machine.state == sessionBefore,
            machine.counters.heartbeatsReceived != heartbeatsBefore || retriedHello
        {
            node.inbound.tryPush(InboundEvent(kind: .alive))
        }
        perform(action, frame: frame, now: now, replyTo: peer)
    }

    /// Heartbeats and liveness. `now` is CLOCK_MONOTONIC (ns).
    func pollTimers(now: UInt64) {
        perform(machine.pollTimers(now: now), frame: nil, now: now)
    }

    /// The link timestamp for frames that are not tied to a tick.
    func linkTimestamp(now: UInt64) -> UInt64 { clockMode == .virtual ? timestamp(ofTick: node.telemetry.tick.load(ordering: .relaxed).magnitude) : now }

    /// Performs `action`; a reply goes to `replyTo` (the sender of the frame that caused it), timer
    /// actions to the session's owner.
    func perform(_ action: LinkAction, frame: Frame?, now: UInt64, replyTo: LinkPeer? = nil) {
        switch action {
        case .none:
            break
        case .send(let message):
            send(message, timestamp: linkTimestamp(now: now), flags: flags, to: replyTo)
        case .deliver(let message):
            deliver(message, frame: frame, now: now)
        case .established(_, let sessionID, let reply, let resynchronised):
            sessionCount &+= 1
            ackedThrough = 0
            if let reply { send(reply, timestamp: linkTimestamp(now: now), flags: flags) }
            node.inbound.tryPush(InboundEvent(kind: .sessionEstablished, value: resynchronised ? 1 : 0))
            let takeover = machine.lastEstablishmentWasTakeover ? " takeover=1 peer=\(machine.owner ?? .only)" : ""
            onLine(
                "session established session=\(sessionCount) id=0x\(String(sessionID, radix: 16))"
                    + (resynchronised ? " resync=1" : "") + takeover)
        case .peerLost:
            node.inbound.tryPush(InboundEvent(kind: .peerLost))
            onLine("link peer lost")
        case .peerLeft(let reason):
            node.inbound.tryPush(InboundEvent(kind: .peerLeft))
            onLine("link peer left reason=\(reason)")
        case .handshakeRefused, .rejectedByPeer:
            break  // counted by the state machine
        }
    }

    private func deliver(_ message: Message, frame: Frame?, now: UInt64) {
        switch message {
        case .command(let command):
            commandsDelivered &+= 1
            measureRoundTrip(frame: frame, now: now)
            node.inbound.tryPush(
                .command(target: command.target, value: command.milliValue, validTicks: command.validTicks,
                         sequence: frame?.sequence ?? 0, fromTick: frame.map { tick(ofTimestamp: $0.timestamp) } ?? 0))
        case .tickAck(let through):
            acknowledge(through: through)
            measureRoundTrip(frame: frame, now: now)
            node.inbound.tryPush(InboundEvent(kind: .tickAck))
        case .moduleEvent:
            moduleEvents &+= 1
            node.inbound.tryPush(InboundEvent(kind: .alive))
        default:
            node.inbound.tryPush(InboundEvent(kind: .alive))
        }
    }

    /// Real clock: acks only measure the round trip. Virtual clock: only the awaited one counts.
    private func acknowledge(through: UInt64) {
        guard clockMode == .virtual else {
            if through > ackedThrough { ackedThrough = through }
            return
        }
        guard let awaited = awaitedThrough, through == awaited else {
            acksIgnored &+= 1
            return
        }
        ackedThrough = through
        awaitedThrough = nil
    }

    private func measureRoundTrip(frame: Frame?, now: UInt64) {
        guard clockMode == .real, let frame, frame.timestamp > 0, now > frame.timestamp else { return }
        let rtt = now - frame.timestamp
        guard rtt < 60_000_000_000 else { return }  // not an echo of ours
        roundTrip.record(rtt)
        roundTripWindow.record(rtt)
    }

    /// Says goodbye (best effort) at shutdown.
    func sayGoodbye(now: UInt64) {
        guard isEstablished else { return }
        let message = machine.close(reason: .shutdown)
        send(message, timestamp: linkTimestamp(now: now), flags: flags)
    }
}
