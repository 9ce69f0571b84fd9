import SoCWire
import WasmKit

/// How one guest call ended.
public enum CallFault: Sendable, Hashable {
    /// A Wasm trap (unreachable, out-of-bounds access, division by zero, call stack exhausted...).
    case trapped(String)
    /// The call used up its fuel budget.
    case outOfFuel
    /// The call took longer than the module's wall-clock deadline.
    case deadlineExceeded(nanoseconds: UInt64)
    /// A host function refused the call's arguments (a pointer outside the module's memory).
    case hostFault(String)
    /// The module returned a nonzero status from `ssoc_on_batch` / `ssoc_init`.
    case reportedError(Int32)
    /// The call used up its host-call budget (`units` granted per call).
    case hostCallBudgetExhausted(units: Int)
    /// The process is stopping (SIGTERM): the call was stopped at its next budget check.
    case interrupted

    /// The wire event kind this fault is reported as.
    public var eventKind: ModuleEventKind {
        switch self {
        case .outOfFuel, .hostCallBudgetExhausted: return .outOfFuel
        case .deadlineExceeded: return .deadlineExceeded
        case .trapped, .hostFault, .reportedError, .interrupted: return .trapped
        }
    }

    /// A sentence for logs.
    public var summary: String {
        switch self {
        case .trapped(let what): return "trap: \(what)"
        case .outOfFuel: return "out of fuel"
        case .deadlineExceeded(let ns): return "over its deadline (\(ns / 1000) µs)"
        case .hostFault(let what): return "host refused a call: \(what)"
        case .reportedError(let status): return "returned status \(status)"
        case .hostCallBudgetExhausted(let units): return "out of host-call budget (\(units) units per call)"
        case .interrupted: return "interrupted: the application core is stopping"
        }
    }
}

/// The result of one guest call.
public struct CallResult: Sendable {
    /// nil when the call succeeded.
    public var fault: CallFault?
    public var fuelUsed: UInt64
    public var nanoseconds: UInt64
}

/// A box the host functions read the guest's memory through. It exists because host functions are
/// created before the instance whose memory they access; `SandboxedModule.deinit` empties it to
/// break the store → closure → memory → store cycle.
final class GuestMemoryBox {
    var memory: Memory?
}

/// One instantiated module: its own `Store` (so fuel and the memory cap are per module), its
/// instance, and one reused `ExecutionStack`.
///
/// Not thread-safe: created and used on the guest thread (WasmKit stores are not Sendable).
final class SandboxedModule {
    let compiled: CompiledModule
    private let store: Store
    private let limiter: MemoryCapLimiter
    private let memoryBox: GuestMemoryBox
    private let onBatch: Function
    private var stack: ExecutionStack
    private let budget: CallBudget
    private let hostUnits: Int
    private let binding: HostBinding

    /// Instantiates `compiled` and runs its `ssoc_init`.
    /// - Throws: `ModuleLoadError` `.overBudget` (initial memory over the cap), `.invalidBinary`
    ///   (validation or compilation failed), `.badExport`, `.initFailed`.
    init(
        _ compiled: CompiledModule, engine: Engine, binding: HostBinding, configuration: AppCoreConfiguration,
        clock: any MonotonicClock
    ) throws(ModuleLoadError) {
        let who = "module '\(compiled.manifest.name)' \(compiled.manifest.version)"
        self.compiled = compiled
        let budget = CallBudget(clock: clock, interrupt: configuration.interrupt)
        self.budget = budget
        hostUnits = configuration.maxHostCallUnitsPerBatch
        let store = Store(engine: engine)
        self.store = store
        limiter = WasmKitSPI.installMemoryCap(on: store, maxBytes: compiled.memoryLimitBytes, budget: budget)
        let memoryBox = GuestMemoryBox()
        self.memoryBox = memoryBox
        self.binding = binding
        let imports = Self.imports(
            of: compiled.module, store: store, binding: binding, memory: memoryBox, configuration: configuration,
            budget: budget)

        // The init fuel, deadline and host budget bound a start function too.
        store.fuel = Fuel(remaining: configuration.initFuel)
        budget.begin(deadline: configuration.initDeadlineNanoseconds, hostUnits: hostUnits)
        let instance: Instance
        do {
            instance = try compiled.module.instantiate(store: store, imports: imports)
        } catch let fault as BudgetFault {
            throw ModuleLoadError(.initFailed, "\(who): its start function \(Self.fault(for: fault).summary)")
        } catch let fault as HostFault {
            // Host functions need the instance's memory, which exists only once instantiation is done.
            throw ModuleLoadError(
                .initFailed,
                "\(who): its start function called a host function (\(fault.description)); call host functions from ssoc_init")
        } catch {
            let refused = limiter.refusedBytes
            if refused > 0 {
                throw ModuleLoadError(
                    .overBudget,
                    "\(who) needs \(refused / 65536) memory pages; its budget is \(compiled.memoryLimitBytes / 65536)")
            }
            if error is Trap {
                throw ModuleLoadError(.initFailed, "\(who) trapped while instantiating: \(error)")
            }
            throw ModuleLoadError(.invalidBinary, "\(who) failed validation: \(error)")
        }
        guard let memory = instance.exports[memory: "memory"] else {
            throw ModuleLoadError(.badExport, "\(who) does not export its memory as 'memory'")
        }
        memoryBox.memory = memory
        guard let initialize = instance.exports[function: "ssoc_init"],
            initialize.type.parameters.isEmpty, initialize.type.results == [.i32]
        else {
            throw ModuleLoadError(.badExport, "\(who): 'ssoc_init' must have the signature () -> i32")
        }
        guard let onBatch = instance.exports[function: "ssoc_on_batch"],
            onBatch.type.parameters == [.i32], onBatch.type.results == [.i32]
        else {
            throw ModuleLoadError(.badExport, "\(who): 'ssoc_on_batch' must have the signature (i32) -> i32")
        }
        self.onBatch = onBatch
        stack = ExecutionStack(engine: engine)

        // A WASI reactor initialises its libc in `_initialize`, before anything else is called.
        if let reactor = instance.exports[function: "_initialize"], reactor.type.parameters.isEmpty,
            reactor.type.results.isEmpty
        {
            let result = Self.call(
                reactor, arguments: [], fuel: configuration.initFuel, deadline: configuration.initDeadlineNanoseconds,
                hostUnits: hostUnits, store: store, stack: &stack, budget: budget)
            if let fault = result.fault { throw ModuleLoadError(.initFailed, "\(who): _initialize failed (\(fault.summary))") }
        }

        let result = Self.call(
            initialize, arguments: [], fuel: configuration.initFuel, deadline: configuration.initDeadlineNanoseconds,
            hostUnits: hostUnits, store: store, stack: &stack, budget: budget)
        if let fault = result.fault {
            throw ModuleLoadError(.initFailed, "\(who): ssoc_init failed (\(fault.summary))")
        }
    }

