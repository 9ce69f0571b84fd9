import AppCore
import SoCWire
import Testing

/// Every hostile module gets a clear error, and the application core keeps serving its other
/// modules: the thermostat keeps commanding the heater and every grant is acknowledged.
@Suite("Sandbox")
struct SandboxTests {
    private func healthyCore(clock: SteppingClock = SteppingClock(), configuration: AppCoreConfiguration = AppCoreConfiguration())
        throws -> (ApplicationCore, RecordingOutput)
    {
        let output = RecordingOutput()
        let core = ApplicationCore(configuration: configuration, clock: clock, output: output)
        try core.addModule(slot: "filter", bytes: try TestModules.bytes("calibrate-filter"))
        try core.addModule(slot: "regulator", bytes: try TestModules.bytes("thermostat"))
        return (core, output)
    }

    @Test(
        "modules that break the rules are refused at load with a clear error",
        arguments: [
            ("undeclared-import", ModuleLoadError.Kind.undeclaredImport, "commands.emit"),
            ("foreign-import", ModuleLoadError.Kind.unknownImport, "env.system"),
            ("huge-memory", ModuleLoadError.Kind.overBudget, "memory pages"),
        ] as [(String, ModuleLoadError.Kind, String)])
    func hostileModulesAreRefusedAtLoad(stem: String, kind: ModuleLoadError.Kind, mention: String) throws {
        let (core, output) = try healthyCore()
        let bytes = try TestModules.bytes(stem)
        do {
            try core.addModule(slot: "hostile", bytes: bytes)
            Issue.record("\(stem) was accepted")
        } catch {
            #expect(error.kind == kind)
            #expect(error.message.contains(mention), "\(error)")
        }
        #expect(core.slotNames == ["filter", "regulator"])
        var driver = Driver(core)
        driver.quanta(2)
        #expect(output.acks == [10, 20])
        #expect(output.commands.count == 2)
    }

    @Test("an invalid binary, a binary without a manifest and an oversized binary are refused")
    func malformedBinariesAreRefused() throws {
        var configuration = AppCoreConfiguration()
        configuration.maxModuleBytes = 64 * 1024
        let (core, _) = try healthyCore(configuration: configuration)
        func refusal(_ bytes: [UInt8]) -> ModuleLoadError? {
            do {
                try core.addModule(slot: "bad", bytes: bytes)
                return nil
            } catch { return error }
        }
        #expect(refusal([0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00, 0xff, 0x00])?.kind == .invalidBinary)
        #expect(refusal(Array("hello".utf8))?.kind == .invalidBinary)
        #expect(refusal(try TestModules.wat(idleWAT, manifest: nil))?.kind == .missingManifest)
        let oversized = try TestModules.bytes("passthrough") + [UInt8](repeating: 0, count: 100 * 1024)
        let tooLarge = refusal(oversized)
        #expect(tooLarge?.kind == .tooLarge)
        #expect(tooLarge?.message.contains("65536") == true)
        // A body that does not type-check is caught at load (eager compilation), not at first call.
        let illTyped = try TestModules.wat(
            """
            (module (memory (export "memory") 1)
              (func (export "ssoc_init") (result i32) (i32.const 0))
              (func (export "ssoc_on_batch") (param i32) (result i32) (i64.const 0)))
            """, manifest: "name = bad\nversion = 1.0\n")
        #expect(refusal(illTyped)?.kind == .invalidBinary)
        #expect(core.slotNames == ["filter", "regulator"])
    }

