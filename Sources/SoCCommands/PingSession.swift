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
        var template = Array("/tmp/ssoc-ping-XXXXXX".utf8CString)
        guard template.withUnsafeMutableBufferPointer({ mkdtemp($0.baseAddress!) }) != nil else {
            throw PingError(description: "cannot create a temporary directory under /tmp (errno \(errno))")
        }
        directory = String(decoding: template.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
    }

    deinit {
        try? FileManager.default.removeItem(atPath: directory)
    }

    /// Measures `settings.count` round trips in `mode` (after `settings.warmup` unrecorded ones).
    func measure(mode: PingMode) throws -> PingResult {
        let endpoint = transport == .ipc ? "ipc://\(directory)/\(mode.rawValue)" : "tcp://127.0.0.1:*"
        switch mode {
        case .raw: return try measureRaw(endpoint: endpoint)
        case .framed: return try measureFramed(endpoint: endpoint)
        }
    }

    // MARK: Echo child

    private func startEcho(endpoint: String, mode: PingMode) throws -> ChildProcess {
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

    /// Asks the echo to stop with an empty message; kills it if it does not exit.
    private func stopEcho(_ child: ChildProcess, send stop: () throws -> Void) {
        try? stop()
        if child.waitForExit(timeout: .seconds(5)) == nil { child.terminate() }
    }

    private func echoFailure(_ child: ChildProcess, _ what: String) -> PingError {
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

    // MARK: Raw libzmq baseline

    /// Bare blocking zmq_send/zmq_recv on a DEALER, no codec: the floor the bridge is compared with.
    private func measureRaw(endpoint: String) throws -> PingResult {
        let socket = try ZMQSocket(context: context, type: .dealer)
        try socket.setOption(.sendHighWaterMark, to: 10_000)
        try socket.setOption(.receiveHighWaterMark, to: 10_000)
        try socket.setOption(.sendTimeout, to: Self.answerTimeoutMilliseconds)
        try socket.setOption(.receiveTimeout, to: Self.answerTimeoutMilliseconds)
        try socket.bind(endpoint)
        let child = try startEcho(endpoint: try socket.lastEndpoint(), mode: .raw)
        defer { stopEcho(child) { _ = try socket.send([UInt8]().span.bytes, flags: .dontWait) } }

        let size = settings.rawPayload
        let outbound = [UInt8](repeating: 0xA5, count: size)
        var inbound = [UInt8](repeating: 0, count: size)
        var histogram = makeHistogram()
        var mismatched = 0
        let total = settings.warmup + settings.count
        let start = monotonicNanoseconds()
        for index in 0..<total {
            if let interval = settings.intervalNanoseconds { sleepUntil(monotonicNanoseconds: start + UInt64(index) * interval) }
            let sentAt = monotonicNanoseconds()
            guard try socket.send(outbound.span.bytes) == .processed(size) else {
                throw echoFailure(child, "the echo did not connect within \(Self.answerTimeoutMilliseconds) ms")
            }
            var span = inbound.mutableSpan
            switch try socket.receive(into: &span) {
            case .received(let count) where count == size: break
            case .received, .truncated: mismatched += 1
            case .wouldBlock: throw echoFailure(child, "no reply within \(Self.answerTimeoutMilliseconds) ms")
            }
            let rtt = monotonicNanoseconds() - sentAt
            if index >= settings.warmup { record(rtt, into: &histogram) }
        }
        return PingResult(histogram: histogram, payloadBytes: size, mismatched: mismatched)
    }

    // MARK: Framed, through the bridge's transport

    /// v1 Sample frames through `ZMQFrameTransport` (non-blocking send, zmq_poll wait), decoded and
    /// checked on return: the path the bridge's I/O threads take.
    private func measureFramed(endpoint: String) throws -> PingResult {
        let link = try ZMQFrameTransport.bind(endpoint: endpoint, context: context)
        let child = try startEcho(endpoint: link.endpoint, mode: .framed)
        defer { stopEcho(child) { _ = try [UInt8]().withUnsafeBytes { try link.trySend($0) } } }

        let outbound = UnsafeMutableRawBufferPointer.allocate(byteCount: Wire.maxFrameSize, alignment: 8)
        let inbound = UnsafeMutableRawBufferPointer.allocate(byteCount: Wire.maxFrameSize, alignment: 8)
        defer {
            outbound.deallocate()
            inbound.deallocate()
        }
        var histogram = makeHistogram()
        var mismatched = 0
        let total = settings.warmup + settings.count
        let start = monotonicNanoseconds()
        for index in 0..<total {
            if let interval = settings.intervalNanoseconds { sleepUntil(monotonicNanoseconds: start + UInt64(index) * interval) }
            let sentAt = monotonicNanoseconds()
            let frame = Frame(
                sequence: UInt32(truncatingIfNeeded: index),
                timestamp: sentAt,
                message: .sample(Sample(channel: 0, status: .ok, milliValue: Int32(truncatingIfNeeded: index)))
            )
            let size = try FrameCodec.encode(frame, into: outbound)
            let message = UnsafeRawBufferPointer(rebasing: outbound[0..<size])
            // DEALER sends would block until the echo has connected: wait for it (first frame only, in practice).
            let connectDeadline = sentAt + UInt64(Self.answerTimeoutMilliseconds) * 1_000_000
            while try link.trySend(message) == .wouldBlock {
                guard monotonicNanoseconds() < connectDeadline else {
                    throw echoFailure(child, "the echo did not connect within \(Self.answerTimeoutMilliseconds) ms")
                }
                _ = try link.waitUntilReadable(timeoutMilliseconds: 1)
            }
            guard try link.waitUntilReadable(timeoutMilliseconds: Self.answerTimeoutMilliseconds) else {
                throw echoFailure(child, "no reply within \(Self.answerTimeoutMilliseconds) ms")
            }
            switch try link.tryReceive(into: inbound) {
            case .received(let count):
                let reply = try? FrameCodec.decode(UnsafeRawBufferPointer(rebasing: inbound[0..<count]))
                if reply != frame { mismatched += 1 }
            case .truncated, .wouldBlock:
                mismatched += 1
            }
            let rtt = monotonicNanoseconds() - sentAt
            if index >= settings.warmup { record(rtt, into: &histogram) }
        }
        return PingResult(histogram: histogram, payloadBytes: PingCommand.frameSize, mismatched: mismatched)
    }
}
