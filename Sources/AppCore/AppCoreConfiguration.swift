/// The application core's sandbox limits and policies. Manifests may ask for less than these caps,
/// never more (the loader refuses a module over budget).
public struct AppCoreConfiguration: Sendable {
    /// Largest fuel budget per batch call (≈ Wasm operators).
    public var maxFuelPerBatch: UInt64 = 10_000_000
    /// Fuel for `ssoc_init` (and a start function).
    public var initFuel: UInt64 = 10_000_000
    /// Wall-clock deadline of instantiation (a start function) and of `ssoc_init`, each.
    public var initDeadlineNanoseconds: UInt64 = 50_000_000
    /// Longest a module build (check, instrument, compile, initialise) may take on the builder
    /// thread; a slower one is refused (it never blocks batches, but a swap should not hang).
    public var maxBuildNanoseconds: UInt64 = 5_000_000_000
    /// Host-call units per guest call: every import costs at least one, copies and scans cost by
    /// size, `memory.grow` one per page of the new size (docs/module-abi.md §Sandbox).
    public var maxHostCallUnitsPerBatch: Int = 200_000
    /// Largest linear memory of a module, in 64 KiB pages.
    public var maxMemoryPages: Int = 256
    /// Largest wall-clock time of one batch call; over it counts as misbehaviour.
    public var maxDeadlineNanoseconds: UInt64 = 50_000_000
    /// Batches a swapped-in version must run cleanly before the previous one is dropped.
    public var probationBatches: Int = 50
    /// Capabilities the configuration grants (`--grant`); default every capability.
    public var grantedCapabilities: Set<Capability> = Set(Capability.allCases)
    /// Largest accepted `.wasm` file.
    public var maxModuleBytes: Int = 4 << 20
    /// Faults (traps, out of fuel, over deadline, nonzero status) tolerated before the slot is
    /// quarantined; each one before that restarts the module from a fresh instance.
    public var faultsBeforeQuarantine: Int = 3
    /// A run of this many clean batches forgives the slot's earlier faults.
    public var faultForgivenessBatches: Int = 1000
    /// Interpreter stack per module in bytes (bounds recursion: "call stack exhausted").
    public var stackBytes: Int = 256 * 1024
    /// Most samples one batch holds (hardware plus derived); more are dropped and counted.
    public var batchCapacity: Int = 4096
    /// Most derived samples one module may write per batch (`write_sample` returns -1 past it):
    /// a quarter of the batch, so one module cannot take the capacity the next ones need.
    public var maxDerivedSamplesPerModulePerBatch: Int = 1024
    /// Most commands one module may emit per batch.
    public var maxCommandsPerModulePerBatch: Int = 16
    /// Most telemetry values one module may publish per batch.
    public var maxTelemetryPerModulePerBatch: Int = 16
    /// Most log lines one module may write per batch.
    public var maxLogsPerModulePerBatch: Int = 4
    /// WasmKit bounds-checking mode: software checks avoid a signal-mask syscall per call and
    /// the process-wide SIGSEGV handlers of `.mprotect`.
    public var softwareBoundsChecks: Bool = true

    /// Seeds WASI `random_get` (with the slot index): the same seed draws the same bytes.
    public var wasiRandomSeed: UInt64 = 0x5EED_5EED
    /// Stops guest calls at their next budget check when set (SIGTERM).
    public var interrupt: InterruptFlag = .process

    public init() {}
}
