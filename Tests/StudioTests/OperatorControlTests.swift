import CoreProcessSupport
import Foundation
import Testing

@testable import SoCCommands

#if canImport(Glibc)
import Glibc
#endif

/// The operator's control sockets, driven through the CLI a teacher or a script types
/// (`splitsoc rt …`, `splitsoc bridge …`) against real core and relay processes.
@Suite("Operator control of a running pair", .serialized, .timeLimit(.minutes(3)))
struct OperatorControlTests {
    /// Runs `splitsoc ARGUMENTS` to the end (at most a minute); returns its exit status and stdout + stderr.
    static func splitsoc(_ arguments: [String]) throws -> (status: Int32, output: String) {
        try runToEnd(Executables.url("splitsoc"), arguments)
    }

    /// Runs a program to its end with its output in a file, through `SpawnedProcess` (the project's
    /// one spawn path, reaped by pid): not a pipe, since a process it leaves running (`splitsoc app
    /// start` does, by design) would hold the pipe open, and not Foundation's `Process`, whose
    /// SIGCHLD-driven reaping missed the exit of a child whose own child outlived it.
    static func runToEnd(
        _ executable: URL, _ arguments: [String], environment: [String: String] = [:], timeout: Duration = .seconds(60)
    ) throws -> (status: Int32, output: String) {
        let log = FileManager.default.temporaryDirectory.appendingPathComponent("run-\(getpid())-\(UInt32.random(in: 0...UInt32.max)).log")
        defer { try? FileManager.default.removeItem(at: log) }
        let process = try SpawnedProcess(
            path: executable.path, arguments: arguments,
            environment: ProcessInfo.processInfo.environment.merging(environment) { $1 }, stdoutPath: log.path,
            stderrPath: log.path, append: true)
        if process.waitForExit(timeout: timeout) == nil {
            _ = process.terminate(grace: .seconds(2))
            Issue.record("\(executable.lastPathComponent) \(arguments.joined(separator: " ")) ran longer than \(timeout)")
        }
        return (process.exitStatus ?? -1, (try? String(contentsOf: log, encoding: .utf8)) ?? "")
    }

    /// Polls `condition` every 20 ms until it holds or `seconds` pass.
    static func eventually(_ seconds: Double, _ condition: () throws -> Bool) rethrows -> Bool {
        let deadline = ContinuousClock.now + .milliseconds(Int(seconds * 1000))
        while ContinuousClock.now < deadline {
            if try condition() { return true }
            Thread.sleep(forTimeInterval: 0.02)
        }
        return try condition()
    }

    static func launcher(board: String, clock: String = "real", modules: Bool = false) throws -> CoreLauncher {
        let run = FileManager.default.temporaryDirectory.appendingPathComponent("operator-\(getpid())-\(UInt32.random(in: 0...UInt32.max))")
        var options = CoreOptions(runDirectory: run)
        options.board = board
        options.clock = clock
        options.quantum = 10
        if modules {
            let root = try #require(DemoFirmware.packageRoot())
            let firmware = try DemoFirmware.build(packageRoot: root)
            options.modules = [(slot: "filter", path: firmware.filter), (slot: "regulator", path: firmware.thermostat)]
        }
        return try CoreLauncher(options: options)
    }

    @Test("inputs are checked against the board's ranges, reach the tick, and are traced as input records")
    func inputsReachTheTickAndTheTrace() throws {
        let launcher = try Self.launcher(board: "thermo-i2c")
        defer { launcher.stop() }
        let rt = try launcher.startRealTimeCore()
        let collector = StatusCollector(rtStatus: launcher.endpoints.rtStatus, appTelemetry: nil)
        defer { collector.stop() }
        let control = ["--control", launcher.endpoints.rtControl]

        let accepted = try Self.splitsoc(["rt", "setpoint"] + control + ["41000"])
        #expect(accepted.status == 0, "\(accepted.output)")
        #expect(accepted.output.contains("\"input\":\"setpoint 41000\""))
        let refused = try Self.splitsoc(["rt", "setpoint"] + control + ["400000"])
        #expect(refused.status == 1)
        #expect(refused.output.contains("setpoint 400000 is out of range: setpoint on board thermo-i2c must be 5000...70000"))
        let ambient = try Self.splitsoc(["rt", "ambient"] + control + ["--", "-5000"])
        #expect(ambient.status == 0, "\(ambient.output)")
        #expect(try Self.splitsoc(["rt", "ambient"] + control + ["200000"]).status == 1)
        #expect(try Self.splitsoc(["rt", "sensor"] + control + ["stuck"]).status == 0)
        #expect(try Self.splitsoc(["rt", "sensor"] + control + ["melted"]).output.contains("unknown sensor fault 'melted'"))
        #expect(try Self.splitsoc(["rt", "i2c-nack"] + control + ["50"]).status == 0)
        let pause = try Self.splitsoc(["rt", "pause"] + control)
        #expect(pause.status == 1)
        #expect(pause.output.contains("pause needs splitsoc-rt --clock virtual"))

        #expect(Self.eventually(5) { collector.latestRT?.setpointMilliC == 41_000 }, "the status never showed the new setpoint")
        _ = rt.terminate(grace: .seconds(8))
        let trace = try String(contentsOf: launcher.options.traceURL, encoding: .utf8)
        for input in ["setpoint=41000", "ambient=-5000", "sensor=stuck", "i2c-nack=50"] {
            #expect(trace.contains(input), "the trace has no input \(input)")
        }
        #expect(!trace.contains("setpoint=400000"), "a refused setpoint reached the tick")
    }

