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
    /// Highest `TickAck.throughTick` received in this session.
    var ackedThrough: UInt64 = 0
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

    // MARK: Sending

    func send(_ message: Message, timestamp: UInt64, flags: FrameFlags = []) {
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
        }
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
            switch try transport.tryReceive(into: rxBuffer) {
            case .wouldBlock:
                return handled
            case .truncated:
                handled += 1
                perform(machine.decodeFailed(DecodeError(.oversized, at: 0), peek: nil, now: now), frame: nil, now: now)
                pushInvalid()
            case .received(let count):
                handled += 1
                let bytes = UnsafeRawBufferPointer(rebasing: rxBuffer[0..<count])
                do {
                    let frame = try FrameCodec.decode(bytes)
                    let wasEstablished = isEstablished
                    let action = machine.frameReceived(frame, now: now)
                    if wasEstablished, isEstablished, case .heartbeat = frame.message {
                        node.inbound.tryPush(InboundEvent(kind: .alive))
                    }
                    perform(action, frame: frame, now: now)
                } catch {
                    let peek = FrameCodec.peekTypeAndSequence(bytes)
                    perform(machine.decodeFailed(error, peek: peek, now: now), frame: nil, now: now)
                    pushInvalid()
                }
            }
        }
    }

    private func pushInvalid() {
        if isEstablished { node.inbound.tryPush(InboundEvent(kind: .invalidFrame)) }
    }

    /// Heartbeats and liveness. `now` is CLOCK_MONOTONIC (ns).
    func pollTimers(now: UInt64) {
        perform(machine.pollTimers(now: now), frame: nil, now: now)
    }

    /// The link timestamp for frames that are not tied to a tick.
    func linkTimestamp(now: UInt64) -> UInt64 { clockMode == .virtual ? timestamp(ofTick: node.telemetry.tick.load(ordering: .relaxed).magnitude) : now }

    func perform(_ action: LinkAction, frame: Frame?, now: UInt64) {
        switch action {
        case .none:
            break
        case .send(let message):
            send(message, timestamp: linkTimestamp(now: now), flags: flags)
        case .deliver(let message):
            deliver(message, frame: frame, now: now)
        case .established(_, let sessionID, let reply, let resynchronised):
            sessionCount &+= 1
            ackedThrough = 0
            if let reply { send(reply, timestamp: linkTimestamp(now: now), flags: flags) }
            node.inbound.tryPush(InboundEvent(kind: .sessionEstablished, value: resynchronised ? 1 : 0))
            onLine("session established session=\(sessionCount) id=0x\(String(sessionID, radix: 16))\(resynchronised ? " resync=1" : "")")
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
                         sequence: frame?.sequence ?? 0))
        case .tickAck(let through):
            if through > ackedThrough { ackedThrough = through }
            measureRoundTrip(frame: frame, now: now)
            node.inbound.tryPush(InboundEvent(kind: .tickAck))
        case .moduleEvent:
            moduleEvents &+= 1
            node.inbound.tryPush(InboundEvent(kind: .alive))
        default:
            node.inbound.tryPush(InboundEvent(kind: .alive))
        }
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
