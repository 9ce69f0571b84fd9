import FirmwareBuild
import Foundation

#if canImport(Glibc)
import Glibc
#endif

extension BenchRunner {
    /// Wasm execution time per batch and fuel: bare WasmKit, native C, and the application
    /// core's host when its in-process API is available.
    func runWasm() {
        let section = definition.wasm
        let iterations = section?.iterations ?? 5000
        let sdk = URL(fileURLWithPath: packageRoot).appendingPathComponent("firmware-mock/sdk").path
        for module in section?.modules ?? Self.defaultModules {
            for size in section?.batchSizes ?? [10] {
                let progress = beginStep("wasm batch \(module), \(size) sample(s)")
                let parameters = ["module": module, "batch": String(size), "iterations": String(iterations)]
                do {
                    let bytes = try [UInt8](Data(contentsOf: URL(fileURLWithPath: try modulePath(module))))
                    let bare = try WasmBatchBench.measureBare(bytes: bytes, batchSize: size, iterations: iterations)
                    progress(0.4)
                    record(
                        kind: "wasm-batch", id: "wasm-batch/bare-wasmkit/\(module)/b\(size)",
                        parameters: parameters.merging(["host": "bare-wasmkit"]) { $1 }, distribution: bare.distribution,
                        values: [
                            "p50_ns": bare.p50Nanoseconds, "mean_ns": bare.meanNanoseconds.rounded(),
                            "fuel_per_batch": bare.fuelPerBatch,
                        ])
                    switch AppCoreBatchBench.measure(bytes: bytes, batchSize: size, iterations: iterations) {
                    case .success(let app):
                        record(
                            kind: "wasm-batch", id: "wasm-batch/app-core/\(module)/b\(size)",
                            parameters: parameters.merging(["host": "app-core"]) { $1 },
                            values: [
                                "p50_ns": app.p50Nanoseconds, "min_ns": app.minimumNanoseconds,
                                // Fuel counts guest operators only: the same module on the same batch
                                // uses the same fuel in either host.
                                "fuel_per_batch": bare.fuelPerBatch,
                            ],
                            note: "AppCore ModuleBenchmark.batch: p50 and minimum only")
                    case .failure(let reason):
                        skip("wasm-batch/app-core/\(module)/b\(size)", reason.description)
                    }
                    progress(0.8)
                } catch {
                    skip("wasm-batch/\(module)/b\(size)", "\(error)")
                }
                guard let source = moduleSource(module), source.hasSuffix(".c") else {
                    if size == (section?.batchSizes ?? [10]).first {
                        skip("wasm-batch/native/\(module)", "the module has no C source (WAT only)")
                    }
                    continue
                }
                switch WasmBatchBench.measureNative(
                    cSource: source, sdkDirectory: sdk, batchSize: size, iterations: iterations,
                    workDirectory: output.directory.appendingPathComponent("native"))
                {
                case .success(let native):
                    if !commands.contains(native.command) { commands.append(native.command) }
                    record(
                        kind: "wasm-batch", id: "wasm-batch/native-c/\(module)/b\(size)",
                        parameters: parameters.merging(["host": "native-c"]) { $1 },
                        values: [
                            "mean_ns": native.meanNanoseconds.rounded(), "p50_ns": native.p50Nanoseconds,
                            "p99_ns": native.p99Nanoseconds,
                        ])
                case .failure(let error):
                    skip("wasm-batch/native-c/\(module)/b\(size)", error.description)
                }
            }
        }
    }

