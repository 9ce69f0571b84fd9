import Foundation
import RTCore
import SoCWire
import Testing

@Suite("Real-time node on the virtual clock: control path, fail-safe, recovery")
struct NodeScenarioTests {
    @Test("With the stand-in application core in the loop, the zone reaches the setpoint")
    func closedLoop() throws {
        let h = try LockstepHarness(board: try Boards.load("thermo-adc"), seed: 7)
        h.handshake()
        h.run(quanta: 6_000)  // 60 s at 1 kHz
        #expect(h.node.supervisor.state == .normal)
        // A proportional controller (gain 0.5 ‰/m°C) settles 0.4 °C under the setpoint.
        #expect(abs(h.node.trueProcessValue - 40_000) < 800, "temperature \(h.node.trueProcessValue)")
        // The last quantum's command is applied at the next boundary, which has not run yet.
        #expect(h.node.gate.counters.accepted == 5_999)
        #expect(h.samplesSeen == 3 * 60_000)
    }

    @Test("Silence enters fail-safe within silenceTicks + quantum ticks; the fallback holds the safe setpoint")
    func silenceEntersFailSafe() throws {
        let board = try Boards.load("thermo-adc")
        let h = try LockstepHarness(board: board, seed: 1)
        h.handshake()
        h.run(quanta: 100)
        #expect(h.node.supervisor.state == .normal)
        let lastAnswer = h.engine.nextTick  // the stand-in's last frames are applied at this tick
        h.appAnswers = false
        var enteredAt: UInt64?
        for _ in 0..<100 where enteredAt == nil {
            h.run(quanta: 1)
            if h.node.supervisor.state == .failSafe { enteredAt = h.engine.nextTick }
        }
        let entered = try #require(enteredAt)
        // Commands expire (500 ticks) later than silence (250): silence is the reason.
        #expect(h.node.supervisor.lastReason == .silence)
        #expect(entered - lastAnswer <= UInt64(board.silenceTicks) + UInt64(h.quantum) + 1)
        // The fallback keeps the zone near the fail-safe setpoint, keeps running every tick.
        h.run(quanta: 12_000)
        #expect(abs(h.node.trueProcessValue - Double(board.failSafeSetpointMilliC)) < 2_500)
        #expect(h.engine.scheduler.deadlineMisses == 0)
        #expect(h.node.supervisor.failSafeEntries == 1)
    }

    @Test("The fallback holds the operator's setpoint when it is below the board's safe ceiling")
    func fallbackNeverHeatsAboveTheOperatorSetpoint() throws {
        let board = try Boards.load("thermo-adc")
        #expect(board.failSafeSetpointMilliC > 30_000)
        let h = try LockstepHarness(board: board, seed: 3, setpoint: 30_000)
        h.handshake()
        h.run(quanta: 100)
        h.appAnswers = false
        h.run(quanta: 12_000)
        #expect(h.node.supervisor.state == .failSafe)
        #expect(abs(h.node.trueProcessValue - 30_000) < 2_500, "temperature \(h.node.trueProcessValue)")
    }

    @Test("A new handshake after fail-safe returns to normal and the application drives again")
    func recovery() throws {
        let h = try LockstepHarness(board: try Boards.load("thermo-i2c"), seed: 2)
        h.handshake()
        h.run(quanta: 10)
        h.appAnswers = false
        h.run(quanta: 10)
        #expect(h.node.supervisor.state == .failSafe)
        let acceptedBefore = h.node.gate.counters.accepted
        h.appAnswers = true
        h.run(quanta: 3)  // commands while in fail-safe are ignored
        #expect(h.node.gate.counters.accepted == acceptedBefore)
        #expect(h.node.commandsIgnored >= 2)
        h.handshake()
        h.run(quanta: 3)
        #expect(h.node.supervisor.state == .normal)
        #expect(h.node.supervisor.failSafeExits == 1)
        #expect(h.node.gate.counters.accepted > acceptedBefore)
    }

