import FirmwareBuild
import Foundation
import RTCore

#if canImport(Glibc)
import Glibc
#endif

/// Runs scenarios with both cores as real OS processes (and a fault-injecting relay between them
/// when the scenario has bridge faults), then checks the expectations against the trace, the
/// cores' summaries and the relay's counters.
///
/// ```swift
/// var scenario = Scenario(name: "holds 22 °C")
/// scenario.modules = [ScenarioModule(slot: "regulator", source: "thermostat")]
/// scenario.durationMilliseconds = 20_000
/// scenario.expectations = [.always(.temperature, .between(min: 21_000, max: 23_000), from: 15_000)]
/// let result = ScenarioRunner().run(scenario)
/// #expect(result.failures.isEmpty, "\(result.report)")
/// ```
///
/// Not thread-safe: one runner runs one scenario at a time.
public struct ScenarioRunner: Sendable {
    /// Where things are and what to keep.
    public struct Configuration: Sendable {
        /// The SplitSoC checkout (boards, module sources); found from the working directory when nil.
        public var packageRoot: String?
        /// Each run gets a folder under this one: logs, trace, summaries, stimuli.
        public var outputDirectory: URL
        /// Keep the run folder of a passing run too (a failing run always keeps it).
        public var keepPassingRuns = false
        /// Progress lines ("starting the real-time core…"); nil: silent.
        public var progress: (@Sendable (String) -> Void)?

        public init(
            packageRoot: String? = nil,
            outputDirectory: URL = URL(fileURLWithPath: NSTemporaryDirectory()).appendingPathComponent("splitsoc-scenarios")
        ) {
            self.packageRoot = packageRoot
            self.outputDirectory = outputDirectory
        }
    }

    public var configuration: Configuration

    public init(configuration: Configuration = Configuration()) { self.configuration = configuration }

    /// Runs `scenario` with the default configuration.
    public static func run(_ scenario: Scenario) -> ScenarioResult { ScenarioRunner().run(scenario) }

    /// Runs one scenario. Never throws: a run that breaks is a result with `runError` set.
    public func run(_ scenario: Scenario) -> ScenarioResult {
        var result = ScenarioResult(scenario: scenario)
        let started = ContinuousClock.now
        let runDirectory = configuration.outputDirectory.appendingPathComponent(
            Self.slug(scenario.name) + "-\(getpid())-\(UInt16.random(in: 0...UInt16.max))")
        result.runDirectory = runDirectory.path
        do {
            try execute(scenario, in: runDirectory, result: &result)
        } catch {
            result.runError = "\(error)"
        }
        if result.passed && !configuration.keepPassingRuns {
            try? FileManager.default.removeItem(at: runDirectory)
            result.runDirectory = nil
        } else {
            let trace = runDirectory.appendingPathComponent("rt.trace").path
            if FileManager.default.fileExists(atPath: trace) { result.keptTracePath = trace }
        }
        result.wallSeconds = (ContinuousClock.now - started).scenarioSeconds
        return result
    }

    // MARK: The run

