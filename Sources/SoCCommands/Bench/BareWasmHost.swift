import Foundation
import WasmKit

/// A minimal host for one module on a bare WasmKit instance: the ABI's host functions doing the
/// least work each can do over preallocated storage (no arrays, no reference counting, no
/// exclusivity checks per call), no manifest, no sandbox bookkeeping, no pipeline. The baseline
/// that the application core's per-batch cost is compared with.
///
/// Not thread-safe: owned by the benchmark thread.
final class BareWasmHost {
    /// A sample as `ssoc_read_samples` lays it out in guest memory (16 bytes).
    struct Sample {
        var timestamp: Int64
        var value: Int32
        var channel: UInt8
        var status: UInt8
    }

    /// The storage host functions read and write, as raw memory the closures capture by value.
    struct Storage {
        static let capacity = 8192
        /// The batch: hardware samples, then derived samples written during the call.
        let samples: UnsafeMutablePointer<Sample>
        /// [0] = samples in the batch, [1] = hardware samples, [2] = commands emitted.
        let counts: UnsafeMutablePointer<Int>
        /// The newest sample per channel from earlier batches, and whether there is one.
        let latest: UnsafeMutablePointer<Sample>
        let hasLatest: UnsafeMutablePointer<Bool>
        /// [0] = now (ns), [1] = tick.
        let clock: UnsafeMutablePointer<Int64>

        init() {
            samples = .allocate(capacity: Self.capacity)
            counts = .allocate(capacity: 3)
            counts.initialize(repeating: 0, count: 3)
            latest = .allocate(capacity: 256)
            hasLatest = .allocate(capacity: 256)
            hasLatest.initialize(repeating: false, count: 256)
            clock = .allocate(capacity: 2)
            clock.initialize(repeating: 0, count: 2)
        }

        func deallocate() {
            samples.deallocate()
            counts.deallocate()
            latest.deallocate()
            hasLatest.deallocate()
            clock.deallocate()
        }
    }

    let engine: Engine
    let store: Store
    private let storage = Storage()
    private var memory: Memory!
    private var onBatch: Function!
    private var stack: ExecutionStack

    var nowNanoseconds: Int64 {
        get { storage.clock[0] }
        set { storage.clock[0] = newValue }
    }
    var tick: Int64 {
        get { storage.clock[1] }
        set { storage.clock[1] = newValue }
    }
    var commandsEmitted: Int { storage.counts[2] }

    /// Instantiates `bytes` and calls `ssoc_init`, with the application core's engine
    /// configuration (eager compilation, 256 KiB stack, software bounds checks, fuel metering).
    init(bytes: [UInt8], fuelMetering: Bool = true, softwareBounds: Bool = true) throws {
        engine = Engine(
            configuration: EngineConfiguration(
                compilationMode: .eager, stackSize: 256 * 1024,
                memoryBoundsChecking: softwareBounds ? .software : .mprotect, fuelMetering: fuelMetering))
        store = Store(engine: engine)
        stack = ExecutionStack(engine: engine)
        let module = try parseWasm(bytes: bytes)
        let box = MemoryBox()
        var imports = Imports()
        for entry in module.imports where entry.module == "ssoc" {
            imports.define(module: "ssoc", name: entry.name, Self.hostFunction(entry.name, store: store, storage: storage, memory: box))
        }
        let instance = try module.instantiate(store: store, imports: imports)
        guard let memory = instance.exports[memory: "memory"], let onBatch = instance.exports[function: "ssoc_on_batch"],
            let initialize = instance.exports[function: "ssoc_init"]
        else {
            throw BenchError.setupFailed("the module lacks memory, ssoc_init or ssoc_on_batch")
        }
        box.memory = memory
        self.memory = memory
        self.onBatch = onBatch
        if fuelMetering { store.fuel = Fuel(remaining: 10_000_000) }
        _ = try initialize.invoke([], on: &stack)
    }

    deinit { storage.deallocate() }

    /// Replaces the batch with `samples` hardware samples.
    func load(_ samples: [Sample]) {
        let n = min(samples.count, Storage.capacity)
        for i in 0..<n { storage.samples[i] = samples[i] }
        storage.counts[0] = n
        storage.counts[1] = n
    }

    /// Presets the newest sample of a channel, as if an earlier batch had carried it.
    func setLatest(_ sample: Sample) {
        storage.latest[Int(sample.channel)] = sample
        storage.hasLatest[Int(sample.channel)] = true
    }

    /// Calls `ssoc_on_batch(count)` with a fresh fuel budget, then commits the batch (as the
    /// application core does).
    /// - Returns: the time of the call alone (what `SandboxedModule.runBatch` times), and the fuel
    ///   used (0 without metering).
    @discardableResult
    func runBatch(fuelBudget: UInt64 = 10_000_000) throws -> (nanoseconds: UInt64, fuel: UInt64) {
        // The timed region is exactly AppCore's (`SandboxedModule.call`): budget and arguments
        // are set up before the clock starts, the invoke alone is timed.
        let arguments: [Value] = [.i32(UInt32(storage.counts[1]))]
        store.fuel = Fuel(remaining: fuelBudget)
        let start = BenchClock.now()
        _ = try onBatch.invoke(arguments, on: &stack)
        let elapsed = BenchClock.now() - start
        let remaining = store.fuel?.remaining ?? fuelBudget
        for i in 0..<storage.counts[0] {
            let channel = Int(storage.samples[i].channel)
            storage.latest[channel] = storage.samples[i]
            storage.hasLatest[channel] = true
        }
        storage.counts[0] = storage.counts[1]
        return (elapsed, fuelBudget - remaining)
    }