    @Test("Repeated invalid commands enter fail-safe and each is answered with a Reject")
    func invalidCommands() throws {
        let h = try LockstepHarness(board: try Boards.load("thermo-adc"), seed: 3)
        h.handshake()
        h.run(quanta: 2)
        h.pending = (0..<5).map { _ in .command(target: 42, value: 1) }
        h.run(quanta: 2)
        #expect(h.node.supervisor.state == .failSafe)
        #expect(h.node.supervisor.lastReason == .invalidCommands)
        #expect(h.rejects == 5)
    }

    @Test("A duty command that is not renewed expires and enters fail-safe")
    func expiry() throws {
        let h = try LockstepHarness(board: try Boards.load("thermo-adc"), seed: 4)
        h.handshake()
        h.validTicks = 5
        h.run(quanta: 2)
        h.commandTarget = 2  // keeps the link alive with setpoint overrides only
        h.run(quanta: 2)
        #expect(h.node.supervisor.state == .failSafe)
        #expect(h.node.supervisor.lastReason == .commandExpired)
        #expect(h.node.gate.counters.expired >= 1)
    }

    @Test("The over-temperature cut-off forces the heater off whatever the application asks")
    func overTemperature() throws {
        let h = try LockstepHarness(board: try Boards.load("thermo-adc"), seed: 5)
        h.handshake()
        h.node.inbound.tryPush(InboundEvent(kind: .operatorSetpoint, value: 80_000))
        h.node.inbound.tryPush(InboundEvent(kind: .ambient, value: 130_000))  // a fire next door
        h.run(quanta: 10_000)
        #expect(h.node.overTemperature)
        #expect(h.node.appliedDuty == 0)
        #expect(h.node.interlockTrips >= 1)
    }

    @Test("I2C NACKs give fault samples; three in a row trip the sensor-fault interlock")
    func sensorFault() throws {
        let h = try LockstepHarness(board: try Boards.load("thermo-i2c"), seed: 6)
        h.handshake()
        h.run(quanta: 5)
        #expect(h.node.appliedDuty > 0)
        h.node.inbound.tryPush(InboundEvent(kind: .sensorFault, value: Int32(SensorFaultMode.outOfRange.rawValue)))
        h.run(quanta: 1)
        #expect(h.node.measuredStatus == .fault)
        #expect(h.node.sensorFaultInterlock)
        #expect(h.node.appliedDuty == 0)
        h.node.inbound.tryPush(InboundEvent(kind: .sensorFault, value: 0))
        h.run(quanta: 2)
        #expect(!h.node.sensorFaultInterlock)
    }

    @Test("Stimuli from a file apply at their tick: I2C NACKs, a stuck sensor, a setpoint step")
    func stimuli() throws {
        let stimuli = try Stimulus.parseFile(
            """
            # splitsoc stimuli v1
            200 setpoint 30000
            100 i2c-nack 1000
            150 i2c-nack 0
            300 sensor stuck
            """, source: "s.txt")
        #expect(stimuli.map(\.tick) == [100, 150, 200, 300])
        let board = try Boards.load("thermo-i2c")
        let engine = RTEngine(
            board: board, options: RTRunOptions(seed: 1, stimuli: stimuli), clock: VirtualClock(), traceTiming: false, origin: 0)
        for _ in 0..<101 { engine.step() }
        #expect(engine.node.measuredStatus == .fault)
        for _ in 0..<100 { engine.step() }
        #expect(engine.node.measuredStatus == .ok)
        #expect(engine.node.operatorSetpoint == 30_000)
        for _ in 0..<100 { engine.step() }
        let frozen = engine.node.measured
        for _ in 0..<100 { engine.step() }
        #expect(engine.node.measured == frozen)
        #expect(engine.node.sensorFault == .stuck)
        #expect(throws: BoardError.self) { try Stimulus.parseFile("5 sensor melted", source: "s.txt") }
        #expect(throws: BoardError.self) { try Stimulus.parseFile("x setpoint 1", source: "s.txt") }
    }

