import Foundation
import Histogram
import SoCLink
import SoCLinkZMQ
import SoCWire
import ZeroMQ

/// Why a ping could not be measured. Each message says what happened and what the echo said.
struct PingError: Error, CustomStringConvertible {
    var description: String
}

/// Reads CLOCK_MONOTONIC in nanoseconds (the clock frame timestamps use, SPEC §2).
func monotonicNanoseconds() -> UInt64 {
    var now = timespec()
    clock_gettime(CLOCK_MONOTONIC, &now)
    return UInt64(now.tv_sec) * 1_000_000_000 + UInt64(now.tv_nsec)
}

/// Sleeps until an absolute CLOCK_MONOTONIC deadline (so pacing does not drift), retrying on EINTR.
func sleepUntil(monotonicNanoseconds deadline: UInt64) {
    var target = timespec(tv_sec: Int(deadline / 1_000_000_000), tv_nsec: Int(deadline % 1_000_000_000))
    while clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &target, nil) == EINTR {}
}

/// The parent side of `splitsoc ping` for one transport: binds, starts an echo child per mode,
/// runs the round trips and records them.
final class PingSession {
    let transport: PingTransport
    let context: ZMQContext
    let settings: PingSettings
    /// Holds the ipc:// sockets and the echo children's logs; removed at the end.
    let directory: String

    /// How long to wait for the echo to connect or answer before giving up.
    static let answerTimeoutMilliseconds: Int32 = 10_000

    init(transport: PingTransport, context: ZMQContext, settings: PingSettings) throws {
        self.transport = transport
        self.context = context
        self.settings = settings
        do {
            directory = try PrivateDirectory.create(prefix: "ssoc-ping").path
        } catch {
            throw PingError(description: error.localizedDescription)
        }
    }

    deinit {
        try? FileManager.default.removeItem(atPath: directory)
    }

    /// Measures `settings.count` round trips in each mode, alternating raw and framed chunks of
    /// `chunkSize` so that both see the same machine load, after `settings.warmup` unrecorded ones each.
    func measureBoth(chunkSize: Int = 500) throws -> (raw: PingResult, framed: PingResult) {
        let raw = try RawPinger(session: self, endpoint: endpoint(.raw))
        defer { raw.stop() }
        let framed = try FramedPinger(session: self, endpoint: endpoint(.framed))
        defer { framed.stop() }
        let pingers: [any Pinger] = [raw, framed]
        var histograms = [makeHistogram(), makeHistogram()]

        let start = monotonicNanoseconds()
        var slot: UInt64 = 0
        func paced(_ body: () throws -> Void) rethrows {
            if let interval = settings.intervalNanoseconds { sleepUntil(monotonicNanoseconds: start + slot * interval) }
            slot += 1
            try body()
        }
        for index in 0..<settings.warmup {
            for pinger in pingers { try paced { _ = try pinger.roundTrip(index: index) } }
        }
        var done = 0
        var chunk = 0
        while done < settings.count {
            let rounds = min(chunkSize, settings.count - done)
            // Alternate which mode goes first, so neither always follows the other's warm caches.
            let order = chunk % 2 == 0 ? [0, 1] : [1, 0]
            for which in order {
                for round in 0..<rounds {
                    try paced {
                        let rtt = try pingers[which].roundTrip(index: settings.warmup + done + round)
                        record(rtt, into: &histograms[which])
                    }
                }
            }
            done += rounds
            chunk += 1
        }
        return (
            PingResult(histogram: histograms[0], payloadBytes: settings.rawPayload, mismatched: raw.mismatched),
            PingResult(histogram: histograms[1], payloadBytes: PingCommand.frameSize, mismatched: framed.mismatched)
        )
    }

    private func endpoint(_ mode: PingMode) -> String {
        transport == .ipc ? "ipc://\(directory)/\(mode.rawValue)" : "tcp://127.0.0.1:*"
    }

    // MARK: Echo child

    func startEcho(endpoint: String, mode: PingMode) throws -> ChildProcess {
        let selfPath = (try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/exe")) ?? CommandLine.arguments[0]
        let child = ChildProcess(
            name: "ping-echo-\(transport.rawValue)-\(mode.rawValue)",
            executable: URL(fileURLWithPath: selfPath),
            arguments: ["ping", "--echo", endpoint] + (mode == .raw ? ["--raw"] : []),
            logDirectory: URL(fileURLWithPath: directory)
        )
        try child.start()
        return child
    }

    func echoFailure(_ child: ChildProcess, _ what: String) -> PingError {
        PingError(
            description: "\(what) (\(transport.rawValue) ping, echo \(child.isRunning ? "still running" : child.exitDescription)).\n"
                + "--- echo stderr ---\n\(child.stderrText())"
        )
    }

    private func makeHistogram() -> Histogram<UInt64> {
        // 1 ns .. 60 s at 3 significant digits.
        Histogram<UInt64>(lowestDiscernibleValue: 1, highestTrackableValue: 60_000_000_000, numberOfSignificantValueDigits: .three)
    }

    private func record(_ rtt: UInt64, into histogram: inout Histogram<UInt64>) {
        if let interval = settings.intervalNanoseconds {
            _ = histogram.recordCorrectedValue(rtt, expectedInterval: interval)
        } else {
            _ = histogram.record(rtt)
        }
    }
}

/// One side of the comparison: does one round trip at a time.
protocol Pinger: AnyObject {
    /// Sends one message, waits for the echo, checks it.
    /// - Returns: the round trip in nanoseconds.
    func roundTrip(index: Int) throws -> UInt64
    /// Replies that did not match what was sent.
    var mismatched: Int { get }
    /// Stops the echo child (an empty message, then SIGTERM/SIGKILL if it lingers).
    func stop()
}

/// The libzmq baseline: bare blocking zmq_send/zmq_recv on a DEALER, no codec.
final class RawPinger: Pinger {
    private let socket: ZMQSocket
    private let child: ChildProcess
    private let session: PingSession
    private let outbound: UnsafeMutableRawBufferPointer
    private let inbound: UnsafeMutableRawBufferPointer
    private(set) var mismatched = 0

