import AppCore
import Foundation
import SoCWire
import Testing

/// Time is bounded whatever a module does: host-call floods, nested loops, memory growth and bulk
/// operations all end within the call's deadline plus a stated slack, while the other modules
/// keep serving. Measured on the real monotonic clock; the bounds are loose enough for a busy
/// 2-core machine and an order of magnitude below what the same modules took before the budget
/// (0.3–30 s per call).
@Suite("Time bounds")
struct TimeBoundTests {
    /// The hostile manifests' deadline (`deadline-us = 20000`).
    static let deadline: UInt64 = 20_000_000
    /// Slack over the deadline for one batch: one check interval (≤ 65 536 guest instructions or 32
    /// host units, well under 1 ms), the healthy modules' calls, a restart, and scheduling noise
    /// on a shared machine.
    static let slack: UInt64 = 40_000_000

    private func core(with hostile: String, configuration: AppCoreConfiguration = AppCoreConfiguration()) throws
        -> (ApplicationCore, RecordingOutput)
    {
        let output = RecordingOutput()
        let core = ApplicationCore(configuration: configuration, clock: SystemMonotonicClock(), output: output)
        try core.addModule(slot: "regulator", bytes: try TestModules.bytes("thermostat"))
        try core.addModule(slot: "hostile", bytes: try TestModules.bytes(hostile))
        output.clear()
        return (core, output)
    }

    @Test(
        "a hostile module's batch ends within its deadline plus slack, and the others keep serving",
        arguments: [
            "flood-log", "flood-publish", "flood-emit", "flood-latest", "flood-now", "flood-read", "grow-bomb",
            "fill-bomb", "nested-loops",
        ])
    func hostileBatchesEndWithinTheirDeadline(stem: String) throws {
        let (core, output) = try core(with: stem)
        let clock = SystemMonotonicClock()
        var driver = Driver(core)
        driver.flags = []  // real time: restarts are built in the background, batches never wait
        var worst: UInt64 = 0
        var batches = 0
        let giveUp = clock.nanoseconds() + 10_000_000_000
        while core.status.modules[1].state != .quarantined && clock.nanoseconds() < giveUp {
            driver.filler(4000)  // a full batch: copies and scans cost what they cost at worst
            let start = clock.nanoseconds()
            driver.quanta(1)
            worst = max(worst, clock.nanoseconds() - start)
            batches += 1
        }
        print("time_bound module=\(stem) batches=\(batches) worst_batch_us=\(worst / 1000)")  // for docs/performance.md
        let faults = output.events.filter { $0.slot == "hostile" && ($0.kind == .deadlineExceeded || $0.kind == .outOfFuel) }
        #expect(faults.count == 3, "\(output.events.map(\.detail))")
        #expect(output.eventKinds(slot: "hostile").last == .quarantined)
        #expect(worst <= Self.deadline + Self.slack, "worst batch \(worst / 1000) µs; \(output.events.map(\.detail))")
        // The healthy modules served every batch.
        #expect(output.acks.count == batches)
        #expect(output.commands.filter { $0.target == 1 }.count == batches)
        #expect(core.status.modules[0].traps == 0)
    }

    @Test("a compile bomb swapped in is built off the batch path: batches go on meanwhile")
    func compileBombDuringASwapDoesNotDelayBatches() throws {
        let output = RecordingOutput()
        let core = ApplicationCore(clock: SystemMonotonicClock(), output: output)
        try core.addModule(slot: "regulator", bytes: try TestModules.bytes("thermostat"))
        let bomb = try TestModules.wat(Self.compileBombWAT(functions: 60, depth: 400), manifest: "name = thermostat\nversion = 9.9\n")
        let clock = SystemMonotonicClock()
        var driver = Driver(core)
        driver.flags = []
        var finished: Result<ApplicationCore.SwapVersions, ModuleLoadError>?
        let requested = clock.nanoseconds()
        var buildTime: UInt64 = 0
        try core.requestSwap(slot: "regulator", bytes: bomb) { result in
            finished = result
            buildTime = clock.nanoseconds() - requested
        }
        var worst: UInt64 = 0
        var batchesDuringBuild = 0
        while finished == nil && clock.nanoseconds() - requested < 30_000_000_000 {
            let start = clock.nanoseconds()
            driver.quanta(1)
            worst = max(worst, clock.nanoseconds() - start)
            if finished == nil { batchesDuringBuild += 1 }
            usleep(1000)
        }
        print("compile_bomb build_us=\(buildTime / 1000) batches_during_build=\(batchesDuringBuild) worst_batch_us=\(worst / 1000)")
        #expect(finished != nil)
        // The build took many batch periods; no batch waited for it.
        #expect(buildTime >= 50_000_000, "the bomb built in \(buildTime / 1000) µs: not a bomb")
        #expect(batchesDuringBuild >= 10)
        #expect(worst <= 20_000_000, "worst batch during the build: \(worst / 1000) µs")
        #expect(output.acks.count >= batchesDuringBuild)
    }

    /// A module that is slow to validate and compile: `functions` functions of `depth` nested
    /// blocks each (cheap to write, costly for a single-pass compiler's control stack).
    static func compileBombWAT(functions: Int, depth: Int) -> String {
        let nest = String(repeating: "(block ", count: depth) + "(nop)" + String(repeating: ")", count: depth)
        let bodies = (0..<functions).map { "  (func $f\($0) \(nest))" }.joined(separator: "\n")
        return """
            (module (memory (export "memory") 1)
            \(bodies)
              (func (export "ssoc_init") (result i32) (i32.const 0))
              (func (export "ssoc_on_batch") (param i32) (result i32) (i32.const 0)))
            """
    }

