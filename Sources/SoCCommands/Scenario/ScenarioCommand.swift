import ArgumentParser
import Foundation
import SoCCommandLine
import SoCParameters

/// `splitsoc scenario`: run integration scenarios and replay traces (docs/scenarios.md).
public struct ScenarioCommand: ParsableCommand {
    public static let configuration = CommandConfiguration(
        commandName: "scenario",
        abstract: "Run integration scenarios against both cores, or replay a recorded trace against new firmware.",
        subcommands: [ScenarioRunCommand.self, ScenarioReplayCommand.self]
    )

    public init() {}
}

/// `splitsoc scenario run FILE…`.
public struct ScenarioRunCommand: ParsableCommand {
    public static let configuration = CommandConfiguration(
        commandName: "run",
        abstract: "Run scenario files (firmware-mock/scenarios/*.toml) with both cores as real processes.",
        discussion: """
            Prints PASS or FAIL per scenario; a failure names the expectation, the time, the actual value \
            and where the trace and logs were kept. Exit code 0 when every scenario passed, 1 otherwise.
            """
    )

    @Argument(help: "Scenario files or folders of them.")
    public var files: [String]

    @Option(help: "Write JUnit XML results here (for CI).")
    public var junit: String?

    @Option(help: "Folder for run directories (logs, traces).")
    public var output: String = NSTemporaryDirectory() + "splitsoc-scenarios"

    @Flag(help: "Keep the run directory of passing scenarios too.")
    public var keep = false

    @Flag(help: "Print what the orchestrator does while it does it.")
    public var verbose = false

    public init() {}

    public func run() throws {
        OrchestratorSignals.install()
        var paths: [String] = []
        for file in files {
            var isDirectory: ObjCBool = false
            guard FileManager.default.fileExists(atPath: file, isDirectory: &isDirectory) else {
                throw ValidationError("no such file: \(file)")
            }
            if isDirectory.boolValue {
                let entries = (try? FileManager.default.contentsOfDirectory(atPath: file)) ?? []
                paths += entries.filter { $0.hasSuffix(".toml") }.sorted().map { "\(file)/\($0)" }
            } else {
                paths.append(file)
            }
        }
        // A file that does not parse is a failed result (a JUnit <error>), and the others still run.
        var loaded: [Result<Scenario, ScenarioFileError>] = []
        for path in paths {
            do {
                loaded.append(.success(try Scenario.load(path: path)))
            } catch {
                loaded.append(.failure(error))
            }
        }
        var configuration = ScenarioRunner.Configuration(outputDirectory: URL(fileURLWithPath: output))
        configuration.keepPassingRuns = keep
        if verbose { configuration.progress = { print($0) } }
        let runner = ScenarioRunner(configuration: configuration)
        var results: [ScenarioResult] = []
        for entry in loaded {
            switch entry {
            case .success(let scenario):
                print("RUN  \(scenario.name) (\(scenario.sourcePath ?? "?"))")
                let result = runner.run(scenario)
                print(result.report)
                results.append(result)
            case .failure(let error):
                var scenario = Scenario(name: error.file)
                scenario.sourcePath = error.file
                var result = ScenarioResult(scenario: scenario)
                result.runError = "invalid scenario file: \(error)"
                print(result.report)
                results.append(result)
            }
        }
        let passed = results.filter(\.passed).count
        print("\(passed) passed, \(results.count - passed) failed")
        if let junit {
            try JUnitWriter.xml(for: results).write(toFile: junit, atomically: true, encoding: .utf8)
            print("JUnit XML written to \(junit)")
        }
        if passed != results.count { throw ExitCode(1) }
    }
}

/// `splitsoc scenario replay TRACE --module SLOT=NEW.wasm …`.
public struct ScenarioReplayCommand: ParsableCommand {
    public static let configuration = CommandConfiguration(
        commandName: "replay",
        abstract: "Replay a recorded trace's samples through a pipeline and diff its commands against the recorded ones.",
        discussion: """
            The pipeline is given in order with --module SLOT=PATH.wasm or SLOT=STEM (a module under \
            firmware-mock/modules). Prints the first divergence (command #, tick, recorded vs replayed) and \
            per-target statistics. Exit code 0 when identical, 1 when the commands diverge.
            """
    )

    @Argument(help: "A trace written by splitsoc-rt --trace (a scenario keeps it for failed runs).")
    public var trace: String

    @Option(name: .customLong("module"), help: "SLOT=PATH.wasm or SLOT=STEM, in pipeline order.")
    public var modules: [String] = []

    @Option(parsing: .unconditional, help: "Ticks per grant, \(Parameter.quantum.span) (default: the trace header's quantum; 1 for real-clock traces).")
    public var quantum: Int?

    public init() {}

    public func validate() throws {
        try Parameter.quantum.validate(quantum, flag: "--quantum")
    }

    public func run() throws {
        guard !modules.isEmpty else { throw ValidationError("give the pipeline with --module SLOT=PATH.wasm") }
        guard let text = try? String(contentsOfFile: trace, encoding: .utf8) else {
            throw ValidationError("cannot read trace \(trace)")
        }
        let report = try TraceReplayer.replay(
            traceText: text, modules: try TraceReplayer.loadModules(modules, packageRoot: nil), quantum: quantum)
        print(report.summary)
        if !report.identical { throw ExitCode(1) }
    }
}
