import ArgumentParser
import Foundation

/// `splitsoc trace export`: a run's trace as files other tools open.
package struct TraceCommand: ParsableCommand {
    package static let configuration = CommandConfiguration(
        commandName: "trace",
        abstract: "Work with real-time core traces (docs/trace-format.md).",
        subcommands: [TraceExportCommand.self])

    package init() {}
}

/// `splitsoc trace export TRACE --format chrome|vcd -o FILE`.
package struct TraceExportCommand: ParsableCommand {
    package static let configuration = CommandConfiguration(
        commandName: "export",
        abstract: "Export a trace as Chrome/Perfetto trace JSON or as a VCD waveform.",
        discussion: """
            chrome: both cores and the bridge on one time axis (ui.perfetto.dev, chrome://tracing): \
            supervisor states, actuators, sensors, events, commands in flight, application batches. \
            vcd: supervisor state, actuator outputs, relay, interlocks and commands as waveforms \
            (GTKWave, PulseView), one time unit per tick.
            """)

    enum Format: String, ExpressibleByArgument, CaseIterable {
        case chrome, vcd
    }

    @Argument(help: "The trace file (splitsoc-rt --trace, or rt.trace in a demo or scenario run directory).")
    var trace: String

    @Option(help: "chrome or vcd.")
    var format: Format = .chrome

    @Option(name: [.customShort("o"), .long], help: "Where to write the export.")
    var output: String

    @Option(name: .customLong("sample-every"), help: "Keep one sample per channel every this many ticks (chrome).")
    var sampleEvery: UInt64 = 10

    package init() {}

    package func validate() throws {
        guard sampleEvery >= 1 else { throw ValidationError("--sample-every must be at least 1 tick") }
    }

    package func run() throws {
        guard let data = FileManager.default.contents(atPath: trace) else {
            throw ValidationError("cannot read trace \(trace)")
        }
        let text = String(decoding: data, as: UTF8.self)
        guard text.hasPrefix("# splitsoc-rt trace") else {
            throw ValidationError("\(trace) is not a splitsoc-rt trace (its first line is not '# splitsoc-rt trace v1')")
        }
        let timeline = TraceTimeline.parse(text, sampleEvery: sampleEvery)
        let exported = format == .chrome ? ChromeTraceExport.json(timeline) : VCDExport.vcd(timeline)
        do {
            try exported.write(toFile: output, atomically: true, encoding: .utf8)
        } catch {
            throw ValidationError("cannot write \(output): \(error.localizedDescription)")
        }
        print("trace export \(format.rawValue) \(output) (\(timeline.lastTick + 1) ticks, \(timeline.commands.count) commands)")
    }
}