    @Test("a capability the configuration does not grant refuses the module")
    func ungrantedCapabilityIsRefused() throws {
        var configuration = AppCoreConfiguration()
        configuration.grantedCapabilities = [.samplesRead, .samplesWrite, .log]
        let output = RecordingOutput()
        let core = ApplicationCore(configuration: configuration, clock: SteppingClock(), output: output)
        try core.addModule(slot: "filter", bytes: try TestModules.bytes("calibrate-filter"))
        #expect {
            try core.addModule(slot: "regulator", bytes: try TestModules.bytes("thermostat"))
        } throws: { error in
            (error as? ModuleLoadError)?.kind == .capabilityNotGranted && "\(error)".contains("commands.emit")
        }
    }

    @Test("a manifest asking for more fuel than the cap is refused")
    func fuelOverCapIsRefused() throws {
        var configuration = AppCoreConfiguration()
        configuration.maxFuelPerBatch = 1000
        let output = RecordingOutput()
        let core = ApplicationCore(configuration: configuration, clock: SteppingClock(), output: output)
        #expect {
            try core.addModule(slot: "regulator", bytes: try TestModules.bytes("thermostat"))
        } throws: { error in
            (error as? ModuleLoadError)?.kind == .overBudget && "\(error)".contains("fuel")
        }
    }

    @Test(
        "a module that faults at run time is reported, restarted, then quarantined, and the others keep running",
        arguments: [
            ("infinite-loop", ModuleEventKind.outOfFuel, "out of fuel"),
            ("memory-bomb", ModuleEventKind.trapped, "unreachable"),
            ("unreachable", ModuleEventKind.trapped, "unreachable"),
            ("recursion", ModuleEventKind.trapped, "call stack exhausted"),
            ("bad-pointer", ModuleEventKind.trapped, "outside the module's"),
        ] as [(String, ModuleEventKind, String)])
    func runtimeFaultsAreContained(stem: String, kind: ModuleEventKind, mention: String) throws {
        let (core, output) = try healthyCore()
        try core.addModule(slot: "hostile", bytes: try TestModules.bytes(stem))
        output.clear()
        var driver = Driver(core)
        driver.quanta(6)

        let hostile = output.events.filter { $0.slot == "hostile" }
        #expect(hostile.map(\.kind) == [kind, .restarted, kind, .restarted, kind, .quarantined])
        #expect(hostile.first?.detail.contains(mention) == true, "\(hostile.first?.detail ?? "no event")")
        // Every fault also went to the real-time core as a ModuleEvent frame.
        let wireEvents = output.sent.compactMap { if case .moduleEvent(let e) = $0.message { return e } else { return nil } }
        #expect(wireEvents.map(\.kind) == hostile.map(\.kind))
        #expect(wireEvents.allSatisfy { $0.slot == 2 })

        let status = core.status
        #expect(status.modules[2].state == .quarantined)
        #expect(status.modules[2].traps == 3)
        #expect(status.modules[0].traps == 0 && status.modules[1].traps == 0)
        // The healthy modules served every batch, before and after the quarantine.
        #expect(output.acks == [10, 20, 30, 40, 50, 60])
        #expect(output.commands.filter { $0.target == 1 }.count == 6)
        #expect(status.modules[1].calls == 6)
    }

    @Test("the memory cap refuses growth: memory.grow returns -1 to the guest")
    func memoryGrowthIsRefused() throws {
        let (core, _) = try healthyCore()
        try core.addModule(slot: "hostile", bytes: try TestModules.bytes("memory-bomb"))
        var driver = Driver(core)
        driver.quanta(1)
        let status = core.status.modules[2]
        #expect(status.traps == 1)
        #expect(status.restarts == 1)
    }

    @Test("a call over its wall-clock deadline counts as misbehaviour")
    func deadlineIsEnforced() throws {
        let clock = SteppingClock(step: 1_000)
        var configuration = AppCoreConfiguration()
        configuration.initDeadlineNanoseconds = 1_000_000_000  // the restart's init must fit in a 60 ms "call"
        let (core, output) = try healthyCore(clock: clock, configuration: configuration)
        output.clear()
        var driver = Driver(core)
        driver.quanta(1)
        #expect(output.events.isEmpty)
        clock.step = 60_000_000  // every call now "takes" 60 ms; the thermostat's deadline is 50 ms
        driver.quanta(1)
        let regulator = output.events.filter { $0.slot == "regulator" }
        #expect(regulator.map(\.kind) == [.deadlineExceeded, .restarted])
        #expect(regulator.first?.wireDetail == 60_000)
        // The over-deadline call's command was discarded; the ack still went out.
        #expect(output.commands.count == 1)
        #expect(output.acks == [10, 20])
    }

    @Test("a failed call leaves no trace: its commands and derived samples are discarded")
    func failedCallsAreRolledBack() throws {
        let output = RecordingOutput()
        let core = ApplicationCore(clock: SteppingClock(), output: output)
        let wat = """
            (module
              (import "ssoc" "emit_command" (func $emit (param i32 i32 i32) (result i32)))
              (import "ssoc" "write_sample" (func $write (param i32 i32) (result i32)))
              (memory (export "memory") 1)
              (func (export "ssoc_init") (result i32) (i32.const 0))
              (func (export "ssoc_on_batch") (param i32) (result i32)
                (drop (call $emit (i32.const 1) (i32.const 1000) (i32.const 0)))
                (drop (call $write (i32.const 20) (i32.const 7)))
                (unreachable)))
            """
        try core.addModule(
            slot: "half", bytes: try TestModules.wat(wat, manifest: "name = half\nversion = 1.0\ncapabilities = commands.emit, samples.write\n"))
        try core.addModule(slot: "probe", bytes: try TestModules.wat(latestProbeWAT(channel: 20), manifest: probeManifest))
        var driver = Driver(core)
        driver.quanta(1)
        #expect(output.commands.isEmpty)
        #expect(output.eventKinds(slot: "half") == [.loaded, .trapped, .restarted])
    }

    @Test("modules cannot write hardware channels or exceed their command quota")
    func hostFunctionsEnforceLimits() throws {
        let output = RecordingOutput()
        var configuration = AppCoreConfiguration()
        configuration.maxCommandsPerModulePerBatch = 2
        let core = ApplicationCore(configuration: configuration, clock: SteppingClock(), output: output)
        let wat = """
            (module
              (import "ssoc" "emit_command" (func $emit (param i32 i32 i32) (result i32)))
              (import "ssoc" "write_sample" (func $write (param i32 i32) (result i32)))
              (memory (export "memory") 1)
              (func (export "ssoc_init") (result i32) (i32.const 0))
              (func (export "ssoc_on_batch") (param i32) (result i32)
                (drop (call $emit (i32.const 3) (call $write (i32.const 0) (i32.const 5)) (i32.const 0)))
                (drop (call $emit (i32.const 3) (i32.const 2) (i32.const 0)))
                (drop (call $emit (i32.const 3) (i32.const 3) (i32.const 0)))
                (i32.const 0)))
            """
        try core.addModule(
            slot: "greedy", bytes: try TestModules.wat(wat, manifest: "name = greedy\nversion = 1.0\ncapabilities = commands.emit, samples.write\n"))
        var driver = Driver(core)
        driver.quanta(1)
        // write_sample(0) returned -1; the third command was over the quota of 2.
        #expect(output.commands.map(\.milliValue) == [-1, 2])
    }
}