    /// Loop wake-up lateness vs cyclictest, idle and with an application-core-like load.
    func runRTLoop() {
        let section = definition.rtLoop
        let duration = section?.durationSeconds ?? 5
        let priority = section?.priority ?? 80
        let cpu = section?.cpu
        let useCyclictest = section?.cyclictest ?? true
        var cyclictest: String?
        if useCyclictest {
            switch RTLoopBench.locateCyclictest(allowInstall: true) {
            case .success(let path): cyclictest = path
            case .failure(let error): skip("cyclictest", error.description)
            }
        }
        let rtBoard = section?.board ?? "thermo-adc"
        let rtBoardHz = rtAvailable ? boardTickHz(rtBoard) : nil
        if !rtAvailable { skip("rt-lateness/splitsoc-rt", "splitsoc-rt is not built") }
        for rate in section?.ratesHz ?? [1000] {
            if let rtBoardHz, Int(rate) != rtBoardHz {
                skip("rt-lateness/splitsoc-rt/\(Int(rate))hz", "board \(rtBoard) ticks at \(rtBoardHz) Hz")
            }
            for load in section?.loads ?? ["idle", "busy"] {
                var burner: ChildProcess?
                if load == "busy" {
                    do {
                        burner = try spawnSelf(
                            name: "burn-\(Int(rate))", arguments: ["burn", "--module", try modulePath("anomaly")])
                        Thread.sleep(forTimeInterval: 0.3)
                    } catch {
                        skip("rt-lateness load busy", "cannot start the load: \(error)")
                        continue
                    }
                }
                defer { burner?.terminate() }
                let parameters = [
                    "rate_hz": String(rate), "load": load, "priority": String(priority),
                    "cpu": cpu.map(String.init) ?? "any", "duration_s": String(duration),
                ]
                let progress = beginStep("rt loop lateness \(Int(rate)) Hz, \(load)")
                progress(0)
                let (loop, setup) = RTLoopBench.measureLoop(rateHz: rate, duration: duration, priority: priority, cpu: cpu)
                record(
                    kind: "rt-lateness", id: "rt-lateness/bench-loop/\(Int(rate))hz/\(load)",
                    parameters: parameters.merging(["source": "bench-loop"]) { $1 }, distribution: loop,
                    note: "scheduling: \(setup.fifo); affinity: \(setup.pinned); timer slack: \(setup.timerSlack)")
                if let boardHz = rtBoardHz, Int(rate) == boardHz {
                    measureRTCoreLoop(
                        board: rtBoard, rate: Int(rate), load: load, duration: duration, priority: priority, cpu: cpu,
                        parameters: parameters)
                }
                guard let cyclictest else { continue }
                let ctProgress = beginStep("cyclictest \(Int(rate)) Hz, \(load)")
                ctProgress(0)
                let arguments = RTLoopBench.cyclictestArguments(
                    rateHz: rate, duration: duration, priority: priority, cpu: cpu, histogramMicroseconds: 20_000)
                let command = ([cyclictest] + arguments).joined(separator: " ")
                if !commands.contains(command) { commands.append(command) }
                switch RTLoopBench.runCyclictest(path: cyclictest, arguments: arguments) {
                case .success(let distribution):
                    record(
                        kind: "cyclictest", id: "rt-lateness/cyclictest/\(Int(rate))hz/\(load)",
                        parameters: parameters.merging(["source": "cyclictest"]) { $1 }, distribution: distribution,
                        note: command)
                case .failure(let error):
                    skip("rt-lateness/cyclictest/\(Int(rate))hz/\(load)", error.description)
                }
            }
        }
    }

    /// Whether a trace file's last line is the real-time core's `# end ticks=N` marker.
    static func traceHasEnded(_ url: URL) -> Bool {
        guard let handle = try? FileHandle(forReadingFrom: url) else { return false }
        defer { try? handle.close() }
        let size = (try? handle.seekToEnd()) ?? 0
        try? handle.seek(toOffset: size > 200 ? size - 200 : 0)
        let tail = String(decoding: handle.readDataToEndOfFile(), as: UTF8.self)
        return tail.contains("# end ticks=")
    }

