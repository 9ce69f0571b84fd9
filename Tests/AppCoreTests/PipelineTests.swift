import AppCore
import SoCWire
import Testing

@Suite("Pipeline")
struct PipelineTests {
    private func makeCore(_ modules: [(String, String)], configuration: AppCoreConfiguration = AppCoreConfiguration())
        throws -> (ApplicationCore, RecordingOutput)
    {
        let output = RecordingOutput()
        let core = ApplicationCore(configuration: configuration, clock: SteppingClock(), output: output)
        for (slot, stem) in modules { try core.addModule(slot: slot, bytes: try TestModules.bytes(stem)) }
        return (core, output)
    }

    @Test("a grant runs the pipeline, then sends the commands and the ack, echoing the grant's timestamp")
    func grantIsAnsweredWithCommandsThenAck() throws {
        let (core, output) = try makeCore([("filter", "calibrate-filter"), ("regulator", "thermostat")])
        #expect(output.eventKinds() == [.loaded, .loaded])
        output.clear()
        var driver = Driver(core)
        driver.quanta(1, temperature: 20_000, setpoint: 22_000)
        let messages = output.sent.map(\.message)
        #expect(messages.count == 2)
        guard case .command(let command) = messages.first else {
            Issue.record("expected a command first, got \(messages)")
            return
        }
        #expect(command.target == 1)
        // Kp 0.3 × 2000 milli-°C error, no integral yet on the first batch.
        #expect(command.milliValue == 600)
        #expect(messages.last == .tickAck(throughTick: 10))
        #expect(output.sent.allSatisfy { $0.timestamp == 10 * 1_000_000 && $0.flags == [.virtualTime] })
    }

    @Test("the thermostat switches the heater off above the setpoint and saturates far below it")
    func thermostatRespondsToError() throws {
        let (core, output) = try makeCore([("filter", "calibrate-filter"), ("regulator", "thermostat")])
        var driver = Driver(core)
        driver.quanta(1, temperature: 25_000, setpoint: 22_000)
        #expect(output.commands.last?.milliValue == 0)
        output.clear()
        driver.quanta(1, temperature: 10_000, setpoint: 22_000)
        // The filter still remembers 25 °C, but the error is large: the duty saturates at 1000.
        driver.quanta(20, temperature: 10_000, setpoint: 22_000)
        #expect(output.commands.last?.milliValue == 1000)
    }

    @Test("the filter writes one estimate per temperature sample and removes a single-sample spike")
    func filterRemovesSpikes() throws {
        let (core, output) = try makeCore([("filter", "calibrate-filter")])
        try core.addModule(slot: "probe", bytes: try TestModules.wat(latestProbeWAT(channel: 16), manifest: probeManifest))
        var driver = Driver(core)
        driver.quantum(temperature: { $0 == 5 ? 90_000 : 20_000 })
        // Without the median of 3 the EMA would still be ≈ 4 °C high four samples after the spike.
        #expect(output.commands.map(\.milliValue) == [20_000])
        #expect(core.status.modules.map(\.traps) == [0, 0])
        driver.quantum(temperature: { _ in 21_000 })
        let smoothed = try #require(output.commands.last?.milliValue)
        #expect(smoothed > 20_000 && smoothed < 21_000)
    }

    @Test("the WAT pass-through writes a moving average of the last four temperatures")
    func passthroughMovingAverage() throws {
        let (core, output) = try makeCore([("echo", "passthrough")])
        try core.addModule(slot: "probe", bytes: try TestModules.wat(latestProbeWAT(channel: 18), manifest: probeManifest))
        var driver = Driver(core)
        driver.quantum(temperature: { Int32(1000 * ($0 + 1)) })  // 1000, 2000, ... 10000
        // Last four: 7000, 8000, 9000, 10000 → 8500.
        #expect(output.commands.map(\.milliValue) == [8500])
    }

    @Test("the anomaly model stays quiet on a steady process and publishes on a step it has not seen")
    func anomalyScoresResiduals() throws {
        let (core, output) = try makeCore([("filter", "calibrate-filter"), ("anomaly", "anomaly")])
        var driver = Driver(core)
        driver.quanta(5, temperature: 20_000)
        #expect(output.telemetry.isEmpty)
        driver.quanta(1, temperature: 24_000)  // raw jumps 4 °C; the filtered estimate lags behind
        let published = try #require(output.telemetry.last)
        #expect(published.key == "anomaly_score_permille")
        #expect(published.value > 500)
        #expect(published.slot == "anomaly")
    }