/// The batch's capacity is shared: each module has a quota of derived samples, so a module that
/// writes without end cannot make the next module's writes fail.
@Suite("Derived-sample quota")
struct DerivedSampleQuotaTests {
    static func writer(name: String, channel: Int, count: Int) -> String {
        """
        (module (import "ssoc" "write_sample" (func $write (param i32 i32) (result i32)))
          (import "ssoc" "emit_command" (func $emit (param i32 i32 i32) (result i32)))
          (memory (export "memory") 1)
          (func (export "ssoc_init") (result i32) (i32.const 0))
          (func (export "ssoc_on_batch") (param i32) (result i32) (local $i i32) (local $ok i32)
            (loop $again
              (if (i32.eqz (call $write (i32.const \(channel)) (local.get $i)))
                (then (local.set $ok (i32.add (local.get $ok) (i32.const 1)))))
              (local.set $i (i32.add (local.get $i) (i32.const 1)))
              (br_if $again (i32.lt_u (local.get $i) (i32.const \(count)))))
            (drop (call $emit (i32.const 2) (local.get $ok) (i32.const 0)))
            (i32.const 0)))
        """
    }

    @Test("a module writing 5000 derived samples gets its quota; the next module's writes still succeed")
    func oneModuleCannotFillTheBatch() throws {
        let output = RecordingOutput()
        let core = ApplicationCore(clock: SteppingClock(), output: output)
        let manifest = "version = 1.0\ncapabilities = samples.write, commands.emit\n"
        try core.addModule(slot: "greedy", bytes: try TestModules.wat(Self.writer(name: "greedy", channel: 20, count: 5000), manifest: "name = greedy\n" + manifest))
        try core.addModule(slot: "modest", bytes: try TestModules.wat(Self.writer(name: "modest", channel: 21, count: 10), manifest: "name = modest\n" + manifest))
        var driver = Driver(core)
        driver.quanta(1)
        // The command's value is how many writes succeeded.
        #expect(output.commands.map(\.milliValue) == [1024, 10])
        #expect(core.status.modules.allSatisfy { $0.traps == 0 })
    }
}