    private func execute(_ scenario: Scenario, in runDirectory: URL, result: inout ScenarioResult) throws {
        guard let root = configuration.packageRoot ?? DemoFirmware.packageRoot() else {
            throw ScenarioRunError("cannot find the SplitSoC checkout (firmware-mock/); run from it or set packageRoot")
        }
        try? FileManager.default.removeItem(at: runDirectory)
        try FileManager.default.createDirectory(at: runDirectory, withIntermediateDirectories: true)
        let tickHz = try Self.tickHz(board: scenario.board, packageRoot: root)
        let builder = FirmwareBuilder(packageRoot: root)
        func resolve(_ source: String) throws -> String {
            try Self.resolveModule(source, scenario: scenario, builder: builder)
        }

        var options = CoreOptions(runDirectory: runDirectory)
        options.board = Self.boardArgument(scenario.board, packageRoot: root)
        options.clock = scenario.clock.rawValue
        options.quantum = scenario.quantum
        options.seed = scenario.seed
        options.durationSeconds = Double(scenario.durationMilliseconds) / 1000
        options.modules = try scenario.modules.map { (slot: $0.slot, path: try resolve($0.source)) }
        var rtExtra: [String] = []
        if let setpoint = scenario.setpointMilliCelsius { rtExtra += ["--setpoint", String(setpoint)] }
        if let ambient = scenario.ambientMilliCelsius { rtExtra += ["--ambient", String(ambient)] }
        if !scenario.stimuli.isEmpty {
            let stimuliURL = runDirectory.appendingPathComponent("stimuli.txt")
            try StimuliFile.text(scenario.stimuli, tickHz: tickHz).write(to: stimuliURL, atomically: true, encoding: .utf8)
            rtExtra += ["--stimuli", stimuliURL.path]
        }
        options.rtExtraArguments = rtExtra + scenario.rtArguments
        options.appExtraArguments = scenario.appArguments
        // Swap targets are built before anything starts, so a build error is not a mid-run surprise.
        var swapPaths: [String: String] = [:]
        for action in scenario.actions {
            if case .swap(_, let source) = action.kind { swapPaths[source] = try resolve(source) }
        }

        let relaySocketDirectory = try PrivateDirectory.create(prefix: "splitsoc-relay-\(getpid())")
        let relayEndpoint = "ipc://\(relaySocketDirectory.path)/link"
        // Virtual clock with only hot swaps: an in-process relay holds the grant of each swap's
        // quantum boundary, so the swap happens exactly there (and the run stays deterministic).
        let usesGrantBarrier =
            scenario.clock == .virtual && !scenario.actions.isEmpty
            && scenario.actions.allSatisfy { if case .swap = $0.kind { true } else { false } }
        if usesGrantBarrier {
            // The real-time core waits for the held ack while the swap compiles (debug builds: slow).
            options.rtExtraArguments = ["--ack-timeout-ms", "15000"] + options.rtExtraArguments
        }
        if scenario.bridge != nil || usesGrantBarrier {
            // ArgumentParser keeps the last value of a repeated option: the app connects to the relay.
            options.appExtraArguments = ["--link", relayEndpoint] + options.appExtraArguments
        }
        defer { try? FileManager.default.removeItem(at: relaySocketDirectory) }

        let launcher = try CoreLauncher(options: options)
        var relay: ChildProcess?
        var collector: StatusCollector?
        var moduleTelemetry: ModuleTelemetryCollector?
        defer {
            _ = moduleTelemetry?.stop()
            collector?.stop()
            launcher.stop()
            relay?.terminate()
        }
        let clockStart = ContinuousClock.now
        func note(_ text: String) {
            let line = "\(Int((ContinuousClock.now - clockStart).scenarioSeconds * 1000)) ms wall: \(text)"
            result.log.append(text)
            configuration.progress?("  [\(scenario.name)] \(line)")
        }

        note("starting splitsoc-rt (board \(scenario.board), \(scenario.clock.rawValue) clock, seed \(scenario.seed))")
        let rt = try launcher.startRealTimeCore()
        collector = StatusCollector(rtStatus: launcher.endpoints.rtStatus, appTelemetry: launcher.endpoints.appTelemetry)
        moduleTelemetry = ModuleTelemetryCollector(endpoint: launcher.endpoints.appTelemetry)
        var barrierRelay: FaultRelay?
        let barrierRelayFinished = DispatchSemaphore(value: 0)
        defer {
            if let barrierRelay {
                barrierRelay.stop()
                _ = barrierRelayFinished.wait(timeout: .now() + 5)
            }
        }
        if usesGrantBarrier {
            let relay = FaultRelay(
                listen: relayEndpoint, connect: launcher.endpoints.link, faults: scenario.bridge ?? BridgeFaults(seed: 1))
            relay.holdGrants(after: Self.tick(scenario.actions[0].atMilliseconds, tickHz: tickHz))
            let ready = DispatchSemaphore(value: 0)
            Thread.detachNewThread {
                do { try relay.run { ready.signal() } } catch { ready.signal() }
                barrierRelayFinished.signal()
            }
            guard ready.wait(timeout: .now() + 10) == .success else { throw ScenarioRunError("the in-process relay did not start") }
            barrierRelay = relay
            note("in-process relay up: grants held at each swap's quantum boundary")
        } else if let bridge = scenario.bridge {
            let child = ChildProcess(
                name: "relay", executable: Executables.url("splitsoc"),
                arguments: [
                    "relay", "--listen", relayEndpoint, "--connect", launcher.endpoints.link, "--seed", String(bridge.seed),
                    "--app-to-rt", bridge.appToRT.spec, "--rt-to-app", bridge.rtToApp.spec,
                    "--summary", runDirectory.appendingPathComponent("relay-summary.json").path,
                ],
                logDirectory: runDirectory)
            try child.start()
            relay = child
            try child.waitForLine(containing: "relay listening", timeout: .seconds(20))
            note("relay up: app→rt \(bridge.appToRT.spec); rt→app \(bridge.rtToApp.spec)")
        }
        note("starting splitsoc-app (\(scenario.modules.map { "\($0.slot)=\($0.source)" }.joined(separator: ", ")))")
        try launcher.startApplicationCore(waitForSession: true)

        // Scenario time is the real-time core's tick as its status reports it (10 Hz); before the
        // first status message, the wall clock since the start stands in.
        func scenarioMilliseconds() -> Int {
            if let tick = collector?.latestRT?.tick, tick > 0 { return tick * 1000 / tickHz }
            return scenario.clock == .real ? Int((ContinuousClock.now - clockStart).scenarioSeconds * 1000) : 0
        }
        func waitUntil(_ milliseconds: Int) -> Bool {
            while scenarioMilliseconds() < milliseconds {
                if !rt.isRunning { return false }
                Thread.sleep(forTimeInterval: 0.005)
            }
            return true
        }
        let control = AppControlClient(endpoint: launcher.endpoints.appControl, timeoutMilliseconds: 10_000)
        func swap(slot: String, source: String, at: Int) {
            let path = swapPaths[source] ?? source
            do {
                let reply = try control.swap(slot: slot, path: path)
                let ok = (reply["ok"] as? Bool) ?? false
                result.observations.count(ok ? "app.swaps_accepted" : "app.swaps_refused")
                note("swap \(slot) → \(source) at \(at) ms: " + (ok ? "accepted" : "refused: \(reply["error"] ?? "?")"))
            } catch {
                result.observations.count("app.swaps_refused")
                note("swap \(slot) → \(source) at \(at) ms failed: \(error)")
            }
        }
        if let relay = barrierRelay {
            for (index, action) in scenario.actions.enumerated() {
                let deadline = ContinuousClock.now + .seconds(60)
                while relay.heldGrantTick == nil && rt.isRunning && ContinuousClock.now < deadline {
                    Thread.sleep(forTimeInterval: 0.002)
                }
                guard let held = relay.heldGrantTick, rt.isRunning else {
                    throw ScenarioRunError(
                        "the real-time core never reached the quantum boundary of the action planned at \(action.atMilliseconds) ms")
                }
                if case .swap(let slot, let source) = action.kind {
                    swap(slot: slot, source: source, at: Int(held) * 1000 / tickHz)
                }
                if index + 1 < scenario.actions.count {
                    relay.holdGrants(after: Self.tick(scenario.actions[index + 1].atMilliseconds, tickHz: tickHz))
                } else {
                    relay.releaseGrants()
                }
            }
        }
        var pendingRestart: Int?
        for action in scenario.actions where barrierRelay == nil {
            if let restartAt = pendingRestart, restartAt <= action.atMilliseconds {
                guard waitUntil(restartAt) else { break }
                try launcher.startApplicationCore(waitForSession: false)
                note("restarted the application core at \(scenarioMilliseconds()) ms")
                pendingRestart = nil
            }
            guard waitUntil(action.atMilliseconds), rt.isRunning else {
                throw ScenarioRunError(
                    "the real-time core finished before the action planned at \(action.atMilliseconds) ms could be done "
                        + "(a virtual-clock run can outpace the orchestrator: use clock = \"real\" for timed actions)")
            }
            let at = scenarioMilliseconds()
            switch action.kind {
            case .killApp(let restartAfter):
                launcher.app?.send(signal: SIGKILL)
                _ = launcher.app?.waitForExit(timeout: .seconds(5))
                note("killed the application core (SIGKILL) at \(at) ms")
                if let restartAfter { pendingRestart = action.atMilliseconds + restartAfter }
            case .pauseApp(let forMilliseconds):
                launcher.app?.send(signal: SIGSTOP)
                note("paused the application core (SIGSTOP) at \(at) ms for \(forMilliseconds) ms of wall time")
                Thread.sleep(forTimeInterval: Double(forMilliseconds) / 1000)
                launcher.app?.send(signal: SIGCONT)
                note("resumed the application core (SIGCONT) at \(scenarioMilliseconds()) ms")
            case .restartApp:
                launcher.app?.terminate()
                try launcher.startApplicationCore(waitForSession: false)
                note("restarted the application core (SIGTERM, start) at \(at) ms")
            case .swap(let slot, let source):
                swap(slot: slot, source: source, at: at)
            }
            if !rt.isRunning {
                throw ScenarioRunError(
                    "the real-time core finished while the action planned at \(action.atMilliseconds) ms was being done "
                        + "(a virtual-clock run can outpace the orchestrator: use clock = \"real\" for timed actions)")
            }
        }
        if let restartAt = pendingRestart, waitUntil(restartAt) {
            try launcher.startApplicationCore(waitForSession: false)
            note("restarted the application core at \(scenarioMilliseconds()) ms")
        }

        // The real-time core stops by itself at --duration and then writes its trace and summary.
        // Virtual-clock runs go far faster than real time; a run slower than real time plus 30 s
        // is stuck.
        let budget: Duration = .milliseconds(scenario.durationMilliseconds) + .seconds(30)
        if rt.waitForExit(timeout: budget) == nil {
            note("the real-time core did not finish within \(budget); stopping it")
            rt.terminate(grace: .seconds(2))
            throw ScenarioRunError(
                "the real-time core did not finish its \(scenario.durationMilliseconds) ms run within \(budget) of wall time "
                    + "(\(rt.exitDescription)).\n--- rt stdout (last lines) ---\n\(Self.tail(rt.stdoutText()))")
        }
        let appTelemetry = collector?.latestApp
        collector?.stop()
        launcher.app?.terminate()
        relay?.terminate()

        // Collect what the run exposes.
        var observations = result.observations
        let traceText = (try? String(contentsOf: options.traceURL, encoding: .utf8)) ?? ""
        observations.addTrace(traceText)
        observations.tickHz = observations.tickHz > 0 ? observations.tickHz : tickHz
        if let object = Self.jsonObject(at: options.rtSummaryURL) { observations.addCounters(fromJSON: object, prefix: "rt") }
        if let relay = barrierRelay, scenario.bridge != nil,
            let object = (try? JSONSerialization.jsonObject(with: Data(relay.summaryJSON.utf8))) as? [String: Any]
        {
            observations.addCounters(fromJSON: object, prefix: "relay")
        }
        if let object = Self.jsonObject(at: runDirectory.appendingPathComponent("relay-summary.json")) {
            observations.addCounters(fromJSON: object, prefix: "relay")
        }
        if let (values, malformed) = moduleTelemetry?.stop() {
            // Module time is the grant's virtual time: (throughTick − 1) × period.
            let period = UInt64(1_000_000_000 / max(tickHz, 1))
            for value in values {
                observations.record(
                    .module(slot: value.slot, key: value.key), tick: value.nanoseconds / period, .number(value.value))
            }
            observations.counters["app.module_telemetry"] = values.count
            observations.counters["app.module_telemetry_malformed"] = malformed
        }
        if let appTelemetry {
            observations.counters["app.batches"] = appTelemetry.batches
            observations.counters["app.rx_rejected"] = appTelemetry.rxRejected
            observations.counters["app.rx_frames"] = appTelemetry.rxFrames
            observations.counters["app.tx_frames"] = appTelemetry.txFrames
            for module in appTelemetry.modules {
                observations.counters["app.modules.\(module.slot).traps"] = module.traps
                observations.counters["app.modules.\(module.slot).calls"] = module.calls
            }
        }
        let appStdout = launcher.app?.stdoutText() ?? ""
        Self.countAppEvents(appStdout, into: &observations)
        observations.counters["app.starts"] = launcher.appStarts
        result.observations = observations
        result.traceDigest = Self.digest(fromStdout: rt.stdoutText()) ?? (traceText.isEmpty ? nil : SHA256.hex(of: Array(traceText.utf8)))

        if traceText.isEmpty {
            throw ScenarioRunError(
                "the real-time core wrote no trace (\(rt.exitDescription)).\n--- rt stderr (last lines) ---\n"
                    + Self.tail(rt.stderrText()))
        }
        if let status = rt.exitStatus, status != 0 {
            throw ScenarioRunError(
                "the real-time core ended with \(rt.exitDescription).\n--- rt stderr (last lines) ---\n" + Self.tail(rt.stderrText()))
        }
        result.failures = ExpectationEvaluator.evaluate(scenario.expectations, against: observations)
    }

