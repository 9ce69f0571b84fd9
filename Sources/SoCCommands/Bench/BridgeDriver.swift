import Foundation
import SoCLink
import SoCLinkZMQ
import SoCWire
import ZeroMQ

/// Plays the real-time core's side of the link in-process: binds the link endpoint, runs a
/// `LinkStateMachine(role: .realTime)` in virtual-clock (lockstep) mode, and drives a real
/// `splitsoc-app` with Sample frames and TickGrants, timing each grant until its TickAck
/// (SPEC §5.3: the ack echoes the grant).
///
/// Not thread-safe: used by the benchmark's main flow only.
final class BridgeDriver {
    let transport: ZMQFrameTransport
    private var link: LinkStateMachine
    private var txBuffer = [UInt8](repeating: 0, count: Wire.maxFrameSize)
    private var rxBuffer = [UInt8](repeating: 0, count: Wire.maxFrameSize + 64)
    let tickPeriodNanoseconds: UInt32
    /// The next tick to send a sample for (virtual time).
    private(set) var tick: UInt64 = 0
    /// Frames the transport refused (queue full): dropped and counted, as the real-time core does.
    private(set) var sendDrops: UInt64 = 0
    private(set) var acksReceived: UInt64 = 0
    /// Acks whose header timestamp did not echo the grant's (SPEC §5.3); counted, not fatal.
    private(set) var ackEchoMismatches: UInt64 = 0
    private(set) var commandsReceived: UInt64 = 0
    private(set) var moduleEvents: UInt64 = 0
    private(set) var rejects: UInt64 = 0
    /// The highest `throughTick` acknowledged so far.
    private(set) var lastAckedTick: UInt64 = 0
    private var grantTimestamps: [UInt64: UInt64] = [:]

    /// Binds `endpoint` as the real-time side.
    init(endpoint: String, context: ZMQContext, tickPeriodNanoseconds: UInt32, quantum: UInt16) throws {
        transport = try ZMQFrameTransport.bind(endpoint: endpoint, context: context)
        self.tickPeriodNanoseconds = tickPeriodNanoseconds
        link = LinkStateMachine(
            configuration: LinkConfiguration(
                role: .realTime, capabilities: .all, requiredCapabilities: [.samples, .lockstep],
                sessionParameters: SessionParameters(
                    clockMode: .virtual, tickPeriodNanoseconds: tickPeriodNanoseconds, quantumTicks: max(1, quantum),
                    heartbeatIntervalMilliseconds: 50, livenessTimeoutMilliseconds: 5000, seed: 1)))
    }

    var counters: LinkCounters { link.counters }
    var isEstablished: Bool { link.state.isEstablished }

    /// Frames, encodes and sends `message`; a full queue is a counted drop.
    @discardableResult
    func send(_ message: Message, timestamp: UInt64, flags: FrameFlags = []) throws -> Bool {
        let frame = link.makeFrame(message, timestamp: timestamp, flags: flags)
        let sent = try txBuffer.withUnsafeMutableBytes { buffer throws -> TransportSendResult in
            let count = try FrameCodec.encode(frame, into: buffer)
            return try transport.trySend(UnsafeRawBufferPointer(rebasing: buffer[0..<count]))
        }
        if sent == .wouldBlock { sendDrops += 1 }
        return sent == .sent
    }

    /// Performs a link action (the state machine never does I/O itself).
    private func perform(_ action: LinkAction) throws {
        switch action {
        case .send(let message):
            try send(message, timestamp: BenchClock.now())
        case .established(_, _, let reply, _):
            if let reply { try send(reply, timestamp: BenchClock.now()) }
            tick = 0
            lastAckedTick = 0
        case .peerLost(let reply):
            if let reply { try send(reply, timestamp: BenchClock.now()) }
        case .rejectedByPeer:
            rejects += 1
        case .deliver, .none, .peerLeft, .handshakeRefused:
            break
        }
    }

