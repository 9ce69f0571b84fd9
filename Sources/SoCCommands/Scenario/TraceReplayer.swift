import AppCore
import FirmwareBuild
import Foundation
import SoCWire

/// A command as the real-time core received it (trace `cmd-rx`) or as a replay produced it,
/// placed at the quantum boundary where it takes effect.
public struct ReplayedCommand: Sendable, Equatable, CustomStringConvertible {
    /// The grant boundary (tick) the command belongs to.
    public var tick: UInt64
    public var target: UInt8
    public var value: Int32
    public init(tick: UInt64, target: UInt8, value: Int32) {
        self.tick = tick
        self.target = target
        self.value = value
    }
    public var description: String { "target \(target) = \(value) at tick \(tick)" }
}

/// What a replay found: the first divergence and summary statistics.
public struct ReplayReport: Sendable {
    public var tickHz: Int
    public var quantum: Int
    public var ticks: UInt64
    public var samples: Int
    public var recorded: [ReplayedCommand]
    public var replayed: [ReplayedCommand]
    /// Index of the first pair that differs (or where one list ends early); nil when identical.
    public var firstDivergence: Int?
    /// Whether boundaries were compared (virtual-clock traces) or only the order (real clock).
    public var comparedTiming: Bool
    /// Module events the replayed pipeline reported (`trapped slot 1 …`).
    public var events: [String]

    /// True when the replayed commands equal the recorded ones.
    public var identical: Bool { firstDivergence == nil }

    /// Per target: commands compared, how many differ, the largest and mean absolute difference.
    public var statistics: [(target: UInt8, compared: Int, differing: Int, maxAbsDiff: Int64, meanAbsDiff: Double)] {
        var byTarget: [UInt8: (Int, Int, Int64, Int64)] = [:]
        for (a, b) in zip(recorded, replayed) where a.target == b.target {
            let diff = abs(Int64(a.value) - Int64(b.value))
            var entry = byTarget[a.target] ?? (0, 0, 0, 0)
            entry.0 += 1
            if diff != 0 || (comparedTiming && a.tick != b.tick) { entry.1 += 1 }
            entry.2 = max(entry.2, diff)
            entry.3 += diff
            byTarget[a.target] = entry
        }
        return byTarget.keys.sorted().map { target in
            let e = byTarget[target]!
            return (target, e.0, e.1, e.2, e.0 > 0 ? Double(e.3) / Double(e.0) : 0)
        }
    }

    /// A report for people.
    public var summary: String {
        var lines: [String] = []
        lines.append(
            "replayed \(ticks) ticks (\(samples) samples, quantum \(quantum), \(tickHz) Hz): "
                + "\(recorded.count) commands recorded, \(replayed.count) replayed")
        if let index = firstDivergence {
            let a = index < recorded.count ? recorded[index].description : "nothing (the recording ends)"
            let b = index < replayed.count ? replayed[index].description : "nothing (the replay ends)"
            let tick = index < recorded.count ? recorded[index].tick : replayed[index].tick
            lines.append(
                "DIVERGED at command #\(index + 1), tick \(tick) (\(tick * 1000 / UInt64(max(tickHz, 1))) ms): "
                    + "recorded \(a), replayed \(b)")
        } else {
            lines.append("IDENTICAL: every replayed command equals the recorded one"
                + (comparedTiming ? " at the same tick" : " (order compared; real-clock timing is not)"))
        }
        for s in statistics {
            lines.append(
                "  target \(s.target): \(s.compared) compared, \(s.differing) differ, max |Δ| \(s.maxAbsDiff), "
                    + "mean |Δ| \(String(format: "%.1f", s.meanAbsDiff))")
        }
        for event in events.prefix(10) { lines.append("  module event: \(event)") }
        return lines.joined(separator: "\n")
    }
}

