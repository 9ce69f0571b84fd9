import Foundation
import SoCTesting
import Testing

@testable import SoCCommands

/// `splitsoc bench`: a tiny experiment end to end (files exist and parse; no latency thresholds,
/// timing is for the benchmark itself), and the pure pieces it is built from.
@Suite("splitsoc bench")
struct BenchTests {
    static let packageRoot: String = {
        // <repo>/Tests/IntegrationTests/BenchTests.swift -> <repo>
        URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent().path
    }()

    static let tinyExperiment = """
        {
          "name": "tiny",
          "description": "A few seconds: every section once, small sizes.",
          "transports": ["ipc"],
          "bridge": {"modules": ["passthrough"], "samplesPerGrant": [1], "rateHz": 2000, "durationSeconds": 0.3, "warmup": 20},
          "rtLoop": {"ratesHz": [1000], "loads": ["idle"], "durationSeconds": 1, "priority": 0},
          "wasm": {"modules": ["passthrough", "thermostat"], "batchSizes": [10], "iterations": 200},
          "throughput": {"durationSeconds": 0.3, "samplesPerGrant": 50, "grantWindow": 4},
          "control": {"quanta": [10], "ticks": 1500}
        }
        """

    @Test("a tiny experiment writes results.json, results.csv, .hgrm files and report.html that parse")
    func tinyExperimentWritesParsableFiles() throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("bench-test-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: directory) }
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        let experiment = directory.appendingPathComponent("tiny.json")
        try Data(Self.tinyExperiment.utf8).write(to: experiment)
        let output = directory.appendingPathComponent("out")

        let stdout = try withProcessHarness(hardTimeout: .seconds(120)) { harness in
            let bench = try harness.spawn(
                "splitsoc",
                ["bench", "--experiment", experiment.path, "--output", output.path, "--package-root", Self.packageRoot, "--quiet"])
            let status = try bench.waitForExit(timeout: .seconds(110))
            #expect(status == 0, "\(bench.report())")
            return bench.stdout
        }
        #expect(stdout.contains("libzmq="))

        let json = try #require(FileManager.default.contents(atPath: output.appendingPathComponent("results.json").path))
        let results = try JSONDecoder().decode(BenchResults.self, from: json)
        #expect(results.experiment.name == "tiny")
        #expect(!results.machine.libzmqVersion.isEmpty)
        let ids = Set(results.measurements.map(\.id))
        // `swift test` builds splitsoc-rt and splitsoc-app beside the test bundle, so every part runs
        // here: a part that was only "skipped" would hide a broken measurement.
        for expected in [
            "raw-zmq-rtt/ipc/s1", "throughput/ipc/raw-zmq", "wasm-batch/bare-wasmkit/thermostat/b10",
            "rt-lateness/bench-loop/1000hz/idle", "bridge-rtt/ipc/passthrough/s1", "control/thermo-adc/q10",
            "throughput/ipc/bridge-passthrough",
        ] {
            #expect(ids.contains(expected), "\(expected) not measured; skipped: \(results.skipped)")
        }
        let raw = try #require(results.measurements.first { $0.id == "raw-zmq-rtt/ipc/s1" })
        let latency = try #require(raw.latency)
        #expect(latency.count > 0)
        #expect(latency.p50 <= latency.p99 && latency.p99 <= latency.max)
        #expect(raw.coordinatedOmissionCorrected == true)

        let csv = try String(contentsOf: output.appendingPathComponent("results.csv"), encoding: .utf8)
        let rows = csv.split(separator: "\n")
        #expect(rows.first?.hasPrefix("kind,id,parameters,count,p50_us") == true)
        #expect(rows.count == results.measurements.count + 1)
        let comparisons = try String(contentsOf: output.appendingPathComponent("comparisons.csv"), encoding: .utf8)
        #expect(comparisons.hasPrefix("target,measured,baseline,ratio,limit,verdict"))

        let hgrm = try #require(raw.hgrmFile)
        let curve = HgrmCurve.parse(try String(contentsOf: output.appendingPathComponent(hgrm), encoding: .utf8))
        #expect(!curve.isEmpty)
        #expect(curve.last?.percentile == 1.0)

        let html = try String(contentsOf: output.appendingPathComponent("report.html"), encoding: .utf8)
        #expect(html.contains("<svg"))
        #expect(html.contains("Targets"))

        // `bench report DIR` renders the page again from results.json alone.
        try FileManager.default.removeItem(at: output.appendingPathComponent("report.html"))
        try withProcessHarness { harness in
            let report = try harness.spawn("splitsoc", ["bench", "report", output.path])
            #expect(try report.waitForExit(timeout: .seconds(30)) == 0, "\(report.report())")
        }
        #expect(FileManager.default.fileExists(atPath: output.appendingPathComponent("report.html").path))
    }

    @Test("an experiment file with an unknown key is refused with the key's name")
    func unknownKeyIsRefused() throws {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("bad-\(UUID().uuidString).json").path
        defer { try? FileManager.default.removeItem(atPath: path) }
        try Data(#"{"name": "x", "bridge": {"rateHz": 10, "sampels": [1]}}"#.utf8).write(to: URL(fileURLWithPath: path))
        #expect {
            try ExperimentDefinition.load(path: path)
        } throws: { error in
            "\(error)".contains("bridge.sampels")
        }
    }

