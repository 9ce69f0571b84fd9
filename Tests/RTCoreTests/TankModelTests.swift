import CAllocationCounter
import RTCore
import Testing

/// The tank board's models: the plant, the SPI pressure transmitter and the bouncing float switch.
@Suite("Tank models")
struct TankModelTests {
    static func tank(consumer: Double = 0, level: Double = 0.2) -> TankPlant {
        TankPlant(
            area: 0.01, height: 1.0, pumpMaxFlow: 3e-4, pumpDeadBand: 0.15, drainCoefficient: 2.1e-4,
            consumerFlow: consumer, initialLevel: level)
    }

    @Test("Volume balance: stored = pumped − drained − consumed − spilled, also when it overflows")
    func volumeBalance() {
        var plant = Self.tank(consumer: 5e-5)
        for i in 0..<120_000 { plant.step(seconds: 0.001, pumpDuty: i < 60_000 ? 1 : 0.4, drainOpen: i % 7 == 0, substeps: 2) }
        let ledger = plant.volumePumped - plant.volumeDrained - plant.volumeConsumed - plant.volumeSpilled
        #expect(abs(plant.volumeStored - ledger) < 1e-9)
        #expect(plant.volumeSpilled > 0, "full duty for 60 s fills 1 m and spills")
        #expect(plant.level <= plant.height)
    }

    @Test("The pump delivers nothing in its dead band, then linearly to full flow")
    func pumpCurve() {
        let plant = Self.tank()
        #expect(plant.pumpFlow(duty: 0.10) == 0)
        #expect(plant.pumpFlow(duty: 0.15) == 0)
        #expect(abs(plant.pumpFlow(duty: 0.575) - 1.5e-4) < 1e-12)
        #expect(plant.pumpFlow(duty: 1.0) == 3e-4)
        #expect(plant.pumpFlow(duty: 2.0) == 3e-4)
        var still = Self.tank(level: 0.3)
        for _ in 0..<10_000 { still.step(seconds: 0.001, pumpDuty: 0.1, drainOpen: false, substeps: 1) }
        #expect(still.level == 0.3, "a pump in its dead band with every outlet closed leaves the level alone")
    }

    @Test("With the drain open the level settles where the pump balances Torricelli's outflow")
    func torricelliSteadyState() throws {
        var plant = Self.tank(consumer: 2e-5, level: 0.05)
        let expected = try #require(plant.steadyStateLevel(pumpDuty: 0.6))
        for _ in 0..<600 { plant.step(seconds: 1, pumpDuty: 0.6, drainOpen: true, substeps: 100) }
        #expect(abs(plant.level - expected) < 1e-4, "level \(plant.level) m, expected \(expected) m")
    }

    @Test("Draining empties fast when full and slowly near empty (√h), and never below zero")
    func drainShape() {
        var plant = Self.tank(level: 0.9)
        plant.step(seconds: 0.1, pumpDuty: 0, drainOpen: true, substeps: 10)
        let fullDrop = 0.9 - plant.level
        var low = Self.tank(level: 0.1)
        low.step(seconds: 0.1, pumpDuty: 0, drainOpen: true, substeps: 10)
        let lowDrop = 0.1 - low.level
        #expect(abs(fullDrop / lowDrop - 3.0) < 0.02, "√(0.9/0.1) = 3")
        for _ in 0..<1_000 { low.step(seconds: 1, pumpDuty: 0, drainOpen: true, substeps: 10) }
        #expect(low.level >= 0)
        #expect(low.level < 1e-3)
    }

