import ArgumentParser
import FirmwareBuild
import Foundation
import RTCore
import SoCCommandLine
import SoCParameters

#if canImport(Glibc)
import Glibc
#endif

/// `splitsoc demo`: both cores as separate processes, a story in five phases, a live view and a report.
struct DemoCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "demo",
        abstract: "Run the thermostat on both cores and tell the story: regulation, hot swap, a module fault, a crash.",
        discussion: """
            Starts splitsoc-rt and splitsoc-app as two OS processes linked over ZeroMQ, then:
              1. normal regulation (thermostat 1.0 as a Wasm module),
              2. a hot swap of the regulator to thermostat 1.1,
              3. a module that traps, rolled back by the application core,
              4. the application core killed (SIGKILL): the real-time core goes fail-safe,
              5. the application core restarted: the link resynchronises.

            A live view runs in the terminal (plain lines when stdout is not a terminal). \
            At the end a summary is printed and summary.json, report.html, the rt trace \
            and both logs are written to --out. The exit code is 0 when every check of \
            the story passed, 1 otherwise.
            """
    )

    @Option(help: "The board: thermo-adc, thermo-i2c, motor-1k (a speed loop: its own setpoint, the motor-speed module), or a board .toml file.")
    var board = "thermo-adc"

    @Option(parsing: .unconditional, help: "How long the story runs (\(Parameter.demoDuration.span)).")
    var duration = 20.0

    @Option(help: "The link's transport: ipc or tcp.")
    var transport = "ipc"

    @Option(help: "Where the report goes (default: splitsoc-out/demo-<timestamp>/).")
    var out: String?

    @Option(parsing: .unconditional, help: "The operator setpoint in °C, within the board file's [limits] setpoint_min_mC...setpoint_max_mC (the plant starts at the board's ambient, 20 °C on the thermo boards).")
    var setpoint = 30.0

    @Option(parsing: .unconditional, help: "Seed of the real-time core's noise.")
    var seed: UInt64 = 1

    @Flag(inversion: .prefixedNo, help: "Tell the story (swap, fault, kill, restart). --no-story only regulates, so you can swap in your own module with `splitsoc app swap`.")
    var story = true

    @Flag(help: "Print plain lines even on a terminal (no redraw, no colour).")
    var plain = false

    @Flag(help: "Authenticate the link with CURVE: fresh keys for both cores under --out/keys (docs/threat-model.md).")
    var curve = false

    func validate() throws {
        try Parameter.demoDuration.validate(duration, flag: "--duration")
        guard LinkTransportKind(rawValue: transport) != nil else {
            throw ValidationError("--transport must be ipc or tcp, not '\(transport)'")
        }
        // Without a checkout there is no board file to read; run() says what is missing.
        guard let root = DemoFirmware.packageRoot() else { return }
        // Any shipped board or board file: the parser's refusal names the file and line.
        guard try !Self.isMotorBoard(board, packageRoot: root) else { return }
        try Self.setpointRange(board: board, packageRoot: root).validate(setpoint, flag: "--setpoint")
    }

    /// Whether `board` drives a motor (its setpoint is a speed, not the demo's °C).
    static func isMotorBoard(_ board: String, packageRoot: String) throws(ValidationError) -> Bool {
        do {
            return try BoardFile.load(board, packageRoot: packageRoot).plant == .motor
        } catch {
            throw ValidationError("bad --board: \(error)")
        }
    }

    /// The board's operator setpoints (`splitsoc-rt --setpoint` checks the same) in °C, the unit
    /// of the demo's `--setpoint`.
    static func setpointRange(board: String, packageRoot: String) throws(ValidationError) -> ParameterRange<Double> {
        let range: ParameterRange<Int>
        do {
            range = try BoardFile.load(board, packageRoot: packageRoot).operatorSetpointRange
        } catch {
            throw ValidationError("bad --board: \(error)")
        }
        let celsius = Double(range.bounds.lowerBound) / 1000...Double(range.bounds.upperBound) / 1000
        return ParameterRange(range.what, celsius, "°C", origin: range.origin)
    }

    func run() throws {
        OrchestratorSignals.install(graceful: true)
        let terminal = isatty(STDOUT_FILENO) != 0 && !plain
        let colour = terminal && ProcessInfo.processInfo.environment["NO_COLOR"] == nil

        guard let root = DemoFirmware.packageRoot() else {
            throw ValidationError("cannot find the SplitSoC checkout (firmware-mock/); run from inside it")
        }
        emit("Building the Wasm modules (the filter, and the regulator 1.0, 1.1 and faulty)…")
        let firmware: DemoFirmware
        do {
            firmware = try DemoFirmware.build(packageRoot: root, motor: try Self.isMotorBoard(board, packageRoot: root))
        } catch {
            printError("splitsoc demo: \(error)")
            throw ExitCode(65)
        }

        let directory = out.map { URL(fileURLWithPath: $0) } ?? Self.defaultOutputDirectory()
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        var configuration = DemoRunner.Configuration(
            outputDirectory: directory, firmware: firmware, interactive: terminal, colour: colour)
        configuration.board = board
        configuration.duration = duration
        configuration.transport = LinkTransportKind(rawValue: transport) ?? .ipc
        configuration.seed = seed
        configuration.story = story
        configuration.curve = curve
        configuration.setpointMilliC = Int((setpoint * 1000).rounded())

        let outcome: DemoRunner.Outcome
        do {
            outcome = try DemoRunner(configuration: configuration).run()
        } catch {
            printError("splitsoc demo: \(error)\nlogs: \(directory.path)")
            throw ExitCode(1)
        }
        emit(DemoSummaryText.render(outcome.summary, directory: directory.path, colour: colour))
        if let code = OrchestratorSignals.interruptedExitCode { throw ExitCode(code) }
        if !outcome.summary.passed { throw ExitCode(1) }
    }

    /// `splitsoc-out/PREFIX-YYYYMMDD-HHMMSS` under the current directory.
    static func defaultOutputDirectory(prefix: String = "demo") -> URL {
        let formatter = DateFormatter()
        formatter.locale = Locale(identifier: "en_US_POSIX")
        formatter.timeZone = TimeZone(identifier: "UTC")
        formatter.dateFormat = "yyyyMMdd-HHmmss"
        return URL(fileURLWithPath: "splitsoc-out/\(prefix)-\(formatter.string(from: Date()))")
    }

    /// Writes a line unbuffered, in order with the runner's own output.
    func emit(_ line: String) { FileHandle.standardOutput.write(Data((line + "\n").utf8)) }

    func printError(_ text: String) {
        FileHandle.standardError.write(Data((text + "\n").utf8))
    }
}