    /// Receives and handles every frame already queued, or waits up to `timeoutMilliseconds` for
    /// one. Returns the tick acknowledged by a TickAck among them, if any.
    @discardableResult
    func pump(timeoutMilliseconds: Int32) throws -> UInt64? {
        var acked: UInt64?
        try perform(link.pollTimers(now: BenchClock.now()))
        guard try transport.waitUntilReadable(timeoutMilliseconds: timeoutMilliseconds) else { return nil }
        while true {
            let result = try rxBuffer.withUnsafeMutableBytes { try transport.tryReceive(into: $0) }
            guard case .received(let count) = result else { break }
            let now = BenchClock.now()
            let decoded = rxBuffer.withUnsafeBytes { raw -> Result<Frame, DecodeError> in
                let bytes = UnsafeRawBufferPointer(rebasing: raw[0..<count])
                do throws(DecodeError) { return .success(try FrameCodec.decode(bytes)) } catch { return .failure(error) }
            }
            switch decoded {
            case .failure(let error):
                let peek = rxBuffer.withUnsafeBytes {
                    FrameCodec.peekTypeAndSequence(UnsafeRawBufferPointer(rebasing: $0[0..<count]))
                }
                try perform(link.decodeFailed(error, peek: peek, now: now))
            case .success(let frame):
                let action = link.frameReceived(frame, now: now)
                if case .deliver(let message) = action {
                    switch message {
                    case .tickAck(let through):
                        acksReceived += 1
                        if let granted = grantTimestamps.removeValue(forKey: through), granted != frame.timestamp {
                            ackEchoMismatches += 1
                        }
                        lastAckedTick = max(lastAckedTick, through)
                        acked = through
                    case .command: commandsReceived += 1
                    case .moduleEvent: moduleEvents += 1
                    default: break
                    }
                } else {
                    try perform(action)
                }
            }
        }
        return acked
    }

    /// Waits for the application core's handshake.
    func waitForSession(timeout: Duration, child: ChildProcess?) throws {
        let deadline = ContinuousClock.now + timeout
        while !link.state.isEstablished {
            if ContinuousClock.now >= deadline || (child.map { !$0.isRunning } ?? false) {
                let reason = child.map { $0.isRunning ? "" : " (it ended: \($0.exitDescription))\n\($0.stderrText())" } ?? ""
                throw BenchError.setupFailed("the application core did not complete the handshake within \(timeout)\(reason)")
            }
            try pump(timeoutMilliseconds: 50)
        }
    }

    /// The sample of tick `t`, `index` within its batch: the process temperature, with the
    /// setpoint every tenth tick so control modules have both inputs.
    private func sample(tick t: UInt64) -> Sample {
        if t % 10 == 9 { return Sample(channel: 1, status: .ok, milliValue: 22_000) }
        return Sample(channel: 0, status: .ok, milliValue: 21_000 + Int32(t % 64) * 7)
    }

    /// Sends `samples` Sample frames (one per tick) and the grant through the last tick.
    /// - Returns: the grant's `throughTick`.
    @discardableResult
    func sendBatch(samples: Int) throws -> UInt64 {
        for _ in 0..<samples {
            try send(.sample(sample(tick: tick)), timestamp: tick &* UInt64(tickPeriodNanoseconds), flags: .virtualTime)
            tick += 1
        }
        if samples == 0 { tick += 1 }
        let timestamp = tick &* UInt64(tickPeriodNanoseconds)
        grantTimestamps[tick] = timestamp
        if grantTimestamps.count > 4096 { grantTimestamps.removeAll(keepingCapacity: true) }
        try send(.tickGrant(throughTick: tick), timestamp: timestamp, flags: .virtualTime)
        return tick
    }

    /// One round trip: the batch and its grant out, the ack back.
    /// - Returns: false when no ack came within `timeoutMilliseconds`.
    func roundTrip(samples: Int, timeoutMilliseconds: Int32 = 2000) throws -> Bool {
        let through = try sendBatch(samples: samples)
        let deadline = BenchClock.now() + UInt64(timeoutMilliseconds) * 1_000_000
        while lastAckedTick < through {
            let now = BenchClock.now()
            if now >= deadline { return false }
            try pump(timeoutMilliseconds: Int32(max(1, (deadline - now) / 1_000_000)))
        }
        return true
    }

    /// Ends the session politely.
    func close() {
        _ = try? send(link.close(reason: .shutdown), timestamp: BenchClock.now())
    }
}
