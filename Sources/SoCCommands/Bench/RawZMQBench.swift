import Foundation
import SoCLink
import SoCLinkZMQ
import ZeroMQ

/// The raw libzmq baseline: the same DEALER sockets, options, transport and message sizes as the
/// bridge, with no codec, link state machine or Wasm. The bench process binds (like the real-time
/// core) and a `splitsoc bench peer` child connects (like the application core).
enum RawZMQBench {
    /// The first message a peer sends after connecting, so the driver knows it is there.
    static let helloByte: UInt8 = 0x48
    /// A one-byte message telling a sink peer to report how many messages it received.
    static let reportByte: UInt8 = 0x52

    /// Round trips: each iteration sends `messageSizes` (the bridge's samples then its grant) and
    /// waits for one reply of the grant's size.
    static func roundTrips(
        transport: ZMQFrameTransport, messageSizes: [Int], rateHz: Double, duration: Double, warmup: Int,
        progress: (Double) -> Void
    ) throws -> (distribution: LatencyDistribution, timeouts: Int, sendDrops: Int) {
        let period = rateHz > 0 ? UInt64(1e9 / rateHz) : 0
        var distribution = LatencyDistribution(expectedIntervalNanoseconds: period)
        var outgoing = [UInt8](repeating: 0xA5, count: messageSizes.max() ?? 1)
        var incoming = [UInt8](repeating: 0, count: 2048)
        var timeouts = 0
        var drops = 0
        var pacer = FixedRatePacer(periodNanoseconds: period, duration: duration, warmup: warmup)
        while let recordThis = pacer.next(progress: progress) {
            let start = BenchClock.now()
            for size in messageSizes {
                let result = try outgoing.withUnsafeBytes { try transport.trySend(UnsafeRawBufferPointer(rebasing: $0[0..<size])) }
                if result == .wouldBlock { drops += 1 }
            }
            var answered = false
            while try transport.waitUntilReadable(timeoutMilliseconds: 1000) {
                if case .received = try incoming.withUnsafeMutableBytes({ try transport.tryReceive(into: $0) }) {
                    answered = true
                    break
                }
            }
            let end = BenchClock.now()
            outgoing[0] &+= 1
            guard answered else {
                timeouts += 1
                continue
            }
            if recordThis { distribution.record(end - start) }
        }
        return (distribution, timeouts, drops)
    }

    /// Waits for the peer's hello byte.
    static func waitForPeer(_ transport: ZMQFrameTransport, timeout: Duration) throws {
        let deadline = ContinuousClock.now + timeout
        var buffer = [UInt8](repeating: 0, count: 2048)
        while ContinuousClock.now < deadline {
            if try transport.waitUntilReadable(timeoutMilliseconds: 100),
                case .received(let n) = try buffer.withUnsafeMutableBytes({ try transport.tryReceive(into: $0) }),
                n == 1, buffer[0] == helloByte
            {
                return
            }
        }
        throw BenchError.setupFailed("the raw libzmq peer did not connect within \(timeout)")
    }

    /// Streams `messageSize`-byte messages to a sink peer for `duration` seconds, as fast as the
    /// socket takes them (a full queue is waited on for up to 100 ms, then counted as a drop), then
    /// asks the peer how many it received.
    static func stream(
        transport: ZMQFrameTransport, messageSize: Int, duration: Double, progress: (Double) -> Void
    ) throws -> (sent: UInt64, received: UInt64, drops: UInt64, seconds: Double) {
        var message = [UInt8](repeating: 0x5A, count: messageSize)
        var sent: UInt64 = 0
        var drops: UInt64 = 0
        let start = BenchClock.now()
        let end = start + UInt64(duration * 1e9)
        var nextProgress = start
        while true {
            let now = BenchClock.now()
            if now >= end { break }
            if now >= nextProgress {
                progress(Double(now - start) / (duration * 1e9))
                nextProgress = now + 200_000_000
            }
            for _ in 0..<256 {
                message[1] &+= 1
                var result = try message.withUnsafeBytes { try transport.trySend($0) }
                if result == .wouldBlock {
                    _ = try transport.withSocket { socket throws(ZMQError) in
                        try socket.poll(events: .writable, timeoutMilliseconds: 100)
                    }
                    result = try message.withUnsafeBytes { try transport.trySend($0) }
                }
                if result == .sent { sent += 1 } else { drops += 1 }
            }
        }
        var report = [reportByte]
        var reportSent = false
        let reportDeadline = BenchClock.now() + 5_000_000_000
        while !reportSent && BenchClock.now() < reportDeadline {
            reportSent = try report.withUnsafeBytes { try transport.trySend($0) } == .sent
            if !reportSent { usleep(1000) }
        }
        // The sink answers after draining its queue: the elapsed time includes the backlog.
        var reply = [UInt8](repeating: 0, count: 2048)
        while try transport.waitUntilReadable(timeoutMilliseconds: 10_000) {
            if case .received(let n) = try reply.withUnsafeMutableBytes({ try transport.tryReceive(into: $0) }), n == 8 {
                let seconds = Double(BenchClock.now() - start) / 1e9
                let received = reply.withUnsafeBytes { UInt64(littleEndian: $0.loadUnaligned(as: UInt64.self)) }
                report[0] = 0
                return (sent, received, drops, seconds)
            }
        }
        throw BenchError.measurementFailed("the raw libzmq sink did not report its count")
    }