    @Test("modules read the grant's time, never the wall clock")
    func clockCapabilityReturnsGrantTime() throws {
        let output = RecordingOutput()
        let core = ApplicationCore(clock: SteppingClock(), output: output)
        let wat = """
            (module
              (import "ssoc" "now_ns" (func $now (result i64)))
              (import "ssoc" "tick" (func $tick (result i64)))
              (import "ssoc" "emit_command" (func $emit (param i32 i32 i32) (result i32)))
              (memory (export "memory") 1)
              (func (export "ssoc_init") (result i32) (i32.const 0))
              (func (export "ssoc_on_batch") (param i32) (result i32)
                (drop (call $emit (i32.const 2) (i32.wrap_i64 (i64.div_u (call $now) (i64.const 1000))) (i32.const 0)))
                (drop (call $emit (i32.const 2) (i32.wrap_i64 (call $tick)) (i32.const 0)))
                (i32.const 0)))
            """
        try core.addModule(
            slot: "clock",
            bytes: try TestModules.wat(wat, manifest: "name = clock\nversion = 1.0\ncapabilities = clock, commands.emit\n"))
        var driver = Driver(core)
        driver.quanta(3)
        #expect(output.commands.map(\.milliValue) == [10_000, 10, 20_000, 20, 30_000, 30])
    }

    @Test("a grant that does not advance is acknowledged again without running the pipeline")
    func repeatedGrantIsOnlyAcknowledged() throws {
        let (core, output) = try makeCore([("filter", "calibrate-filter"), ("regulator", "thermostat")])
        var driver = Driver(core)
        driver.quanta(1)
        output.clear()
        core.receive(Frame(sequence: 0, timestamp: 10_000_000, flags: [.virtualTime, .replayed], message: .tickGrant(throughTick: 10)))
        #expect(output.sent.map(\.message) == [.tickAck(throughTick: 10)])
        #expect(core.status.batches == 1)
        #expect(core.status.grantsRepeated == 1)
    }

    @Test("two cores fed the same frames send identical frames")
    func pipelineIsDeterministic() throws {
        func run() throws -> [RecordingOutput.Sent] {
            let (core, output) = try makeCore(
                [("filter", "calibrate-filter"), ("regulator", "thermostat"), ("anomaly", "anomaly")])
            var driver = Driver(core)
            for k in 0..<30 { driver.quantum(temperature: { 19_000 + Int32(($0 * 37) % 900) + (k == 20 ? 3000 : 0) }) }
            return output.sent
        }
        let first = try run()
        #expect(first.count > 60)
        #expect(try run() == first)
    }

    @Test("log lines written by ssoc_init carry the slot's name and are flushed with the first batch")
    func initLogsAreAttributed() throws {
        let (core, output) = try makeCore([("filter", "calibrate-filter"), ("regulator", "thermostat")])
        #expect(output.logs.isEmpty)
        var driver = Driver(core)
        driver.quanta(1)
        #expect(output.logs.map(\.slot) == ["filter", "regulator"])
        #expect(output.logs.map(\.message) == ["calibrate-filter ready", "thermostat ready"])
        #expect(output.events.map(\.module) == ["calibrate-filter", "thermostat"])
    }

    @Test("real-clock grants are answered without the virtual-time flag")
    func realClockFlagsAreEchoed() throws {
        let (core, output) = try makeCore([("regulator", "thermostat")])
        var driver = Driver(core)
        driver.flags = []
        driver.quanta(1)
        #expect(!output.sent.isEmpty)
        #expect(output.sent.allSatisfy { $0.flags.isEmpty })
    }
}

/// A probe module: on every batch, emits the latest value of `channel` as a command to target 2.
func latestProbeWAT(channel: Int) -> String {
    """
    (module
      (import "ssoc" "latest" (func $latest (param i32 i32) (result i32)))
      (import "ssoc" "emit_command" (func $emit (param i32 i32 i32) (result i32)))
      (memory (export "memory") 1)
      (func (export "ssoc_init") (result i32) (i32.const 0))
      (func (export "ssoc_on_batch") (param i32) (result i32)
        (if (call $latest (i32.const \(channel)) (i32.const 0))
          (then (drop (call $emit (i32.const 2) (i32.load offset=8 (i32.const 0)) (i32.const 0)))))
        (i32.const 0)))
    """
}

let probeManifest = "name = probe\nversion = 1.0\ncapabilities = samples.read, commands.emit\n"
