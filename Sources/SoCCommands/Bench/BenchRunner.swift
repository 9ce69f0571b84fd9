import FirmwareBuild
import Histogram
import Foundation
import SoCLinkZMQ
import ZeroMQ

#if canImport(Glibc)
import Glibc
#endif

/// Runs an experiment: every enabled section, in a fixed order, baselines in the same run as
/// what they are compared with, progress on stderr, files in the output directory.
final class BenchRunner {
    let definition: ExperimentDefinition
    let output: BenchOutput
    let packageRoot: String
    let quiet: Bool
    private(set) var measurements: [BenchMeasurement] = []
    private(set) var skipped: [String] = []
    var commands: [String] = []
    var machine: MachineConditions
    let socketDirectory: URL
    var endpointCounter = 0
    private var builtModules: [String: String] = [:]
    private let started = BenchClock.now()
    private var stepIndex = 0
    private var stepCount = 0

    init(definition: ExperimentDefinition, outputDirectory: URL, packageRoot: String, quiet: Bool = false) throws {
        self.definition = definition
        self.output = try BenchOutput(directory: outputDirectory)
        self.packageRoot = packageRoot
        self.quiet = quiet
        machine = MachineConditions.current()
        socketDirectory = try PrivateDirectory.create(prefix: "splitsoc-bench-\(getpid())")
    }

    deinit { try? FileManager.default.removeItem(at: socketDirectory) }

    // MARK: Progress

    func log(_ text: String) {
        guard !quiet else { return }
        FileHandle.standardError.write(Data((isatty(2) == 1 ? "\r\u{1B}[K\(text)\n" : "\(text)\n").utf8))
    }

    func beginStep(_ text: String) -> (Double) -> Void {
        stepIndex += 1
        let label = "[\(stepIndex)/\(stepCount)] \(text)"
        let quiet = self.quiet
        // On a terminal the step line updates in place; in a log, one line per step.
        let terminal = isatty(2) == 1
        if !quiet { FileHandle.standardError.write(Data((terminal ? "\r\u{1B}[K\(label)" : "\(label)\n").utf8)) }
        return { fraction in
            guard !quiet, terminal else { return }
            let percent = Int((min(1, max(0, fraction)) * 100).rounded())
            FileHandle.standardError.write(Data("\r\u{1B}[K\(label) \(percent)%".utf8))
        }
    }

    func skip(_ what: String, _ reason: String) {
        skipped.append("\(what): \(reason)")
        log("skipped \(what): \(reason)")
    }

    // MARK: Helpers

    func nextEndpoint(_ transport: String) throws -> String {
        endpointCounter += 1
        if transport == "tcp" { return "tcp://127.0.0.1:\(try CoreLauncher.freeLoopbackPort())" }
        return "ipc://\(socketDirectory.path)/link-\(endpointCounter)"
    }

    /// Builds (or finds in the cache) a module and returns its .wasm path.
    func modulePath(_ stem: String) throws -> String {
        if let path = builtModules[stem] { return path }
        let builder = FirmwareBuilder(packageRoot: packageRoot)
        do {
            let built = try builder.build(stem: stem)
            builtModules[stem] = built.path
            return built.path
        } catch {
            throw BenchError.setupFailed("\(error)")
        }
    }

    func moduleSource(_ stem: String) -> String? {
        let directory = URL(fileURLWithPath: packageRoot).appendingPathComponent("firmware-mock/modules")
        guard let manifest = try? FirmwareBuilder.describe(
            manifestPath: directory.appendingPathComponent("\(stem)/\(stem).manifest").path)
        else { return nil }
        return manifest.sourcePath
    }