    deinit {
        memoryBox.memory = nil
    }

    /// Points the module at the pipeline's batch state and wall clock: called by the guest thread
    /// when it takes over a module built on the builder thread.
    func adopt(context: BatchContext, clock: any MonotonicClock) {
        binding.context = context
        budget.clock = clock
    }

    /// How many `memory.grow` requests the memory cap refused so far.
    var memoryGrowthRefusals: Int { limiter.refusalCount }

    /// Calls `ssoc_on_batch(count)` under the module's fuel budget and deadline.
    func runBatch(count: Int) -> CallResult {
        Self.call(
            onBatch, arguments: [.i32(UInt32(truncatingIfNeeded: count))], fuel: compiled.fuelPerBatch,
            deadline: compiled.deadlineNanoseconds, hostUnits: hostUnits, store: store, stack: &stack, budget: budget)
    }

    /// The host functions `module` imports (the loader refused anything else), plus the
    /// rewrite's `budget_check`, which reads the clock and refills the guest's counter.
    private static func imports(
        of module: Module, store: Store, binding: HostBinding, memory: GuestMemoryBox,
        configuration: AppCoreConfiguration, budget: CallBudget
    ) -> Imports {
        let slot = UInt64(binding.context.currentSlotIndex) &+ 1
        let wasi = WASIState(seed: configuration.wasiRandomSeed ^ (slot &* 0x9E37_79B9_7F4A_7C15))
        var imports = Imports()
        for entry in module.imports {
            if entry.module == BudgetInstrumentation.importModule {
                imports.define(
                    module: entry.module, name: entry.name,
                    Function(store: store, parameters: [], results: [.i32]) { _, _, results in
                        try budget.checkClock()
                        results[0] = .i32(UInt32(BudgetCheck.refillUnits))
                    })
                continue
            }
            if entry.module == WASISubset.importModule, let signature = WasmKitSPI.signature(of: entry, in: module) {
                let environment = WASISubset.Environment(
                    binding: binding, memory: memory, budget: budget, state: wasi, configuration: configuration)
                imports.define(
                    module: entry.module, name: entry.name,
                    Function(
                        store: store, parameters: signature.parameters, results: signature.results,
                        raw: WASISubset.implementation(named: entry.name, environment)))
                continue
            }
            guard let host = HostFunctionCatalog.entries[entry.name] else { continue }
            imports.define(
                module: entry.module, name: entry.name,
                Function(
                    store: store, parameters: host.parameters, results: host.results,
                    raw: HostFunctions.implementation(
                        named: entry.name, binding: binding, memory: memory, configuration: configuration,
                        budget: budget)))
        }
        return imports
    }

    private static func fault(for fault: BudgetFault) -> CallFault {
        switch fault {
        case .deadline(let elapsed): return .deadlineExceeded(nanoseconds: elapsed)
        case .hostCalls(let units): return .hostCallBudgetExhausted(units: units)
        case .interrupted: return .interrupted
        }
    }

    private static func call(
        _ function: Function, arguments: [Value], fuel: UInt64, deadline: UInt64, hostUnits: Int, store: Store,
        stack: inout ExecutionStack, budget: CallBudget
    ) -> CallResult {
        store.fuel = Fuel(remaining: fuel)
        budget.begin(deadline: deadline, hostUnits: hostUnits)
        var fault: CallFault?
        do {
            let results = try function.invoke(arguments, on: &stack)
            let status = Int32(bitPattern: results.first?.i32 ?? 0)
            if status != 0 { fault = .reportedError(status) }
        } catch let error as BudgetFault {
            fault = Self.fault(for: error)
        } catch let error as HostFault {
            fault = .hostFault(error.description)
        } catch {
            let text = String(describing: error)
            // `Trap.reason` is not public in 0.4.2; its description is stable ("out of fuel").
            fault = text.contains("out of fuel") ? .outOfFuel : .trapped(Self.firstLine(of: text))
        }
        let elapsed = budget.elapsed
        let remaining = store.fuel?.remaining ?? 0
        if fault == nil, elapsed > deadline { fault = .deadlineExceeded(nanoseconds: elapsed) }
        return CallResult(fault: fault, fuelUsed: fuel &- min(remaining, fuel), nanoseconds: elapsed)
    }

    private static func firstLine(of text: String) -> String {
        var line = text.split(separator: "\n", maxSplits: 1).first.map(String.init) ?? text
        if line.hasPrefix("Trap: ") { line.removeFirst(6) }
        return line
    }
}