    // MARK: Helpers

    /// Counts the application core's event lines (`module trapped slot=…`, `module rolled back …`,
    /// `session established …`) as `app.events.<kind>` (`trapped`, `rolled_back`, `session_established`).
    static func countAppEvents(_ stdout: String, into observations: inout ScenarioObservations) {
        for line in stdout.split(separator: "\n") {
            let words = line.split(separator: " ")
            if words.first == "module" {
                let kind = words.dropFirst().prefix { !$0.contains("=") }.joined(separator: "_")
                if !kind.isEmpty { observations.count("app.events.\(kind)") }
            } else if line.hasPrefix("session established") {
                observations.count("app.events.session_established")
            }
        }
    }

    static func digest(fromStdout text: String) -> String? {
        for line in text.split(separator: "\n").reversed() {
            if let range = line.range(of: "trace digest sha256:") {
                return String(line[range.upperBound...].prefix { $0.isHexDigit })
            }
        }
        return nil
    }

    static func jsonObject(at url: URL) -> [String: Any]? {
        guard let data = try? Data(contentsOf: url) else { return nil }
        return (try? JSONSerialization.jsonObject(with: data)) as? [String: Any]
    }

    static func tail(_ text: String, lines: Int = 15) -> String {
        text.split(separator: "\n", omittingEmptySubsequences: false).suffix(lines).joined(separator: "\n")
    }