    func record(
        kind: String, id: String, parameters: [String: String], distribution: LatencyDistribution? = nil,
        values: [String: Double] = [:], note: String? = nil
    ) {
        var measurement = BenchMeasurement(
            kind: kind, id: id, parameters: parameters, latency: nil, coordinatedOmissionCorrected: nil,
            values: values, hgrmFile: nil, note: note)
        if let distribution, !distribution.isEmpty {
            measurement.latency = distribution.summary
            measurement.coordinatedOmissionCorrected = distribution.expectedIntervalNanoseconds != nil
            measurement.hgrmFile = output.writeHistogram(distribution, id: id)
            if distribution.measuredCount != distribution.histogram.totalCount {
                measurement.values["measured_count"] = Double(distribution.measuredCount)
            }
        }
        measurements.append(measurement)
        if !quiet, let l = measurement.latency {
            log(String(format: "%@ p50=%.1fµs p99=%.1fµs max=%.1fµs n=%llu", id, l.p50, l.p99, l.max, l.count))
        } else if !quiet {
            log("\(id) " + values.sorted { $0.key < $1.key }.map { "\($0.key)=\($0.value)" }.joined(separator: " "))
        }
    }

    func spawnSelf(name: String, arguments: [String]) throws -> ChildProcess {
        let child = ChildProcess(
            name: name, executable: Executables.url("splitsoc"), arguments: ["bench"] + arguments,
            logDirectory: output.directory.appendingPathComponent("logs"))
        try child.start()
        return child
    }

    func spawnApp(link: String, modules: [(String, String)], control: String?, name: String) throws -> ChildProcess {
        var arguments = ["--link", link]
        for (slot, path) in modules { arguments += ["--module", "\(slot)=\(path)"] }
        if let control { arguments += ["--control", control] }
        let child = ChildProcess(
            name: name, executable: Executables.url("splitsoc-app"), arguments: arguments,
            logDirectory: output.directory.appendingPathComponent("logs"))
        try child.start()
        return child
    }

    var appAvailable: Bool { FileManager.default.isExecutableFile(atPath: Executables.url("splitsoc-app").path) }
    var rtAvailable: Bool { FileManager.default.isExecutableFile(atPath: Executables.url("splitsoc-rt").path) }

    // MARK: Run

    /// Runs every enabled section and writes the files.
    func run() throws -> BenchResults {
        OrchestratorSignals.install()
        log("splitsoc bench: experiment '\(definition.name)' → \(output.directory.path)")
        log(machine.keyValueLine)
        stepCount = plannedSteps()
        if definition.bridge?.enabled ?? true { runBridge() }
        if definition.throughput?.enabled ?? true { runThroughput() }
        if definition.wasm?.enabled ?? true { runWasm() }
        if definition.rtLoop?.enabled ?? true { runRTLoop() }
        if definition.control?.enabled ?? true { runControl() }
        machine.loadAverageAtEnd = MachineConditions.loadAverage()
        let results = BenchResults(
            experiment: definition, machine: machine, durationSeconds: Double(BenchClock.now() - started) / 1e9,
            measurements: measurements, comparisons: BenchComparisons.evaluate(measurements), skipped: skipped,
            commands: commands)
        try output.write(results)
        try Data(BenchReport(results: results, directory: output.directory).render().utf8).write(to: output.directory.appendingPathComponent("report.html"))
        return results
    }

    func plannedSteps() -> Int {
        var steps = 0
        let transports = definition.resolvedTransports.count
        if definition.bridge?.enabled ?? true {
            let b = definition.bridge
            steps += transports * (b?.samplesPerGrant ?? [1]).count * (1 + (b?.modules ?? Self.defaultModules).count)
            if (b?.realClockSeconds ?? 3) > 0 { steps += transports }
        }
        if definition.throughput?.enabled ?? true { steps += transports * 2 }
        if definition.wasm?.enabled ?? true {
            steps += (definition.wasm?.modules ?? Self.defaultModules).count * (definition.wasm?.batchSizes ?? [10]).count
        }
        if definition.rtLoop?.enabled ?? true {
            let r = definition.rtLoop
            steps += (r?.ratesHz ?? [1000]).count * (r?.loads ?? ["idle", "busy"]).count * ((r?.cyclictest ?? true) ? 3 : 2)
        }
        if definition.control?.enabled ?? true {
            let c = definition.control
            steps += (c?.quanta ?? [1, 10, 50]).count * (c?.boards?.count ?? 1)
        }
        return steps
    }

    static let defaultModules = ["passthrough", "calibrate-filter", "thermostat", "anomaly"]
}