    /// The board's `tick_hz` from firmware-mock/boards/NAME.toml.
    func boardTickHz(_ board: String) -> Int? {
        let path = URL(fileURLWithPath: packageRoot).appendingPathComponent("firmware-mock/boards/\(board).toml").path
        guard let text = try? String(contentsOfFile: path, encoding: .utf8) else { return nil }
        for line in text.split(separator: "\n") where line.hasPrefix("tick_hz") {
            return Int(line.split(separator: "=").last?.trimmingCharacters(in: .whitespaces) ?? "")
        }
        return nil
    }

    /// The real-time core's own tick loop (board tasks, no link): `splitsoc-rt --bench-lateness`
    /// with the same priority, affinity and duration as the loop and cyclictest.
    func measureRTCoreLoop(
        board: String, rate: Int, load: String, duration: Double, priority: Int, cpu: Int?, parameters: [String: String]
    ) {
        let id = "rt-lateness/splitsoc-rt/\(rate)hz/\(load)"
        let progress = beginStep("splitsoc-rt tick loop \(rate) Hz, \(load)")
        progress(0)
        var arguments = [
            "--board", board, "--link", "ipc://\(socketDirectory.path)/rt-bench-\(rate)-\(load)", "--bench-lateness",
            "--duration", String(duration),
        ]
        if priority > 0 { arguments += ["--rt-priority", String(priority)] }
        if let cpu { arguments += ["--cpu", String(cpu)] }
        let command = (["splitsoc-rt"] + arguments).joined(separator: " ")
        let run = WasmBatchBench.runTool(Executables.url("splitsoc-rt").path, arguments)
        guard run.status == 0, let line = run.output.split(separator: "\n").first(where: { $0.hasPrefix("bench lateness") })
        else {
            skip(id, "splitsoc-rt --bench-lateness failed (exit \(run.status)): \(run.output.suffix(300))")
            return
        }
        var values: [String: Double] = [:]
        for word in line.split(separator: " ") {
            let parts = word.split(separator: "=")
            if parts.count == 2, let value = Double(parts[1]) { values[String(parts[0])] = value }
        }
        let setup = run.output.split(separator: "\n").first { $0.hasPrefix("rt thread") }.map(String.init) ?? ""
        record(
            kind: "rt-lateness", id: id, parameters: parameters.merging(["source": "splitsoc-rt", "board": board]) { $1 },
            values: values, note: "\(command) | \(setup) | percentiles from the core's own histogram (p50/p99/max only)")
    }

    /// Control quality as the sensor-to-actuator delay grows: virtual-clock runs of the real cores
    /// with increasing quantum, metrics from the real-time core's trace.
    func runControl() {
        let section = definition.control
        let quanta = section?.quanta ?? [1, 10, 50]
        let ticks = section?.ticks ?? 30_000
        let modules = section?.modules ?? ["calibrate-filter", "thermostat"]
        let band = section?.settleBandMilliC ?? 500
        let boards = section?.boards ?? [section?.board ?? "thermo-adc"]
        for board in boards {
            let boardName = URL(fileURLWithPath: board).deletingPathExtension().lastPathComponent
            // A .toml path is relative to the checkout; a bare name is a board of firmware-mock/boards.
            let boardArgument =
                board.hasSuffix(".toml") && !board.hasPrefix("/")
                ? URL(fileURLWithPath: packageRoot).appendingPathComponent(board).path : board
            for quantum in quanta {
                runControl(
                    board: boardArgument, boardName: boardName, quantum: quantum, ticks: ticks, modules: modules,
                    band: band, setpoint: section?.setpointMilliC)
            }
        }
    }

