// The only file that imports WasmKit's SPI (PLATFORM-NOTES: `Store.resourceLimiter` and
// `Module.functionType(at:)` are `@_spi(Fuzzing)` in 0.4.2, which Package.swift pins exactly).
@_spi(Fuzzing) import WasmKit
import Synchronization
import WasmParser

/// Caps a store's linear memory: a `memory.grow` past the cap returns -1 to the guest, and an
/// initial memory over it fails instantiation. Records the largest refused request so the loader
/// can say "over budget" instead of a generic instantiation error.
final class MemoryCapLimiter: ResourceLimiter {
    let maxBytes: Int
    /// The largest size a refused request asked for (0: nothing refused).
    let largestRefusedBytes = Atomic<Int>(0)
    /// How many growth requests were refused.
    let refusals = Atomic<Int>(0)

    /// Charged for every growth request: WasmKit copies the whole memory on `memory.grow`, so one
    /// fuel per grow would let a loop of small grows run for seconds.
    let budget: CallBudget

    init(maxBytes: Int, budget: CallBudget) {
        self.maxBytes = maxBytes
        self.budget = budget
    }

    /// The largest refused request in bytes (0: nothing refused).
    var refusedBytes: Int { largestRefusedBytes.load(ordering: .relaxed) }
    /// How many growth requests were refused.
    var refusalCount: Int { refusals.load(ordering: .relaxed) }

    func limitMemoryGrowth(to desired: Int) throws -> Bool {
        try budget.charge(1 + desired / 65536)  // a unit per page copied
        try budget.checkClock()
        guard desired <= maxBytes else {
            refusals.add(1, ordering: .relaxed)
            if desired > largestRefusedBytes.load(ordering: .relaxed) {
                largestRefusedBytes.store(desired, ordering: .relaxed)
            }
            return false
        }
        return true
    }

    func limitTableGrowth(to desired: Int) throws -> Bool { desired <= 10_000 }
}

enum WasmKitSPI {
    /// Installs a memory cap on `store`.
    static func installMemoryCap(on store: Store, maxBytes: Int, budget: CallBudget) -> MemoryCapLimiter {
        let limiter = MemoryCapLimiter(maxBytes: maxBytes, budget: budget)
        store.resourceLimiter = limiter
        return limiter
    }

    /// The signature of a function import, or nil when it is not a function import.
    static func signature(of entry: Import, in module: Module) -> FunctionType? {
        guard case .function(let typeIndex) = entry.descriptor else { return nil }
        return module.functionType(at: typeIndex)
    }
}