    @Test("the virtual clock pauses, runs exactly one quantum per step, and resumes")
    func pauseAndStepTheVirtualClock() throws {
        let launcher = try Self.launcher(board: "thermo-adc", clock: "virtual", modules: true)
        defer { launcher.stop() }
        try launcher.startRealTimeCore()
        try launcher.startApplicationCore(waitForSession: true)
        let client = AppControlClient(endpoint: launcher.endpoints.rtControl, timeoutMilliseconds: 5_000, peer: "rt")
        func tick() throws -> Int { try #require(client.request(["op": "status"])["tick"] as? Int) }

        #expect(try client.request(["op": "pause"])["paused"] as? Bool == true)
        // The pause holds at the next quantum boundary: wait until the tick stops moving.
        var held = try tick()
        let settled = try Self.eventually(10) {
            Thread.sleep(forTimeInterval: 0.1)
            let now = try tick()
            defer { held = now }
            return now == held
        }
        #expect(settled, "the virtual clock did not stop")
        #expect(try tick() == held)
        #expect(try client.request(["op": "step"])["ok"] as? Bool == true)
        #expect(try Self.eventually(10) { try tick() == held + 10 }, "one step did not run one quantum of 10 ticks")
        #expect(try client.request(["op": "step", "quanta": 0])["ok"] as? Bool == false)
        #expect(try client.request(["op": "resume"])["paused"] as? Bool == false)
        #expect(try Self.eventually(10) { try tick() > held + 100 }, "the clock did not run again after resume")
    }

    @Test("bridge faults switched on and off through the relay's control socket")
    func bridgeFaultsThroughTheRelay() throws {
        let launcher = try Self.launcher(board: "thermo-adc", modules: true)
        defer { launcher.stop() }
        try launcher.startRealTimeCore()
        let endpoints = launcher.endpoints
        let relay = ChildProcess(
            name: "relay", executable: Executables.url("splitsoc"),
            arguments: ["relay", "--listen", endpoints.relayListen, "--connect", endpoints.link, "--control", endpoints.relayControl],
            logDirectory: launcher.options.runDirectory)
        try relay.start()
        defer { _ = relay.terminate() }
        try relay.waitForLine(containing: "relay listening", timeout: .seconds(10))
        try launcher.startApplicationCore(waitForSession: true, via: endpoints.relayListen)
        let collector = StatusCollector(rtStatus: endpoints.rtStatus, appTelemetry: nil)
        defer { collector.stop() }
        let control = ["--control", endpoints.relayControl]
        #expect(Self.eventually(10) { collector.latestRT?.state == "normal" })

        #expect(try Self.splitsoc(["bridge", "faults"] + control + ["--app-to-rt", "drop=1000"]).status == 0)
        #expect(Self.eventually(10) { collector.latestRT?.state == "failsafe" }, "dropping every frame to the rt core did not cause fail-safe")
        let status = try Self.splitsoc(["bridge", "status"] + control)
        #expect(status.output.contains("\"app_to_rt\":\"drop=1000"), "\(status.output)")
        let reply = try #require(JSONSerialization.jsonObject(with: Data(status.output.utf8)) as? [String: Any])
        let counters = try #require(reply["counters"] as? [String: [String: Int]])
        #expect((counters["app_to_rt"]?["dropped"] ?? 0) > 0)
        #expect(counters["rt_to_app"]?["dropped"] == 0)
        #expect(try Self.splitsoc(["bridge", "faults"] + control + ["--app-to-rt", "bogus=1"]).status != 0)

        #expect(try Self.splitsoc(["bridge", "faults"] + control + ["--app-to-rt", ""]).status == 0)
        #expect(Self.eventually(20) { collector.latestRT?.state == "normal" }, "regulation did not come back after the faults were cleared")
    }

    @Test("splitsoc app start and restart bring an application core back from the run's session file")
    func appStartAndRestartFromTheSessionFile() throws {
        let launcher = try Self.launcher(board: "thermo-adc", modules: true)
        defer { launcher.stop() }
        try launcher.startRealTimeCore()
        let app = try launcher.startApplicationCore(waitForSession: true)
        let collector = StatusCollector(rtStatus: launcher.endpoints.rtStatus, appTelemetry: nil)
        defer { collector.stop() }
        let session = RunSessionFile.url(in: launcher.options.runDirectory).path
        app.send(signal: SIGKILL)
        _ = app.waitForExit(timeout: .seconds(5))
        #expect(Self.eventually(10) { collector.latestRT?.state == "failsafe" })

        let started = try Self.splitsoc(["app", "start", "--session", session])
        // Not our child: whatever happens below, stop it through its control socket.
        defer { _ = try? Self.splitsoc(["app", "quit", "--control", launcher.endpoints.appControl]) }
        #expect(started.status == 0, "\(started.output)")
        #expect(started.output.contains("app started pid="))
        #expect(Self.eventually(10) { collector.latestRT?.state == "normal" && collector.latestRT?.session == 2 })
        let twice = try Self.splitsoc(["app", "start", "--session", session])
        #expect(twice.status == 1)
        #expect(twice.output.contains("already answers"))

        let restarted = try Self.splitsoc(["app", "restart", "--session", session])
        #expect(restarted.status == 0, "\(restarted.output)")
        #expect(Self.eventually(10) { collector.latestRT?.state == "normal" && collector.latestRT?.session == 3 })
    }
}