    static func slug(_ name: String) -> String {
        let mapped = name.lowercased().map { $0.isLetter || $0.isNumber ? $0 : "-" }
        return String(String(mapped).split(separator: "-").joined(separator: "-").prefix(60))
    }

    /// The tick at `milliseconds` of scenario time.
    static func tick(_ milliseconds: Int, tickHz: Int) -> UInt64 { UInt64(max(milliseconds, 0)) * UInt64(tickHz) / 1000 }

    /// The board argument for `splitsoc-rt`: a name it knows, or a path.
    static func boardArgument(_ board: String, packageRoot: String) -> String { board }

    /// The board's tick rate, read from its file.
    static func tickHz(board: String, packageRoot: String) throws -> Int {
        do {
            return try BoardFile.load(board, packageRoot: packageRoot).tickHz
        } catch {
            throw ScenarioRunError("bad board: \(error)")
        }
    }

    /// A module source: a `.wasm` path (absolute, or relative to the scenario file, then to the
    /// working directory), or a module stem that `FirmwareBuilder` builds.
    static func resolveModule(_ source: String, scenario: Scenario, builder: FirmwareBuilder) throws -> String {
        if source.hasSuffix(".wasm") {
            var candidates = [source]
            if !source.hasPrefix("/"), let file = scenario.sourcePath {
                candidates.insert(URL(fileURLWithPath: file).deletingLastPathComponent().appendingPathComponent(source).path, at: 0)
            }
            guard let found = candidates.first(where: { FileManager.default.fileExists(atPath: $0) }) else {
                throw ScenarioRunError("module file \(source) not found (looked at \(candidates.joined(separator: ", ")))")
            }
            return URL(fileURLWithPath: found).standardizedFileURL.path
        }
        do {
            return try builder.build(stem: source).path
        } catch {
            let known = ((try? builder.discover()) ?? []).map(\.stem).sorted().joined(separator: ", ")
            throw ScenarioRunError("\(error) (module stems: \(known))")
        }
    }
}

