import Foundation
import WasmKit

/// A minimal host for one module on a bare WasmKit instance: the ABI's host functions with the
/// least work each can do, no manifest, no sandbox bookkeeping, no pipeline. The baseline that
/// the application core's per-batch cost is compared with.
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

    let engine: Engine
    let store: Store
    private var instance: Instance!
    private var memory: Memory!
    private var onBatch: Function!
    private var stack: ExecutionStack
    /// The batch the next call sees; derived samples are appended during the call.
    var batch: [Sample] = []
    private var hardwareCount = 0
    private var latest = [Sample?](repeating: nil, count: 256)
    private(set) var commandsEmitted = 0
    var nowNanoseconds: Int64 = 0
    var tick: Int64 = 0

    /// Instantiates `bytes` and calls `ssoc_init`.
    /// - Parameters:
    ///   - fuelMetering: meter fuel (as the application core does) so `fuel(of:)` works.
    ///   - softwareBounds: software bounds checks (the application core's default) instead of mprotect.
    init(bytes: [UInt8], fuelMetering: Bool = true, softwareBounds: Bool = true) throws {
        engine = Engine(
            configuration: EngineConfiguration(
                compilationMode: .eager, memoryBoundsChecking: softwareBounds ? .software : .mprotect,
                fuelMetering: fuelMetering))
        store = Store(engine: engine)
        stack = ExecutionStack(engine: engine)
        batch.reserveCapacity(8192)
        let module = try parseWasm(bytes: bytes)
        var imports = Imports()
        for entry in module.imports where entry.module == "ssoc" {
            imports.define(module: "ssoc", name: entry.name, makeHostFunction(entry.name))
        }
        instance = try module.instantiate(store: store, imports: imports)
        guard let memory = instance.exports[memory: "memory"], let onBatch = instance.exports[function: "ssoc_on_batch"],
            let initialize = instance.exports[function: "ssoc_init"]
        else {
            throw BenchError.setupFailed("the module lacks memory, ssoc_init or ssoc_on_batch")
        }
        self.memory = memory
        self.onBatch = onBatch
        if fuelMetering { store.fuel = Fuel(remaining: 10_000_000) }
        _ = try initialize.invoke([], on: &stack)
    }

    /// Replaces the batch with `samples` hardware samples.
    func load(_ samples: [Sample]) {
        batch.removeAll(keepingCapacity: true)
        batch.append(contentsOf: samples)
        hardwareCount = samples.count
    }

    /// Presets the newest sample of a channel, as if an earlier batch had carried it.
    func setLatest(_ sample: Sample) { latest[Int(sample.channel)] = sample }

    /// Calls `ssoc_on_batch(count)` with a fresh fuel budget, then commits the batch (as the
    /// application core does).
    /// - Returns: the time of the budget + call alone (what `SandboxedModule.runBatch` times),
    ///   and the fuel used (0 without metering).
    @discardableResult
    func runBatch(fuelBudget: UInt64 = 10_000_000) throws -> (nanoseconds: UInt64, fuel: UInt64) {
        let start = BenchClock.now()
        store.fuel = Fuel(remaining: fuelBudget)
        _ = try onBatch.invoke([.i32(UInt32(hardwareCount))], on: &stack)
        let elapsed = BenchClock.now() - start
        let remaining = store.fuel?.remaining ?? fuelBudget
        for sample in batch { latest[Int(sample.channel)] = sample }
        batch.removeSubrange(hardwareCount...)
        return (elapsed, fuelBudget - remaining)
    }

    // MARK: Host functions (the raw, allocation-free form)

    /// Runs `body` over `count` guest bytes at `offset`, bounds-checked first (WasmKit
    /// preconditions on a bad range). One memory access per host call, as AppCore does.
    private func withGuestBytes(_ offset: UInt32, _ count: Int, _ body: (UnsafeMutableRawBufferPointer) -> Void) throws {
        guard count >= 0, Int(offset) + count <= memory.byteCount else {
            throw BareHostFault(description: "bad guest pointer")
        }
        memory.withUnsafeMutableBufferPointer(offset: UInt(offset), count: count, body)
    }

    private static func store(_ sample: Sample, into bytes: UnsafeMutableRawBufferPointer, at offset: Int) {
        bytes.storeBytes(of: sample.timestamp.littleEndian, toByteOffset: offset, as: Int64.self)
        bytes.storeBytes(of: sample.value.littleEndian, toByteOffset: offset + 8, as: Int32.self)
        bytes.storeBytes(of: sample.channel, toByteOffset: offset + 12, as: UInt8.self)
        bytes.storeBytes(of: sample.status, toByteOffset: offset + 13, as: UInt8.self)
        bytes.storeBytes(of: UInt16(0), toByteOffset: offset + 14, as: UInt16.self)
    }

    private func makeHostFunction(_ name: String) -> Function {
        switch name {
        case "sample_count":
            return Function(store: store, parameters: [], results: [.i32]) { [unowned self] _, _, out in
                out[0] = .i32(UInt32(batch.count))
            }
        case "read_samples":
            return Function(store: store, parameters: [.i32, .i32, .i32], results: [.i32]) { [unowned self] _, p, out in
                let first = Int(Int32(bitPattern: p[0].i32))
                let max = Int(Int32(bitPattern: p[2].i32))
                var n = 0
                if first >= 0 && max > 0 && first < batch.count {
                    n = Swift.min(max, batch.count - first)
                    try batch.withUnsafeBufferPointer { samples in
                        try withGuestBytes(p[1].i32, n * 16) { bytes in
                            for i in 0..<n { Self.store(samples[first + i], into: bytes, at: i * 16) }
                        }
                    }
                }
                out[0] = .i32(UInt32(n))
            }
        case "latest":
            return Function(store: store, parameters: [.i32, .i32], results: [.i32]) { [unowned self] _, p, out in
                let channel = Int(p[0].i32 & 0xFF)
                var found: Sample? = nil
                for sample in batch.reversed() where Int(sample.channel) == channel {
                    found = sample
                    break
                }
                if found == nil { found = latest[channel] }
                if let found { try withGuestBytes(p[1].i32, 16) { Self.store(found, into: $0, at: 0) } }
                out[0] = .i32(found == nil ? 0 : 1)
            }
        case "write_sample":
            return Function(store: store, parameters: [.i32, .i32], results: [.i32]) { [unowned self] _, p, out in
                let channel = p[0].i32
                guard channel >= 16 && channel < 256 && batch.count < 8192 else {
                    out[0] = .i32(UInt32(bitPattern: -1))
                    return
                }
                batch.append(Sample(timestamp: nowNanoseconds, value: Int32(bitPattern: p[1].i32), channel: UInt8(channel), status: 0))
                out[0] = .i32(0)
            }
        case "emit_command":
            return Function(store: store, parameters: [.i32, .i32, .i32], results: [.i32]) { [unowned self] _, _, out in
                commandsEmitted += 1
                out[0] = .i32(0)
            }
        case "publish":
            return Function(store: store, parameters: [.i32, .i32, .i64], results: [.i32]) { _, _, out in
                out[0] = .i32(0)
            }
        case "log":
            return Function(store: store, parameters: [.i32, .i32, .i32], results: []) { _, _, _ in }
        case "now_ns":
            return Function(store: store, parameters: [], results: [.i64]) { [unowned self] _, _, out in
                out[0] = .i64(UInt64(bitPattern: nowNanoseconds))
            }
        case "tick":
            return Function(store: store, parameters: [], results: [.i64]) { [unowned self] _, _, out in
                out[0] = .i64(UInt64(bitPattern: tick))
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
