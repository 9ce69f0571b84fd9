import SoCWire
import WAT
import WasmKit

/// Measures what running a module costs inside the sandbox, with the same engine configuration as
/// the application core (fuel metering, eager compilation, the configured bounds checking):
/// one Swift → Wasm call, one Wasm → host call, and one batch of a given module.
///
/// Not thread-safe: use it on one thread (WasmKit stores are thread-confined). Timing is for
/// `splitsoc-app bench`, never for tests.
public struct ModuleBenchmark {
    /// The figures of one measurement, in nanoseconds.
    public struct Figures: Sendable {
        public var p50: Double
        public var minimum: Double
    }

    public let configuration: AppCoreConfiguration
    private let loader: ModuleLoader
    private let clock = SystemMonotonicClock()

    public init(configuration: AppCoreConfiguration = AppCoreConfiguration()) {
        self.configuration = configuration
        self.loader = ModuleLoader(configuration: configuration)
    }

    /// The cost of one call into a module whose `ssoc_on_batch` returns at once: argument
    /// marshalling, fuel budget, the interpreter entry and exit.
    public func emptyCall(iterations: Int) throws -> Figures {
        let module = try instantiate(Self.benchWAT(body: ""), context: BatchContext(capacity: 16))
        return measure(iterations: iterations) { module.runBatch(count: 0).nanoseconds }
    }

    /// The cost of one Wasm → host call (`now_ns`, the raw host-function form), net of the loop
    /// around it: (a loop of `calls` host calls − the same loop without them) / `calls`.
    public func hostCall(calls: Int, iterations: Int) throws -> Figures {
        let context = BatchContext(capacity: 16)
        let withCalls = try instantiate(Self.benchWAT(body: "(drop (call $now))"), context: context)
        let withoutCalls = try instantiate(Self.benchWAT(body: "(drop (i64.const 0))"), context: context)
        let loaded = measure(iterations: iterations) { withCalls.runBatch(count: calls).nanoseconds }
        let bare = measure(iterations: iterations) { withoutCalls.runBatch(count: calls).nanoseconds }
        return Figures(
            p50: max(0, loaded.p50 - bare.p50) / Double(calls), minimum: max(0, loaded.minimum - bare.minimum) / Double(calls))
    }

    /// The time of one `ssoc_on_batch` of the module `bytes` over a batch of `samples` samples:
    /// ticks of (temperature on channel 0, a filtered temperature on channel 16), with the setpoint
    /// (channel 1) known from an earlier batch. The same batch `firmware-mock/sdk/native-harness.c`
    /// feeds the natively compiled C, so the two figures compare.
    /// `timeBounded: false` runs the module without the budget rewrite, to measure its cost.
    /// - Throws: `ModuleLoadError` when the module is refused.
    public func batch(bytes: [UInt8], samples: Int = 256, iterations: Int, timeBounded: Bool = true) throws -> Figures {
        let context = BatchContext(capacity: max(4096, samples * 4))
        let module = try instantiate(bytes, context: context, instrument: timeBounded)
        context.latest[1] = BatchSample(timestampNanoseconds: 0, channel: 1, status: .ok, milliValue: 22_000)
        var round: UInt64 = 0
        return measure(iterations: iterations) {
            for index in 0..<(samples / 2) {
                let tick = round * UInt64(samples / 2) + UInt64(index)
                let temperature = 20_000 + Int32((tick * 37) % 900)
                context.append(BatchSample(timestampNanoseconds: tick * 1_000_000, channel: 0, status: .ok, milliValue: temperature))
                context.append(BatchSample(timestampNanoseconds: tick * 1_000_000, channel: 16, status: .ok, milliValue: 20_450))
            }
            round += 1
            context.nowNanoseconds = round * UInt64(samples / 2) * 1_000_000
            context.currentSlotIndex = 0
            context.commandsThisCall = 0
            context.derivedThisCall = 0
            context.telemetryThisCall = 0
            context.logsThisCall = 0
            let elapsed = module.runBatch(count: context.samples.count).nanoseconds
            context.commitBatch()
            return elapsed
        }
    }

    private func instantiate(_ bytes: [UInt8], context: BatchContext, instrument: Bool = true) throws -> SandboxedModule {
        try SandboxedModule(
            try loader.compile(bytes, instrument: instrument), engine: loader.engine, binding: HostBinding(context: context),
            configuration: configuration, clock: clock)
    }

    private func measure(iterations: Int, _ body: () -> UInt64) -> Figures {
        var samples: [UInt64] = []
        samples.reserveCapacity(iterations)
        for _ in 0..<max(1, iterations / 10) { _ = body() }  // warm up
        for _ in 0..<max(1, iterations) { samples.append(body()) }
        samples.sort()
        return Figures(p50: Double(samples[samples.count / 2]), minimum: Double(samples[0]))
    }

    /// A module whose `ssoc_on_batch(n)` runs `body` n times.
    static func benchWAT(body: String) throws -> [UInt8] {
        let text = """
            (module
              (import "ssoc" "now_ns" (func $now (result i64)))
              (memory (export "memory") 1)
              (func (export "ssoc_init") (result i32) (i32.const 0))
              (func (export "ssoc_on_batch") (param $n i32) (result i32)
                (block $done
                  (loop $again
                    (br_if $done (i32.eqz (local.get $n)))
                    \(body)
                    (local.set $n (i32.sub (local.get $n) (i32.const 1)))
                    (br $again)))
                (i32.const 0)))
            """
        let bytes = try wat2wasm(text)
        var section = WasmByteWriter()
        section.name(ModuleManifest.sectionName)
        section.bytes += Array("name = bench\nversion = 1.0\ncapabilities = clock\n".utf8)
        var module = WasmByteWriter(bytes: bytes)
        module.section(0, section.bytes)
        return module.bytes
    }
}