    @Test("an interrupt (SIGTERM) stops a running call at its next check, long before its deadline")
    func interruptStopsARunningCall() throws {
        var configuration = AppCoreConfiguration()
        configuration.maxFuelPerBatch = 1 << 60  // neither fuel nor the deadline would stop it soon
        configuration.maxDeadlineNanoseconds = 30_000_000_000
        configuration.interrupt = InterruptFlag()
        let output = RecordingOutput()
        let core = ApplicationCore(configuration: configuration, clock: SystemMonotonicClock(), output: output)
        try core.addModule(
            slot: "spin",
            bytes: try TestModules.wat(
                """
                (module (memory (export "memory") 1)
                  (func (export "ssoc_init") (result i32) (i32.const 0))
                  (func (export "ssoc_on_batch") (param i32) (result i32) (loop $l (br $l)) (i32.const 0)))
                """, manifest: "name = spin\nversion = 1.0\n"))
        output.clear()
        let interrupt = configuration.interrupt
        let requestAfter: UInt64 = 30_000_000
        let thread = Thread {
            usleep(UInt32(requestAfter / 1000))
            interrupt.request()
        }
        let clock = SystemMonotonicClock()
        let start = clock.nanoseconds()
        thread.start()
        var driver = Driver(core)
        driver.quanta(1)
        let elapsed = clock.nanoseconds() - start
        #expect(elapsed >= requestAfter)
        #expect(elapsed <= requestAfter + Self.slack, "the call ran \(elapsed / 1000) µs")
        #expect(output.acks == [10])
        // Stopping is not the module's fault: not counted, not restarted.
        #expect(core.status.modules[0].traps == 0)
        #expect(output.events.isEmpty)
    }
}

/// The rewrite that injects the checks shifts function indices and re-encodes bodies; a module
/// using every construct that carries a function index still computes the same result.
@Suite("Budget instrumentation")
struct BudgetInstrumentationTests {
    @Test("calls, tables, element segments, ref.func, a start function, loops and bulk memory survive the rewrite")
    func instrumentedModulesComputeTheSameResults() throws {
        let wat = """
            (module
              (import "ssoc" "emit_command" (func $emit (param i32 i32 i32) (result i32)))
              (type $unary (func (param i32) (result i32)))
              (table 2 funcref)
              (elem (i32.const 0) $double $triple)
              (elem declare func $double)
              (global $g (mut i32) (i32.const 0))
              (memory (export "memory") 1)
              (func $double (param i32) (result i32) (i32.mul (local.get 0) (i32.const 2)))
              (func $triple (param i32) (result i32) (i32.mul (local.get 0) (i32.const 3)))
              (func $start (global.set $g (i32.const 5)))
              (start $start)
              (func $sum (param $n i32) (result i32) (local $acc i32)
                (loop $l
                  (local.set $acc (i32.add (local.get $acc) (local.get $n)))
                  (local.set $n (i32.sub (local.get $n) (i32.const 1)))
                  (br_if $l (local.get $n)))
                (local.get $acc))
              (func (export "ssoc_init") (result i32) (i32.const 0))
              (func (export "ssoc_on_batch") (param i32) (result i32)
                (local $v i32)
                (memory.fill (i32.const 64) (i32.const 7) (i32.const 4096))
                (table.set (i32.const 1) (ref.func $double))
                (local.set $v (call $double (global.get $g)))
                (local.set $v (i32.add (local.get $v) (call_indirect (type $unary) (i32.const 4) (i32.const 1))))
                (local.set $v (i32.add (local.get $v) (call $sum (i32.const 100))))
                (local.set $v (i32.add (local.get $v) (i32.load8_u (i32.const 4000))))
                (drop (call $emit (i32.const 1) (local.get $v) (i32.const 0)))
                (i32.const 0)))
            """
        let output = RecordingOutput()
        let core = ApplicationCore(clock: SteppingClock(), output: output)
        try core.addModule(
            slot: "probe", bytes: try TestModules.wat(wat, manifest: "name = probe\nversion = 1.0\ncapabilities = commands.emit\n"))
        var driver = Driver(core)
        driver.quanta(1)
        // double(5) + double(4) (table slot 1 was replaced) + sum(1…100) + the filled byte.
        let expected: Int32 = 10 + 8 + 5050 + 7
        #expect(output.commands.map(\.milliValue) == [expected])
        #expect(core.status.modules[0].traps == 0)
    }

    @Test("a module may not import the host's internal budget check itself")
    func theInternalImportIsRefused() throws {
        let core = ApplicationCore(clock: SteppingClock(), output: RecordingOutput())
        let wat = """
            (module (import "ssoc_internal" "budget_check" (func (result i32))) (memory (export "memory") 1)
              (func (export "ssoc_init") (result i32) (i32.const 0))
              (func (export "ssoc_on_batch") (param i32) (result i32) (i32.const 0)))
            """
        #expect {
            try core.addModule(slot: "sneaky", bytes: try TestModules.wat(wat, manifest: "name = sneaky\nversion = 1.0\n"))
        } throws: { error in
            (error as? ModuleLoadError)?.kind == .unknownImport
        }
    }
}