    // MARK: Host functions (the raw, allocation-free form)

    /// The instance's memory, known only after instantiation (host functions are made before).
    private final class MemoryBox {
        var memory: Memory?
    }

    /// Runs `body` over `count` guest bytes at `offset`, bounds-checked first (WasmKit
    /// preconditions on a bad range). One memory access per host call, as AppCore does.
    @inline(__always)
    private static func withGuestBytes(
        _ memory: Memory, _ offset: UInt32, _ count: Int, _ body: (UnsafeMutableRawBufferPointer) -> Void
    ) throws {
        guard count >= 0, Int(offset) + count <= memory.byteCount else {
            throw BareHostFault(description: "bad guest pointer")
        }
        memory.withUnsafeMutableBufferPointer(offset: UInt(offset), count: count, body)
    }

    @inline(__always)
    private static func put(_ sample: Sample, into bytes: UnsafeMutableRawBufferPointer, at offset: Int) {
        bytes.storeBytes(of: sample.timestamp.littleEndian, toByteOffset: offset, as: Int64.self)
        bytes.storeBytes(of: sample.value.littleEndian, toByteOffset: offset + 8, as: Int32.self)
        bytes.storeBytes(of: sample.channel, toByteOffset: offset + 12, as: UInt8.self)
        bytes.storeBytes(of: sample.status, toByteOffset: offset + 13, as: UInt8.self)
        bytes.storeBytes(of: UInt16(0), toByteOffset: offset + 14, as: UInt16.self)
    }

    private static func hostFunction(_ name: String, store: Store, storage s: Storage, memory box: MemoryBox) -> Function {
        switch name {
        case "sample_count":
            return Function(store: store, parameters: [], results: [.i32]) { _, _, out in
                out[0] = .i32(UInt32(s.counts[0]))
            }
        case "read_samples":
            return Function(store: store, parameters: [.i32, .i32, .i32], results: [.i32]) { _, p, out in
                let first = Int(Int32(bitPattern: p[0].i32))
                let max = Int(Int32(bitPattern: p[2].i32))
                let count = s.counts[0]
                var n = 0
                if first >= 0 && max > 0 && first < count, let memory = box.memory {
                    n = Swift.min(max, count - first)
                    try withGuestBytes(memory, p[1].i32, n * 16) { bytes in
                        for i in 0..<n { put(s.samples[first + i], into: bytes, at: i * 16) }
                    }
                }
                out[0] = .i32(UInt32(n))
            }
        case "latest":
            return Function(store: store, parameters: [.i32, .i32], results: [.i32]) { _, p, out in
                let channel = Int(p[0].i32 & 0xFF)
                var index = s.counts[0] - 1
                while index >= 0 && Int(s.samples[index].channel) != channel { index -= 1 }
                let found: Sample? = index >= 0 ? s.samples[index] : (s.hasLatest[channel] ? s.latest[channel] : nil)
                if let found, let memory = box.memory {
                    try withGuestBytes(memory, p[1].i32, 16) { put(found, into: $0, at: 0) }
                }
                out[0] = .i32(found == nil ? 0 : 1)
            }
        case "write_sample":
            return Function(store: store, parameters: [.i32, .i32], results: [.i32]) { _, p, out in
                let channel = p[0].i32
                let count = s.counts[0]
                guard channel >= 16 && channel < 256 && count < Storage.capacity else {
                    out[0] = .i32(UInt32(bitPattern: -1))
                    return
                }
                s.samples[count] = Sample(
                    timestamp: s.clock[0], value: Int32(bitPattern: p[1].i32), channel: UInt8(channel), status: 0)
                s.counts[0] = count + 1
                out[0] = .i32(0)
            }
        case "emit_command":
            return Function(store: store, parameters: [.i32, .i32, .i32], results: [.i32]) { _, _, out in
                s.counts[2] += 1
                out[0] = .i32(0)
            }
        case "publish":
            return Function(store: store, parameters: [.i32, .i32, .i64], results: [.i32]) { _, _, out in
                out[0] = .i32(0)
            }
        case "log":
            return Function(store: store, parameters: [.i32, .i32, .i32], results: []) { _, _, _ in }
        case "now_ns":
            return Function(store: store, parameters: [], results: [.i64]) { _, _, out in
                out[0] = .i64(UInt64(bitPattern: s.clock[0]))
            }
        case "tick":
            return Function(store: store, parameters: [], results: [.i64]) { _, _, out in
                out[0] = .i64(UInt64(bitPattern: s.clock[1]))
            }
        default:
            return Function(store: store, parameters: [], results: []) { _, _, _ in
                throw BareHostFault(description: "host function \(name) is not provided by the bare host")
            }
        }
    }
}

/// A host function refusing a call on the bare host (a bad guest pointer).
struct BareHostFault: Error, CustomStringConvertible {
    var description: String
}