/// Replays a recorded real-time core trace against an application-core pipeline in process: the
/// recorded samples are fed to `ApplicationCore` in the recorded quanta (a stand-in for the
/// real-time side), and the commands it produces are compared with the `cmd-rx` records.
public enum TraceReplayer {
    /// Replays `traceText` through a pipeline of `modules` (slot, `.wasm` bytes) in order.
    /// - Parameter quantum: ticks per grant; nil takes the trace header's (1 for real clock).
    /// - Throws: `ModuleLoadError` when a module is refused, `ScenarioRunError` for a trace without samples.
    public static func replay(
        traceText: String, modules: [(slot: String, bytes: [UInt8])], quantum: Int? = nil,
        configuration: AppCoreConfiguration = AppCoreConfiguration()
    ) throws -> ReplayReport {
        var tickHz = 1000
        var headerQuantum = 1
        var isVirtual = true
        var samples: [(tick: UInt64, sample: Sample)] = []
        var recorded: [(tick: UInt64, target: UInt8, value: Int32)] = []
        var lastTick: UInt64 = 0
        for line in traceText.split(separator: "\n") {
            if line.hasPrefix("#") {
                for word in line.split(separator: " ") {
                    if word.hasPrefix("tick_hz="), let v = Int(word.dropFirst(8)) { tickHz = v }
                    if word.hasPrefix("quantum="), let v = Int(word.dropFirst(8)) { headerQuantum = v }
                    if word.hasPrefix("clock=") { isVirtual = word == "clock=virtual" }
                }
                continue
            }
            let words = line.split(separator: " ")
            guard words.count >= 3, let tick = UInt64(words[0]) else { continue }
            lastTick = max(lastTick, tick)
            var fields: [Substring: Substring] = [:]
            for word in words.dropFirst(2) {
                if let eq = word.firstIndex(of: "=") { fields[word[..<eq]] = word[word.index(after: eq)...] }
            }
            switch words[1] {
            case "sample":
                guard let channel = fields["ch"].flatMap({ UInt8($0) }), let value = fields["value"].flatMap({ Int32($0) })
                else { continue }
                let status: SampleStatus = fields["status"] == "fault" ? .fault : fields["status"] == "stale" ? .stale : .ok
                samples.append((tick, Sample(channel: channel, status: status, milliValue: value)))
            case "cmd-rx":
                guard let target = fields["target"].flatMap({ UInt8($0) }), let value = fields["value"].flatMap({ Int32($0) })
                else { continue }
                recorded.append((tick, target, value))
            default:
                continue
            }
        }
        guard !samples.isEmpty else { throw ScenarioRunError("the trace holds no sample records to replay") }
        let q = UInt64(max(quantum ?? (isVirtual ? headerQuantum : 1), 1))
        let period = UInt64(1_000_000_000 / max(tickHz, 1))

        let output = RecordingOutput()
        let core = ApplicationCore(configuration: configuration, output: output)
        for module in modules { try core.addModule(slot: module.slot, bytes: module.bytes) }

        var index = 0
        var boundary = q
        var replayed: [ReplayedCommand] = []
        let endTick = lastTick + 1
        // The real-time core stops after its last tick without applying the commands answering
        // its last grant, so the replay stops at the last boundary inside the recording.
        while boundary <= lastTick {
            while index < samples.count, samples[index].tick < boundary {
                let (tick, sample) = samples[index]
                core.receive(Frame(sequence: 0, timestamp: tick * period, flags: .virtualTime, message: .sample(sample)))
                index += 1
            }
            output.commands.removeAll()
            core.handleGrant(throughTick: boundary, timestamp: (boundary - 1) * period, flags: .virtualTime)
            for command in output.commands {
                replayed.append(ReplayedCommand(tick: boundary, target: command.target, value: command.milliValue))
            }
            boundary += q
        }
        // A recorded command drained at tick k took effect at the boundary at or after k.
        let recordedCommands = recorded.map {
            ReplayedCommand(tick: ($0.tick + q - 1) / q * q, target: $0.target, value: $0.value)
        }
        let compareTiming = isVirtual
        var divergence: Int?
        for i in 0..<max(recordedCommands.count, replayed.count) {
            guard i < recordedCommands.count, i < replayed.count else {
                divergence = i
                break
            }
            let a = recordedCommands[i], b = replayed[i]
            if a.target != b.target || a.value != b.value || (compareTiming && a.tick != b.tick) {
                divergence = i
                break
            }
        }
        return ReplayReport(
            tickHz: tickHz, quantum: Int(q), ticks: endTick, samples: samples.count, recorded: recordedCommands,
            replayed: replayed, firstDivergence: divergence, comparedTiming: compareTiming, events: output.events)
    }

    /// Loads modules given as `slot=PATH.wasm` or `slot=STEM` (built from firmware-mock/modules).
    public static func loadModules(_ specs: [String], packageRoot: String?) throws -> [(slot: String, bytes: [UInt8])] {
        try specs.map { spec in
            guard let eq = spec.firstIndex(of: "=") else {
                throw ScenarioRunError("--module needs SLOT=PATH.wasm or SLOT=STEM, found '\(spec)'")
            }
            let slot = String(spec[..<eq]), source = String(spec[spec.index(after: eq)...])
            var path = source
            if !source.hasSuffix(".wasm") {
                guard let root = packageRoot ?? DemoFirmware.packageRoot() else {
                    throw ScenarioRunError("cannot find firmware-mock/ to build module \(source)")
                }
                path = try FirmwareBuilder(packageRoot: root).build(stem: source).path
            }
            guard let data = FileManager.default.contents(atPath: path) else {
                throw ScenarioRunError("cannot read module file \(path)")
            }
            return (slot, [UInt8](data))
        }
    }
}

/// Collects what the replayed pipeline sends.
private final class RecordingOutput: ApplicationCoreOutput {
    var commands: [Command] = []
    var events: [String] = []
    func send(_ message: Message, timestamp: UInt64, flags: FrameFlags) {
        if case .command(let command) = message { commands.append(command) }
    }
    func report(_ event: AppCore.AppEvent) { events.append("\(event.kind) slot \(event.slot): \(event.detail)") }
    func publish(_ telemetry: ModuleTelemetry) {}
    func log(_ line: ModuleLogLine) {}
}