    @Test("Transmitter: the 10–90 % transfer function, 14-bit quantisation, clamping, and its inverse")
    func transferFunction() {
        let sensor = SPIPressureTransmitter(minimumPascal: 0, maximumPascal: 10_000, conversionPeriodTicks: 1)
        #expect(sensor.counts(pascal: 0) == 1638)
        #expect(sensor.counts(pascal: 10_000) == 14745)
        #expect(sensor.counts(pascal: 5_000) == 8191)
        #expect(sensor.counts(pascal: -50_000) == 0)
        #expect(sensor.counts(pascal: 50_000) == 16383)
        let lsb = 10_000.0 / 13_107
        for pascal in stride(from: 0.0, through: 10_000, by: 37.7) {
            #expect(abs(sensor.pascal(counts: sensor.counts(pascal: pascal)) - pascal) <= lsb / 2 + 1e-9)
        }
    }

    @Test("Transmitter on the bus: normal, then stale on a second read, fresh after the next conversion")
    func staleFrames() {
        var bus = MockSPIBus(
            device: SPIPressureTransmitter(minimumPascal: 0, maximumPascal: 10_000, conversionPeriodTicks: 2),
            glitchPermille: 0)
        var noise = PlantNoise(seed: 1)
        bus.device.sense(pascal: 4_903, tick: 0)
        let first = bus.readFrame(noise: &noise)
        #expect(first.status == .normal)
        #expect(first.counts == bus.device.counts(pascal: 4_903))
        bus.device.sense(pascal: 6_000, tick: 1)  // not a conversion tick
        let result1 = bus.readFrame(noise: &noise)
        #expect(result1.status == .stale)
        bus.device.sense(pascal: 6_000, tick: 2)
        let fresh = bus.readFrame(noise: &noise)
        #expect(fresh.status == .normal)
        #expect(fresh.counts == bus.device.counts(pascal: 6_000))
        #expect(bus.reads == 3 && bus.failedReads == 1)
    }

    @Test("Transmitter faults: diagnostic status, a disconnected device reads all ones, a frozen one serves its last conversion once, then stale")
    func faults() {
        var bus = MockSPIBus(
            device: SPIPressureTransmitter(minimumPascal: 0, maximumPascal: 10_000, conversionPeriodTicks: 1),
            glitchPermille: 0)
        var noise = PlantNoise(seed: 2)
        bus.device.fault = .diagnostic
        bus.device.sense(pascal: 1_000, tick: 0)
        let result2 = bus.readFrame(noise: &noise)
        #expect(result2.status == .diagnostic)
        bus.device.fault = .disconnected
        bus.device.sense(pascal: 1_000, tick: 1)
        let absent = bus.readFrame(noise: &noise)
        #expect(absent.status == .diagnostic && absent.counts == 0x3FFF)
        bus.device.fault = .frozen
        bus.device.sense(pascal: 9_000, tick: 2)
        // The disconnected read shifted nothing out, so tick 1's conversion is still unread.
        let last = bus.readFrame(noise: &noise)
        #expect(last.status == .normal && last.counts == bus.device.counts(pascal: 1_000))
        bus.device.sense(pascal: 9_000, tick: 3)
        let frozen = bus.readFrame(noise: &noise)
        #expect(frozen.status == .stale && frozen.counts == bus.device.counts(pascal: 1_000))
        bus.device.fault = .ok
        bus.device.sense(pascal: 9_000, tick: 4)
        let result3 = bus.readFrame(noise: &noise)
        #expect(result3.status == .normal)
    }

    @Test("Glitch injection corrupts about the configured share of frames, the same ones for the same seed")
    func glitches() {
        func failedReads(seed: UInt64) -> (UInt64, UInt64) {
            var bus = MockSPIBus(
                device: SPIPressureTransmitter(minimumPascal: 0, maximumPascal: 10_000, conversionPeriodTicks: 1),
                glitchPermille: 100)
            var noise = PlantNoise(seed: seed)
            var pattern: UInt64 = 0
            for tick in 0..<10_000 as Range<UInt64> {
                bus.device.sense(pascal: 5_000, tick: tick)
                if bus.readFrame(noise: &noise).status != .normal && tick < 64 { pattern |= 1 << tick }
            }
            return (bus.failedReads, pattern)
        }
        let (failed, pattern) = failedReads(seed: 9)
        #expect(failed > 900 && failed < 1_100)
        #expect(failedReads(seed: 9) == (failed, pattern))
        #expect(failedReads(seed: 10).1 != pattern)
    }