/// A scenario run could not be carried out; the message says what to do.
public struct ScenarioRunError: Error, Sendable, CustomStringConvertible {
    public var description: String
    public init(_ description: String) { self.description = description }
}

/// The `--stimuli` file the real-time core reads (docs/scenarios.md, "Stimuli file"): one line per
/// input, `TICK KIND VALUE`, in tick order.
public enum StimuliFile {
    /// The file's text for `stimuli` on a board running at `tickHz`.
    public static func text(_ stimuli: [ScenarioStimulus], tickHz: Int) -> String {
        var lines = ["# splitsoc stimuli v1", "# tick kind value"]
        for stimulus in stimuli.sorted(by: { $0.atMilliseconds < $1.atMilliseconds }) {
            let tick = stimulus.atMilliseconds * tickHz / 1000
            switch stimulus.kind {
            case .setpoint(let value): lines.append("\(tick) setpoint \(value)")
            case .ambient(let value): lines.append("\(tick) ambient \(value)")
            case .sensor(let fault): lines.append("\(tick) sensor \(fault.rawValue)")
            case .i2cNack(let permille): lines.append("\(tick) i2c-nack \(permille)")
            }
        }
        return lines.joined(separator: "\n") + "\n"
    }
}

extension Duration {
    var scenarioSeconds: Double {
        let (seconds, attoseconds) = components
        return Double(seconds) + Double(attoseconds) / 1e18
    }
}
