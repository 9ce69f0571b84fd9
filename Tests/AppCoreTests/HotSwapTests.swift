import AppCore
import SoCWire
import Testing

@Suite("Hot swap")
struct HotSwapTests {
    private func runningCore(probation: Int = 10) throws -> (ApplicationCore, RecordingOutput) {
        var configuration = AppCoreConfiguration()
        configuration.probationBatches = probation
        let output = RecordingOutput()
        let core = ApplicationCore(configuration: configuration, clock: SteppingClock(), output: output)
        try core.addModule(slot: "filter", bytes: try TestModules.bytes("calibrate-filter"))
        try core.addModule(slot: "regulator", bytes: try TestModules.bytes("thermostat"))
        return (core, output)
    }

    @Test("a new version is swapped in between batches under traffic and passes probation")
    func swapUnderTraffic() throws {
        let (core, output) = try runningCore(probation: 10)
        var driver = Driver(core)
        driver.quanta(5, temperature: 20_000)
        let before = try #require(output.commands.last?.milliValue)

        let swapped = try core.swap(slot: "regulator", bytes: try TestModules.bytes("thermostat-1.1"))
        #expect(swapped.from == ModuleVersion(major: 1, minor: 0))
        #expect(swapped.to == ModuleVersion(major: 1, minor: 1))
        #expect(core.status.modules[1].state == .probation(remaining: 10))

        driver.quanta(1, temperature: 20_000)
        let after = try #require(output.commands.last?.milliValue)
        // v1.1 has stronger gains plus feed-forward: a visibly different duty for the same error.
        #expect(after > before)
        driver.quanta(10, temperature: 20_000)
        let status = core.status
        #expect(status.modules[1].version == ModuleVersion(major: 1, minor: 1))
        #expect(status.modules[1].state == .active)
        // Traffic never stopped: one command and one ack per batch.
        #expect(output.acks.count == 16)
        #expect(output.commands.filter { $0.target == 1 }.count == 16)
        #expect(output.eventKinds(slot: "regulator") == [.loaded, .swapped])
        let event = try #require(output.events.last)
        #expect(event.from == ModuleVersion(major: 1, minor: 0) && event.to == ModuleVersion(major: 1, minor: 1))
    }

    @Test("a new version that traps during probation is rolled back automatically")
    func automaticRollback() throws {
        let (core, output) = try runningCore(probation: 50)
        var driver = Driver(core)
        driver.quanta(3, temperature: 21_000)
        try core.swap(slot: "regulator", bytes: try TestModules.bytes("thermostat-faulty"))
        driver.quanta(25, temperature: 21_000)  // the faulty version traps on its 21st batch

        #expect(output.eventKinds(slot: "regulator") == [.loaded, .swapped, .trapped, .rolledBack])
        let rollback = try #require(output.events.last)
        #expect(rollback.from == ModuleVersion(major: 1, minor: 2))
        #expect(rollback.to == ModuleVersion(major: 1, minor: 0))
        let status = core.status.modules[1]
        #expect(status.version == ModuleVersion(major: 1, minor: 0))
        #expect(status.state == .active)
        #expect(status.rollbacks == 1)
        // Every batch was answered; only the trapping batch lost its command.
        #expect(output.acks.count == 28)
        #expect(output.commands.filter { $0.target == 1 }.count == 27)
        // The wire saw the rollback too.
        let kinds = output.sent.compactMap { if case .moduleEvent(let e) = $0.message { return e.kind } else { return nil } }
        #expect(kinds.suffix(2) == [.trapped, .rolledBack])
    }

    @Test("a refused swap leaves the running version in place")
    func refusedSwapKeepsRunningVersion() throws {
        let (core, output) = try runningCore()
        var driver = Driver(core)
        driver.quanta(1)
        #expect(throws: ModuleLoadError.self) { try core.swap(slot: "regulator", bytes: [0, 1, 2, 3]) }
        let anomaly = try TestModules.bytes("anomaly")
        do {
            try core.swap(slot: "regulator", bytes: anomaly)
            Issue.record("swapped a module with a different name")
        } catch {
            #expect(error.kind == .badSlot)
        }
        let newer = try TestModules.bytes("thermostat-1.1")
        do {
            try core.swap(slot: "nope", bytes: newer)
            Issue.record("swapped into a missing slot")
        } catch {
            #expect(error.kind == .badSlot)
        }
        driver.quanta(1)
        #expect(core.status.modules[1].version == ModuleVersion(major: 1, minor: 0))
        #expect(output.commands.count == 2)
    }

    @Test("a swap brings a quarantined slot back")
    func swapRevivesQuarantinedSlot() throws {
        var configuration = AppCoreConfiguration()
        configuration.probationBatches = 5
        let output = RecordingOutput()
        let core = ApplicationCore(configuration: configuration, clock: SteppingClock(), output: output)
        try core.addModule(slot: "x", bytes: try TestModules.bytes("unreachable"))
        var driver = Driver(core)
        driver.quanta(3)
        #expect(core.status.modules[0].state == .quarantined)
        // Same module name ("hostile-unreachable"), fixed body.
        let fixed = try TestModules.wat(idleWAT, manifest: "name = hostile-unreachable\nversion = 0.2\n")
        let swapped = try core.swap(slot: "x", bytes: fixed)
        #expect(swapped.from == nil)
        driver.quanta(6)
        #expect(core.status.modules[0].state == .active)
        #expect(core.status.modules[0].calls == 9)
    }
}