    /// The peer side (`splitsoc bench peer`): connects, says hello, then echoes (one reply of
    /// `replySize` bytes after every `batch` messages) or sinks (counts; answers a report byte
    /// with the count) until the orchestrator terminates it.
    static func runPeer(endpoint: String, mode: String, batch: Int, replySize: Int) throws -> Never {
        let context = try ZMQContext()
        let transport = try ZMQFrameTransport.connect(endpoint: endpoint, context: context)
        var hello = [helloByte]
        while try hello.withUnsafeBytes({ try transport.trySend($0) }) == .wouldBlock { usleep(1000) }
        hello[0] = 0
        var buffer = [UInt8](repeating: 0, count: 4096)
        let reply = [UInt8](repeating: 0x3C, count: max(1, replySize))
        var inBatch = 0
        var count: UInt64 = 0
        while true {
            guard try transport.waitUntilReadable(timeoutMilliseconds: 1000) else {
                if getppid() == 1 { exit(0) }  // the orchestrator went away
                continue
            }
            while case .received(let n) = try buffer.withUnsafeMutableBytes({ try transport.tryReceive(into: $0) }) {
                if mode == "sink" {
                    if n == 1 && buffer[0] == reportByte {
                        var total = count.littleEndian
                        _ = try withUnsafeBytes(of: &total) { try transport.trySend($0) }
                        count = 0
                    } else {
                        count += 1
                    }
                    continue
                }
                inBatch += 1
                if inBatch >= batch {
                    inBatch = 0
                    _ = try reply.withUnsafeBytes { try transport.trySend($0) }
                }
            }
        }
    }
}

/// Paces a benchmark loop: fixed-rate (absolute deadlines) or back to back, for a duration,
/// after `warmup` unrecorded iterations.
struct FixedRatePacer {
    let periodNanoseconds: UInt64
    let durationNanoseconds: UInt64
    let warmup: Int
    private var iteration = 0
    private var start: UInt64 = 0
    private var nextDeadline: UInt64 = 0
    private var nextProgress: UInt64 = 0

    init(periodNanoseconds: UInt64, duration: Double, warmup: Int) {
        self.periodNanoseconds = periodNanoseconds
        self.durationNanoseconds = UInt64(duration * 1e9)
        self.warmup = warmup
    }

    /// Waits for the next slot. Returns whether to record this iteration, or nil when done.
    mutating func next(progress: (Double) -> Void) -> Bool? {
        let now = BenchClock.now()
        if iteration == warmup {
            start = now
            nextDeadline = now
            nextProgress = now
        }
        if iteration >= warmup {
            if now - start >= durationNanoseconds { return nil }
            if now >= nextProgress {
                progress(Double(now - start) / Double(durationNanoseconds))
                nextProgress = now + 200_000_000
            }
            if periodNanoseconds > 0 {
                if nextDeadline > now {
                    BenchClock.sleep(until: nextDeadline)
                } else if now - nextDeadline > periodNanoseconds {
                    // Fell behind (a stall): restart the schedule instead of bursting to catch up;
                    // the coordinated-omission correction accounts for the skipped sends.
                    nextDeadline = now
                }
                nextDeadline += periodNanoseconds
            }
        }
        iteration += 1
        return iteration > warmup
    }
}