    @Test("A bouncing contact chatters after each change, settles, and the debouncer sees one clean edge")
    func bounce() {
        var contact = BouncingContact(minimumBounceMicroseconds: 2_000, maximumBounceMicroseconds: 6_000, initial: false)
        var debouncer = Debouncer(stableSamples: 10, initial: false)
        var noise = PlantNoise(seed: 3)
        var debouncedEdges = 0
        var last = false
        for tick in 0..<400 {
            let actual = (100..<250).contains(tick)
            let pin = contact.sample(actual: actual, elapsedMicroseconds: 1_000, noise: &noise)
            let clean = debouncer.feed(pin)
            if clean != last { debouncedEdges += 1 }
            last = clean
            if tick == 99 || tick == 120 || tick == 399 { #expect(pin == actual, "settled at tick \(tick)") }
        }
        #expect(contact.pinEdges > 2, "the raw pin bounced")
        #expect(debouncedEdges == 2)
        #expect(debouncer.changes == 2)
    }

    @Test("The same seed gives the same bounce edge for edge; another seed a different one")
    func bounceDeterminism() {
        func trace(seed: UInt64) -> [Bool] {
            var contact = BouncingContact(minimumBounceMicroseconds: 1_000, maximumBounceMicroseconds: 8_000, initial: false)
            var noise = PlantNoise(seed: seed)
            return (0..<200).map { contact.sample(actual: $0 >= 50 && $0 < 120, elapsedMicroseconds: 250, noise: &noise) }
        }
        #expect(trace(seed: 4) == trace(seed: 4))
        #expect(trace(seed: 4) != trace(seed: 5))
    }

    @Test("The float switch closes at its trip level and opens only below the hysteresis band")
    func floatSwitch() {
        var float = FloatSwitch(tripLevel: 0.9, hysteresis: 0.01)
        let result101 = float.update(level: 0.89)
        #expect(!result101)
        let result102 = float.update(level: 0.9)
        #expect(result102)
        let result103 = float.update(level: 0.895)
        #expect(result103)
        let result104 = float.update(level: 0.889)
        #expect(!result104)
    }

    @Test("Stepping the tank, reading the transmitter and sampling the switch allocate nothing")
    func allocationFree() {
        var plant = Self.tank(consumer: 5e-5)
        var bus = MockSPIBus(
            device: SPIPressureTransmitter(minimumPascal: 0, maximumPascal: 10_000, conversionPeriodTicks: 2),
            glitchPermille: 10)
        var contact = BouncingContact(minimumBounceMicroseconds: 1_000, maximumBounceMicroseconds: 5_000, initial: false)
        var float = FloatSwitch(tripLevel: 0.5, hysteresis: 0.01)
        var debouncer = Debouncer(stableSamples: 5, initial: false)
        var noise = PlantNoise(seed: 6)
        var checksum = 0
        splitsoc_alloc_enable()
        // An Int loop: iterating a Range<UInt64> allocates once per step in a debug build.
        for step in 0..<20_000 {
            let tick = UInt64(step)
            plant.step(seconds: 0.001, pumpDuty: tick % 4_000 < 2_000 ? 1 : 0, drainOpen: tick % 3 == 0, substeps: 2)
            bus.device.sense(pascal: plant.level * 9_806.65, tick: tick)
            checksum &+= bus.readFrame(noise: &noise).counts
            let pin = contact.sample(actual: float.update(level: plant.level), elapsedMicroseconds: 1_000, noise: &noise)
            checksum &+= debouncer.feed(pin) ? 1 : 0
        }
        let allocations = splitsoc_alloc_count()
        splitsoc_alloc_disable()
        #expect(allocations == 0)
        #expect(checksum > 0)
    }
}