    init(session: PingSession, endpoint: String) throws {
        let socket = try ZMQSocket(context: session.context, type: .dealer)
        try socket.setOption(.sendHighWaterMark, to: 10_000)
        try socket.setOption(.receiveHighWaterMark, to: 10_000)
        try socket.setOption(.sendTimeout, to: PingSession.answerTimeoutMilliseconds)
        try socket.setOption(.receiveTimeout, to: PingSession.answerTimeoutMilliseconds)
        try socket.bind(endpoint)
        child = try session.startEcho(endpoint: try socket.lastEndpoint(), mode: .raw)
        self.socket = socket
        self.session = session
        outbound = .allocate(byteCount: session.settings.rawPayload, alignment: 8)
        outbound.initializeMemory(as: UInt8.self, repeating: 0xA5)
        inbound = .allocate(byteCount: session.settings.rawPayload, alignment: 8)
    }

    deinit {
        outbound.deallocate()
        inbound.deallocate()
    }

    func roundTrip(index: Int) throws -> UInt64 {
        let sentAt = monotonicNanoseconds()
        guard try socket.send(UnsafeRawBufferPointer(outbound)) == .processed(outbound.count) else {
            throw session.echoFailure(child, "the echo did not connect within \(PingSession.answerTimeoutMilliseconds) ms")
        }
        switch try socket.receive(into: inbound) {
        case .received(let count) where count == outbound.count: break
        case .received, .truncated: mismatched += 1
        case .wouldBlock: throw session.echoFailure(child, "no reply within \(PingSession.answerTimeoutMilliseconds) ms")
        }
        return monotonicNanoseconds() - sentAt
    }

    func stop() {
        _ = try? socket.send([UInt8]().span.bytes, flags: .dontWait)
        if child.waitForExit(timeout: .seconds(5)) == nil { child.terminate() }
    }
}

/// The bridge's path: v1 Sample frames through `ZMQFrameTransport` (non-blocking send, zmq_poll
/// wait), decoded and compared with what was sent.
final class FramedPinger: Pinger {
    private let link: ZMQFrameTransport
    private let child: ChildProcess
    private let session: PingSession
    private let outbound = UnsafeMutableRawBufferPointer.allocate(byteCount: Wire.maxFrameSize, alignment: 8)
    private let inbound = UnsafeMutableRawBufferPointer.allocate(byteCount: Wire.maxFrameSize, alignment: 8)
    private(set) var mismatched = 0

    init(session: PingSession, endpoint: String) throws {
        link = try ZMQFrameTransport.bind(endpoint: endpoint, context: session.context)
        child = try session.startEcho(endpoint: link.endpoint, mode: .framed)
        self.session = session
    }

    deinit {
        outbound.deallocate()
        inbound.deallocate()
    }

    func roundTrip(index: Int) throws -> UInt64 {
        let sentAt = monotonicNanoseconds()
        let frame = Frame(
            sequence: UInt32(truncatingIfNeeded: index),
            timestamp: sentAt,
            message: .sample(Sample(channel: 0, status: .ok, milliValue: Int32(truncatingIfNeeded: index)))
        )
        let size = try FrameCodec.encode(frame, into: outbound)
        let message = UnsafeRawBufferPointer(rebasing: outbound[0..<size])
        // DEALER sends would block until the echo has connected: wait for it (first frame only, in practice).
        let connectDeadline = sentAt + UInt64(PingSession.answerTimeoutMilliseconds) * 1_000_000
        while try link.trySend(message) == .wouldBlock {
            guard monotonicNanoseconds() < connectDeadline else {
                throw session.echoFailure(child, "the echo did not connect within \(PingSession.answerTimeoutMilliseconds) ms")
            }
            _ = try link.waitUntilReadable(timeoutMilliseconds: 1)
        }
        guard try link.waitUntilReadable(timeoutMilliseconds: PingSession.answerTimeoutMilliseconds) else {
            throw session.echoFailure(child, "no reply within \(PingSession.answerTimeoutMilliseconds) ms")
        }
        switch try link.tryReceive(into: inbound) {
        case .received(let count):
            let reply = try? FrameCodec.decode(UnsafeRawBufferPointer(rebasing: inbound[0..<count]))
            if reply != frame { mismatched += 1 }
        case .truncated, .wouldBlock:
            mismatched += 1
        }
        return monotonicNanoseconds() - sentAt
    }

    func stop() {
        _ = try? [UInt8]().withUnsafeBytes { try link.trySend($0) }
        if child.waitForExit(timeout: .seconds(5)) == nil { child.terminate() }
    }
}