/// The end-of-run summary printed on stdout.
package enum DemoSummaryText {
    /// The summary as a few readable lines.
    package static func render(_ s: DemoSummary, directory: String, colour: Bool) -> String {
        func paint(_ text: String, _ code: String) -> String { colour ? "\u{1B}[\(code)m\(text)\u{1B}[0m" : text }
        var lines: [String] = []
        lines.append("")
        lines.append(paint("SplitSoC demo: summary", "1") + String(format: " (%@ over %@://, %.1f s)", s.board,
                                                                   s.transport, s.durationS))
        if let p50 = s.rtt.runP50Us, let p99 = s.rtt.runP99Us, let count = s.rtt.runCount {
            lines.append("  bridge round trip  p50 \(p50) µs, p99 \(p99) µs, max \(s.rtt.runMaxUs ?? 0) µs "
                + "(\(count) commands, measured by the real-time core)")
        } else {
            lines.append("  bridge round trip  p50 \(s.rtt.p50Us) µs, p99 \(s.rtt.p99Us) µs (median of \(s.rtt.windows) "
                + "1 s windows), worst window p99 \(s.rtt.worstP99Us) µs")
        }
        lines.append("  modules            \(s.swaps) hot swap(s), \(s.traps) trap(s), \(s.rollbacks) automatic rollback(s)")
        let atStop = s.failsafeEntriesAtStop.map {
            " (+\($0) at the clean stop, after the application core's Goodbye: rt-summary.json counts it)"
        } ?? ""
        lines.append("  safety             \(s.failsafeEntries) fail-safe entr\(s.failsafeEntries == 1 ? "y" : "ies")\(atStop), "
            + "\(s.resyncs) resynchronisation(s)")
        let reached = s.temperatureError.reachedSetpointAtS.map { String(format: "%.1f s", $0) } ?? "never"
        lines.append("  temperature error  setpoint reached at \(reached); since then " + String(format: "mean |e| %.2f °C, max |e| %.2f °C, final %+.2f °C",
                            Double(s.temperatureError.meanAbsMilliC) / 1000,
                            Double(s.temperatureError.maxAbsMilliC) / 1000,
                            Double(s.temperatureError.finalMilliC) / 1000))
        lines.append("  frames             rt rx \(s.rtCounters["rx_frames"] ?? 0), tx \(s.rtCounters["tx_frames"] ?? 0), "
            + "lost \(s.rtCounters["frames_lost"] ?? 0), rejected \(s.rtCounters["rx_rejected"] ?? 0)")
        lines.append("  checks")
        for check in s.checks {
            lines.append("    " + (check.passed ? paint("✔", "32") : paint("✘", "1;31")) + " \(check.name): \(check.detail)")
        }
        lines.append(s.passed ? paint("  All \(s.checks.count) checks passed.", "1;32")
                     : paint("  \(s.checks.filter { !$0.passed }.count) of \(s.checks.count) checks failed.", "1;31"))
        lines.append("  report   \(directory)/report.html")
        lines.append("  summary  \(directory)/summary.json")
        lines.append("  logs     \(directory)/{rt,app}.{stdout,stderr}.log, trace \(directory)/rt.trace")
        return lines.joined(separator: "\n")
    }
}