    @Test("The motor board runs its speed loop on channels 3/4 with target 3")
    func motor() throws {
        let h = try LockstepHarness(board: try Boards.load("motor-1k"), seed: 8, quantum: 1)
        h.commandTarget = 3
        h.handshake()
        h.run(quanta: 2_000)
        #expect(h.node.supervisor.state == .normal)
        #expect(abs(h.node.trueProcessValue - 200_000) < 40_000, "speed \(h.node.trueProcessValue)")
    }

    @Test("On the 1 kHz motor, a longer quantum (bridge latency) makes the speed loop track worse")
    func latencyMattersOnTheMotor() throws {
        func rmsError(quantum: Int) throws -> Double {
            let h = try LockstepHarness(board: try Boards.load("motor-1k"), seed: 8, quantum: quantum)
            h.commandTarget = 3
            h.handshake()
            var sum = 0.0
            var count = 0
            for _ in 0..<(3_000 / quantum) {
                h.run(quanta: 1)
                let error = (h.node.trueProcessValue - 200_000) / 1000
                if h.engine.nextTick > 500 {  // after the start-up transient
                    sum += error * error
                    count += 1
                }
            }
            return (sum / Double(count)).squareRoot()
        }
        let fast = try rmsError(quantum: 1)
        let slow = try rmsError(quantum: 50)
        #expect(fast < slow, "rms speed error: Q=1 \(fast) rad/s, Q=50 \(slow) rad/s")
    }

    @Test("The duty rate limit bounds the change per tick")
    func rateLimit() throws {
        let h = try LockstepHarness(board: try Boards.load("thermo-i2c"), seed: 9, quantum: 1)  // 100 ‰ per tick
        h.appAnswers = false
        h.handshake()
        h.run(quanta: 1)
        h.node.inbound.tryPush(.command(target: 1, value: 800))
        h.run(quanta: 2)
        #expect(h.node.appliedDuty <= 200)
        #expect(h.node.appliedDuty > 0)
    }
}

@Suite("Trace determinism")
struct TraceDeterminismTests {
    func digest(board: String, seed: UInt64) throws -> String {
        let h = try LockstepHarness(board: try Boards.load(board), seed: seed)
        h.handshake()
        h.run(quanta: 300)
        h.appAnswers = false
        h.run(quanta: 100)
        h.handshake()
        h.appAnswers = true
        h.run(quanta: 100)
        return h.digest()
    }

    @Test("The same scenario and seed give the same digest; another seed gives another", arguments: ["thermo-adc", "thermo-i2c"])
    func sameSeedSameDigest(board: String) throws {
        let a = try digest(board: board, seed: 42)
        let b = try digest(board: board, seed: 42)
        let c = try digest(board: board, seed: 43)
        #expect(a == b)
        #expect(a != c)
        #expect(a.count == 64)
    }

    @Test("The digest printed equals the SHA-256 of the trace file's bytes")
    func digestMatchesFile() throws {
        let path = "/tmp/splitsoc-rt-trace-\(getpid()).txt"
        defer { unlink(path) }
        let h = try LockstepHarness(board: try Boards.load("thermo-adc"), seed: 11, tracePath: path)
        h.handshake()
        h.run(quanta: 50)
        let printed = h.digest()
        let bytes = try #require(FileManager.default.contents(atPath: path))
        #expect(SHA256.hex(of: Array(bytes)) == printed)
        let text = String(decoding: bytes, as: UTF8.self)
        #expect(text.hasPrefix("# splitsoc-rt trace v1\n# board=thermo-adc clock=virtual seed=11 tick_hz=1000 quantum=10\n"))
        #expect(text.contains("\n0 sample ch=0 status=ok value="))
        #expect(text.contains(" state from=starting to=normal reason=session\n"))
    }
}
