import ArgumentParser
import FirmwareBuild
import Foundation
import SoCCommandLine
import SoCParameters

/// `splitsoc bench`: latency and throughput experiments with same-run baselines.
public struct BenchCommand: ParsableCommand {
    public static let configuration = CommandConfiguration(
        commandName: "bench",
        abstract: "Measure the bridge, the real-time loop and the Wasm host against same-run baselines.",
        discussion: """
            Runs an experiment file (default: firmware-mock/experiments/default.json) and writes results.json, \
            results.csv, comparisons.csv, one .hgrm percentile distribution per latency measurement and \
            report.html into the output directory. Targets are printed as ratio + PASS/MISS. \
            See docs/performance.md.
            """,
        subcommands: [BenchRunCommand.self, BenchReportCommand.self, BenchPeerCommand.self, BenchBurnCommand.self],
        defaultSubcommand: BenchRunCommand.self)

    public init() {}
}

/// `splitsoc bench run`: the default subcommand.
struct BenchRunCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "run", abstract: "Run an experiment file and write its results and report.")

    @Option(name: .shortAndLong, help: "The experiment definition (JSON).")
    var experiment: String?

    @Option(name: .shortAndLong, help: "Output directory (default: bench-results/<experiment>-<time>).")
    var output: String?

    @Option(help: "The SplitSoC checkout holding firmware-mock/ (default: found from the current directory).")
    var packageRoot: String?

    @Flag(help: "No progress output.")
    var quiet = false

    func run() throws {
        let cwd = FileManager.default.currentDirectoryPath
        guard let root = packageRoot ?? FirmwareBuilder.packageRoot(containing: cwd + "/."),
            FileManager.default.fileExists(atPath: root + "/firmware-mock/modules")
        else {
            // Outside the checkout there are no modules to build: measuring would be mostly skips.
            throw ValidationError(
                "splitsoc bench needs the SplitSoC checkout (its firmware-mock/ modules and experiments): "
                    + "run it from the checkout or pass --package-root DIR")
        }
        let path = experiment ?? URL(fileURLWithPath: root).appendingPathComponent("firmware-mock/experiments/default.json").path
        let definition: ExperimentDefinition
        do {
            definition = try ExperimentDefinition.load(path: path)
        } catch {
            throw ValidationError("\(error)")
        }
        let stamp = ISO8601DateFormatter().string(from: Date()).replacingOccurrences(of: ":", with: "")
        let directory = URL(fileURLWithPath: output ?? "bench-results/\(definition.name)-\(stamp)")
        let runner = try BenchRunner(definition: definition, outputDirectory: directory, packageRoot: root, quiet: quiet)
        let results: BenchResults
        do {
            results = try runner.run()
        } catch {
            FileHandle.standardError.write(Data("splitsoc bench: \(error)\n".utf8))
            throw ExitCode.failure
        }
        print(BenchSummaryPrinter.text(results))
        print("wrote \(directory.path)/{results.json,results.csv,comparisons.csv,report.html} and *.hgrm")
        if results.measurements.isEmpty {
            FileHandle.standardError.write(Data("splitsoc bench: nothing could be measured (see 'not measured' above)\n".utf8))
            throw ExitCode.failure
        }
    }
}

/// `splitsoc bench report DIR`: renders report.html again from a run's results.json.
struct BenchReportCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "report", abstract: "Render report.html from a bench output directory's results.json.")

    @Argument(help: "A directory written by `splitsoc bench`.")
    var directory: String

    func run() throws {
        let url = URL(fileURLWithPath: directory)
        let resultsURL = url.appendingPathComponent("results.json")
        guard let data = FileManager.default.contents(atPath: resultsURL.path) else {
            throw ValidationError("no results.json in \(directory)")
        }
        let results: BenchResults
        do {
            results = try JSONDecoder().decode(BenchResults.self, from: data)
        } catch {
            throw ValidationError("\(resultsURL.path) is not a bench results file: \(error)")
        }
        let html = url.appendingPathComponent("report.html")
        try Data(BenchReport(results: results, directory: url).render().utf8).write(to: html)
        print("wrote \(html.path)")
    }
}

/// `splitsoc bench peer`: the raw libzmq peer the benchmark spawns (internal).
struct BenchPeerCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "peer", abstract: "Raw libzmq echo/sink peer (started by splitsoc bench).", shouldDisplay: false)

    @Option var endpoint: String
    @Option var mode: String = "echo"
    @Option(parsing: .unconditional) var batch: Int = 1
    @Option(parsing: .unconditional) var replySize: Int = 32

    func validate() throws {
        guard ["echo", "sink"].contains(mode) else { throw ValidationError("--mode is echo or sink") }
        try Parameter.peerBatch.validate(batch, flag: "--batch")
        try Parameter.messageSize.validate(replySize, flag: "--reply-size")
    }

    func run() throws {
        try RawZMQBench.runPeer(endpoint: endpoint, mode: mode, batch: batch, replySize: replySize)
    }
}

/// `splitsoc bench burn`: keeps one CPU busy with application-core work (a Wasm module's batches
/// on WasmKit) until terminated: the "application core busy" load (internal).
struct BenchBurnCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "burn", abstract: "Application-core-like CPU load (started by splitsoc bench).", shouldDisplay: false)

    @Option var module: String
    @Option(parsing: .unconditional) var batch: Int = 100

    func validate() throws {
        try Parameter.benchSamples.validate(batch, flag: "--batch")
    }

    func run() throws {
        let bytes = try [UInt8](Data(contentsOf: URL(fileURLWithPath: module)))
        let host = try BareWasmHost(bytes: bytes)
        host.setLatest(WasmBatchBench.setpoint)
        let batches = (0..<16).map { WasmBatchBench.batch(size: batch, round: $0) }
        var i = 0
        while true {
            host.load(batches[i % batches.count])
            try host.runBatch()
            i += 1
            if i % 4096 == 0 && getppid() == 1 { return }
        }
    }
}

/// The console summary: the machine line, then one line per target.
enum BenchSummaryPrinter {
    static func text(_ results: BenchResults) -> String {
        var lines = ["", results.machine.keyValueLine, "experiment=\(results.experiment.name) duration_s=\(String(format: "%.1f", results.durationSeconds))"]
        for c in results.comparisons {
            let ratio = c.ratio.map { String(format: "%.3f", $0) } ?? "n/a"
            lines.append("\(c.verdict.padding(toLength: 4, withPad: " ", startingAt: 0)) ratio=\(ratio) limit=\(c.limit)  \(c.target)")
            lines.append("       measured: \(c.measured) | baseline: \(c.baseline)")
        }
        if !results.skipped.isEmpty {
            lines.append("not measured:")
            lines += results.skipped.map { "  - \($0)" }
        }
        return lines.joined(separator: "\n")
    }
}