    private func runControl(
        board: String, boardName: String, quantum: Int, ticks: Int, modules: [String], band: Int, setpoint: Int?
    ) {
        do {
            let id = "control/\(boardName)/q\(quantum)"
            let progress = beginStep("control quality, \(boardName), quantum \(quantum)")
            guard rtAvailable && appAvailable else {
                skip(id, "splitsoc-rt and splitsoc-app must be built (swift build)")
                return
            }
            do {
                var options = CoreOptions(
                    runDirectory: output.directory.appendingPathComponent("control-\(boardName)-q\(quantum)"))
                options.board = board
                options.clock = "virtual"
                options.quantum = quantum
                options.modules = try modules.map { (slot: $0, path: try modulePath($0)) }
                options.rtExtraArguments = ["--ticks", String(ticks)]
                if let setpoint { options.rtExtraArguments += ["--setpoint", String(setpoint)] }
                let launcher = try CoreLauncher(options: options)
                defer { launcher.stop() }
                let rt = try launcher.startRealTimeCore()
                try launcher.startApplicationCore()
                let started = ContinuousClock.now
                var endedAt: ContinuousClock.Instant?
                var note: String?
                while rt.isRunning {
                    let elapsed = (ContinuousClock.now - started).seconds
                    progress(min(0.99, elapsed / 30))
                    if elapsed > 120 { throw BenchError.measurementFailed("the virtual-clock run did not finish in 120 s") }
                    // The trace ends with "# end ticks=N" once the last tick ran; a core that does
                    // not exit by itself after that is stopped (and the fact noted), so one
                    // misbehaving run cannot stall the whole experiment.
                    if endedAt == nil, Self.traceHasEnded(options.traceURL) { endedAt = ContinuousClock.now }
                    if let endedAt, (ContinuousClock.now - endedAt).seconds > 1 {
                        note = "splitsoc-rt had not exited 1 s after its last tick; stopped (SIGTERM, SIGKILL after 3 s)"
                        launcher.stop()
                        break
                    }
                    Thread.sleep(forTimeInterval: 0.05)
                }
                let seconds = ((endedAt ?? ContinuousClock.now) - started).seconds
                guard let trace = try? String(contentsOf: options.traceURL, encoding: .utf8) else {
                    throw BenchError.measurementFailed("no trace at \(options.traceURL.path)")
                }
                guard let quality = ControlQuality.compute(trace: trace, tickSeconds: 0.01, bandMilliC: band) else {
                    throw BenchError.measurementFailed("the trace has no temperature/setpoint samples")
                }
                var values: [String: Double] = [
                    "quantum_ticks": Double(quantum), "sensor_to_actuator_min_ticks": 1,
                    "sensor_to_actuator_max_ticks": Double(quantum), "overshoot_pct": quality.overshootPercent,
                    "iae_degC_s": quality.integratedAbsoluteError, "commands_accepted": Double(quality.commandsAccepted),
                    "ticks": Double(quality.ticks), "wall_seconds": seconds.benchRounded(toPlaces: 2),
                    "initial_mC": Double(quality.initialMilliC), "setpoint_mC": Double(quality.setpointMilliC),
                ]
                if let settling = quality.settlingSeconds { values["settling_s"] = settling }
                // The core's own end-of-run line: fail-safe entries and expired commands show
                // where the delay outgrows the supervisor's silence limit or the command validity.
                if let summary = rt.stdoutText().split(separator: "\n").last(where: { $0.hasPrefix("run summary") }) {
                    for word in summary.split(separator: " ") {
                        let parts = word.split(separator: "=")
                        guard parts.count == 2, let value = Double(parts[1]) else { continue }
                        if ["failsafe_entries", "commands_expired", "commands_applied", "deadline_misses"].contains(String(parts[0])) {
                            values["rt_" + parts[0]] = value
                        }
                    }
                }
                if let interval = quality.meanCommandIntervalTicks { values["command_interval_ticks"] = interval }
                record(
                    kind: "control", id: id,
                    parameters: [
                        "board": boardName, "quantum": String(quantum), "ticks": String(ticks),
                        "modules": modules.joined(separator: "+"),
                    ],
                    values: values,
                    note: [quality.settlingSeconds == nil ? "did not settle within the run" : nil, note]
                        .compactMap { $0 }.joined(separator: "; ").nilIfEmpty)
            } catch {
                skip(id, "\(error)")
            }
        }
    }
}

extension String {
    /// nil for the empty string (optional notes).
    fileprivate var nilIfEmpty: String? { isEmpty ? nil : self }
}