    @Test("a typo in an experiment file names its line and the closest key; bad JSON says where")
    func typoNamesLineAndSuggestion() throws {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("typo-\(UUID().uuidString).json").path
        defer { try? FileManager.default.removeItem(atPath: path) }
        try Data("{\n  \"name\": \"x\",\n  \"bridge\": {\n    \"rateHz\": 10,\n    \"durationSecond\": 1\n  }\n}\n".utf8)
            .write(to: URL(fileURLWithPath: path))
        #expect {
            try ExperimentDefinition.load(path: path)
        } throws: { error in
            "\(error)".contains(":5: unknown key 'bridge.durationSecond' (did you mean durationSeconds?)")
        }
        try Data("{\n  \"name\": \"x\",\n  \"bridge\": tru\n}\n".utf8).write(to: URL(fileURLWithPath: path))
        #expect {
            try ExperimentDefinition.load(path: path)
        } throws: { error in
            "\(error)".contains(".json:3:") && "\(error)".contains("not valid JSON")
        }
    }

    @Test("splitsoc bench outside the checkout refuses to start instead of measuring nothing")
    func benchOutsideCheckoutFails() throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("no-checkout-\(getpid())")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        let bench = ChildProcess(
            name: "bench-outside", executable: Executables.url("splitsoc"),
            arguments: ["bench", "--package-root", directory.path, "--quiet"], logDirectory: directory)
        try bench.start()
        #expect(bench.waitForExit(timeout: .seconds(30)) == 64)
        #expect(bench.stderrText().contains("needs the SplitSoC checkout"))
    }

    @Test("the default experiment file loads and names every section")
    func defaultExperimentLoads() throws {
        let definition = try ExperimentDefinition.load(path: Self.packageRoot + "/firmware-mock/experiments/default.json")
        #expect(definition.name == "default")
        #expect(definition.resolvedTransports == ["ipc", "tcp"])
        #expect(definition.bridge?.modules?.contains("passthrough") == true)
        #expect(definition.control?.quanta?.isEmpty == false)
    }

    @Test("a fixed-rate sender's stall is back-filled (coordinated-omission correction)")
    func coordinatedOmissionBackFills() {
        var corrected = LatencyDistribution(expectedIntervalNanoseconds: 1_000_000)
        var plain = LatencyDistribution()
        for _ in 0..<99 {
            corrected.record(100_000)
            plain.record(100_000)
        }
        corrected.record(10_000_000)  // one 10 ms stall at a 1 ms period hides 9 sends
        plain.record(10_000_000)
        #expect(plain.recordedCount == 100)
        #expect(corrected.recordedCount == 109)
        #expect(corrected.measuredCount == 100)
        #expect(corrected.summary.p99 > plain.summary.p99)
    }

    @Test("cyclictest's histogram output becomes a distribution, overflows at its maximum")
    func cyclictestOutputParses() throws {
        let output = """
            000010 000005
            000011 000090
            000012 000004
            # Total: 000000100
            # Min Latencies: 00010
            # Max Latencies: 00250
            # Histogram Overflows: 00001
            """
        let distribution = try RTLoopBench.parseCyclictestOutput(output).get()
        #expect(distribution.recordedCount == 100)
        // HdrHistogram keeps 3 significant digits: 11 µs reads back as 11.0…11.01.
        #expect(distribution.summary.p50 >= 11 && distribution.summary.p50 <= 11.02)
        #expect(distribution.summary.max >= 249.9 && distribution.summary.max <= 250.2)
    }

    @Test("control metrics of a step response: overshoot, settling time and IAE from a trace")
    func controlQualityFromTrace() throws {
        // 10 Hz ticks; setpoint 30 °C from 20 °C; temperature rises 2 °C/tick to 32, then back to 30.
        var lines = ["# splitsoc-rt trace v1", "# board=test clock=virtual seed=1 tick_hz=10 quantum=1"]
        let temperatures = [20_000, 22_000, 24_000, 26_000, 28_000, 30_000, 32_000, 31_000, 30_000, 30_000, 30_000]
        for (tick, value) in temperatures.enumerated() {
            lines.append("\(tick) sample ch=0 status=ok value=\(value)")
            lines.append("\(tick) sample ch=1 status=ok value=30000")
            lines.append("\(tick) cmd-accept target=1 value=500 clamped=0")
        }
        let quality = try #require(ControlQuality.compute(trace: lines.joined(separator: "\n"), tickSeconds: 1, bandMilliC: 500))
        #expect(quality.overshootPercent == 20)
        // Last outside the ±0.5 °C band at tick 7 (31 °C): settled from tick 8, 0.8 s after tick 0.
        #expect(quality.settlingSeconds == 0.8)
        // Σ|e|·dt = (10+8+6+4+2+0+2+1+0+0+0) °C × 0.1 s.
        #expect(quality.integratedAbsoluteError == 3.3)
        #expect(quality.commandsAccepted == 11)
        #expect(quality.meanCommandIntervalTicks == 1)
    }
}
