import ArgumentParser
import Foundation
import Histogram
import SoCCommandLine
import SoCParameters
import SoCWire
import ZeroMQ

/// `splitsoc ping`: a two-process bridge ping that prints round-trip percentiles.
///
/// For each transport it starts children `splitsoc ping --echo ENDPOINT` that echo, and measures
/// two things in the same run, each with its own child, alternating in chunks of 500 round trips so
/// both see the same machine load:
/// - **framed**: v1 Sample frames, encoded with `FrameCodec`, through `ZMQFrameTransport` (non-blocking
///   sends, `zmq_poll` waits), decoded and re-encoded by the echo: what the bridge really does;
/// - **raw**: the libzmq baseline, the same DEALER sockets and transport carrying the same number of
///   bytes with plain blocking `zmq_send`/`zmq_recv` and no codec.
/// and prints p50/p99/max and the framed/raw ratio.
public struct PingCommand: ParsableCommand {
    public static let configuration = CommandConfiguration(
        commandName: "ping",
        abstract: "Measure the bridge round trip between two processes (framed v1 frames vs. raw libzmq).",
        discussion: """
            Prints one key=value line per measurement: `ping transport=ipc mode=framed ... p50_us=... p99_us=... max_us=...`, \
            the raw libzmq baseline (`mode=raw`) measured in the same run, and their ratio. Figures depend on the \
            machine and its load: compare runs from the same machine only.
            """
    )

    /// Which transports to measure.
    public enum TransportChoice: String, ExpressibleByArgument, CaseIterable, Sendable {
        case ipc, tcp, both
    }

    @Option(help: "Transport to measure: ipc, tcp or both.")
    public var transport: TransportChoice = .both

    @Option(parsing: .unconditional, help: "Round trips to measure per transport and mode, after the warm-up (\(Parameter.pingCount.bounds)).")
    public var count: Int = 10_000

    @Option(parsing: .unconditional, help: "Round trips before measuring, not recorded (\(Parameter.pingWarmup.bounds)).")
    public var warmup: Int = 200

    @Option(parsing: .unconditional, help: "Bytes per raw-baseline message, \(Parameter.messageSize.bounds) (default: the size of one v1 Sample frame, \(PingCommand.frameSize), so both modes carry the same bytes).")
    public var payload: Int?

    @Option(parsing: .unconditional, help: "Round trips per second, \(Parameter.pingRate.bounds), raw and framed sharing one schedule (default: back to back). With a rate, late replies are corrected for coordinated omission.")
    public var rate: Double?

    @Option(help: ArgumentHelp("Internal: run as the echo side connected to ENDPOINT.", visibility: .hidden))
    public var echo: String?

    @Flag(help: ArgumentHelp("Internal: the echo side echoes raw bytes instead of decoding frames.", visibility: .hidden))
    public var raw: Bool = false

    public init() {}

    /// The size of the frame the framed mode sends (a v1 `Sample`).
    static let frameSize = Wire.headerSize + Sample.payloadSize

    public func validate() throws {
        try Parameter.pingCount.validate(count, flag: "--count")
        try Parameter.pingWarmup.validate(warmup, flag: "--warmup")
        try Parameter.messageSize.validate(payload, flag: "--payload")
        try Parameter.pingRate.validate(rate, flag: "--rate")
    }

    /// Largest raw payload, the echo's buffer size (1 MiB: far above any bridge frame; keeps buffers bounded).
    static let maxPayload = Parameter.messageSize.bounds.upperBound

    public func run() throws {
        if let echo {
            try PingEcho(endpoint: echo, raw: raw).run()
            return
        }
        // Ctrl-C stops the echo children too (they would otherwise notice the orphaning within a second).
        OrchestratorSignals.install()
        let payloadBytes = payload ?? PingCommand.frameSize
        let transports: [PingTransport] = transport == .both ? [.ipc, .tcp] : [transport == .ipc ? .ipc : .tcp]
        let settings = PingSettings(count: count, warmup: warmup, rawPayload: payloadBytes, rate: rate)
        print(PingReport.header(settings: settings))
        let context = try ZMQContext()
        for transport in transports {
            let session = try PingSession(transport: transport, context: context, settings: settings)
            let (raw, framed) = try session.measureBoth()
            print(PingReport.line(transport: transport, mode: .raw, settings: settings, result: raw))
            print(PingReport.line(transport: transport, mode: .framed, settings: settings, result: framed))
            print(PingReport.ratio(transport: transport, framed: framed, raw: raw))
        }
    }
}

/// The transports `splitsoc ping` can measure.
enum PingTransport: String, Sendable {
    case ipc, tcp
}

/// What is measured: frames through the bridge's transport, or bare libzmq.
enum PingMode: String, Sendable {
    case raw, framed
}

/// The knobs of one `splitsoc ping` run.
struct PingSettings: Sendable {
    var count: Int
    var warmup: Int
    var rawPayload: Int
    var rate: Double?

    /// Nanoseconds between round trips when paced, else `nil`.
    var intervalNanoseconds: UInt64? { rate.map { UInt64((1e9 / $0).rounded()) } }
}

/// The outcome of one measurement.
struct PingResult {
    var histogram: Histogram<UInt64>
    var payloadBytes: Int
    /// Replies that did not decode or did not match what was sent (framed mode); always 0 with a sound bridge.
    var mismatched: Int
}

/// Formats `splitsoc ping`'s output lines (one `key=value` line per measurement).
enum PingReport {
    static func header(settings: PingSettings) -> String {
        var load = [Double](repeating: 0, count: 3)
        let loadCount = getloadavg(&load, 3)
        let loadText = loadCount > 0 ? String(format: "%.2f", load[0]) : "unknown"
        let rateText = settings.rate.map { String(format: "%g", $0) } ?? "max"
        return "ping host=\(ProcessInfo.processInfo.hostName) libzmq=\(ZMQVersion.current) "
            + "cpus=\(ProcessInfo.processInfo.activeProcessorCount) loadavg=\(loadText) "
            + "count=\(settings.count) warmup=\(settings.warmup) rate_hz=\(rateText) pinning=none"
    }

    static func microseconds(_ nanoseconds: UInt64) -> String {
        String(format: "%.1f", Double(nanoseconds) / 1000)
    }

    static func line(transport: PingTransport, mode: PingMode, settings: PingSettings, result: PingResult) -> String {
        let histogram = result.histogram
        return "ping transport=\(transport.rawValue) mode=\(mode.rawValue) payload_bytes=\(result.payloadBytes) "
            + "count=\(settings.count) "
            + "p50_us=\(microseconds(histogram.valueAtPercentile(50))) "
            + "p99_us=\(microseconds(histogram.valueAtPercentile(99))) "
            + "max_us=\(microseconds(histogram.max)) mismatched=\(result.mismatched)"
            // With --rate, HdrHistogram adds the round trips a stalled reply delayed (coordinated omission).
            + (settings.rate == nil ? "" : " recorded=\(histogram.totalCount)")
    }

    static func ratio(transport: PingTransport, framed: PingResult, raw: PingResult) -> String {
        func ratio(_ percentile: Double) -> String {
            let base = Double(raw.histogram.valueAtPercentile(percentile))
            guard base > 0 else { return "n/a" }
            return String(format: "%.2f", Double(framed.histogram.valueAtPercentile(percentile)) / base)
        }
        return "ping transport=\(transport.rawValue) framed_over_raw p50=\(ratio(50)) p99=\(ratio(99))"
    }
}
