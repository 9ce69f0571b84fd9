import SoCWire
import WasmKit

/// The implementations of the `ssoc` host functions (docs/module-abi.md).
///
/// They use WasmKit's raw form (`Function(store:parameters:results:raw:)`: no array per call) and
/// bounds-check every guest pointer and length against the module's current memory size before
/// touching it, because `Memory.withUnsafe…BufferPointer` preconditions (crashes the host) on a
/// bad range. A bad pointer raises `HostFault`, which aborts the guest's call like a trap.
enum HostFunctions {
    /// Size of one `ssoc_sample` record in guest memory.
    static let sampleRecordSize = 16
    /// Longest telemetry key.
    static let maxKeyBytes = 32
    /// Longest log message kept (longer ones are truncated).
    static let maxLogBytes = 120

    static func implementation(
        named name: String, binding: HostBinding, memory: GuestMemoryBox, configuration: AppCoreConfiguration,
        budget: CallBudget
    ) -> Function.RawImplementation {
        // Every import charges the call's budget before doing anything (also when it then refuses
        // for a quota), so a flood of cheap calls is bounded in count and in wall-clock time.
        switch name {
        case "sample_count":
            return { _, _, results in
                let context = binding.context
                try budget.charge(1)
                results[0] = .i32(UInt32(context.samples.count))
            }

        case "read_samples":
            return { _, parameters, results in
                let context = binding.context
                let first = Int(Int32(bitPattern: parameters[0].i32))
                let pointer = Int(parameters[1].i32)
                let maximum = Int(Int32(bitPattern: parameters[2].i32))
                let available = context.samples.count - first
                try budget.charge(1 + max(0, min(maximum, available)) / 16)  // a unit per 256 bytes copied
                guard first >= 0, maximum > 0, available > 0 else {
                    results[0] = .i32(0)
                    return
                }
                let count = min(maximum, available)
                try withGuestBytes(memory, pointer: pointer, count: count * sampleRecordSize) { bytes in
                    for index in 0..<count {
                        store(context.samples[first + index], into: bytes, at: index * sampleRecordSize)
                    }
                }
                results[0] = .i32(UInt32(count))
            }

        case "latest":
            return { _, parameters, results in
                let context = binding.context
                let channel = Int(Int32(bitPattern: parameters[0].i32))
                let pointer = Int(parameters[1].i32)
                try budget.charge(1 + context.samples.count / 64)  // scans the batch backwards
                guard (0...255).contains(channel), let sample = context.latestSample(channel: channel) else {
                    results[0] = .i32(0)
                    return
                }
                try withGuestBytes(memory, pointer: pointer, count: sampleRecordSize) { store(sample, into: $0, at: 0) }
                results[0] = .i32(1)
            }

        case "write_sample":
            return { _, parameters, results in
                let context = binding.context
                let channel = Int(Int32(bitPattern: parameters[0].i32))
                try budget.charge(1)
                // Each module has its own share of the batch, so one that fills it cannot make the
                // next module's writes fail (and get the innocent one quarantined).
                guard (16...255).contains(channel), context.derivedThisCall < configuration.maxDerivedSamplesPerModulePerBatch
                else {
                    results[0] = .i32(UInt32(bitPattern: -1))
                    return
                }
                context.derivedThisCall += 1
                let sample = BatchSample(
                    timestampNanoseconds: context.nowNanoseconds, channel: UInt8(channel), status: .ok,
                    milliValue: Int32(bitPattern: parameters[1].i32))
                results[0] = .i32(context.append(sample) ? 0 : UInt32(bitPattern: -1))
            }

        case "emit_command":
            return { _, parameters, results in
                let context = binding.context
                let target = Int(Int32(bitPattern: parameters[0].i32))
                let validTicks = Int(Int32(bitPattern: parameters[2].i32))
                try budget.charge(1)
                guard (0...255).contains(target), (0...Int(UInt16.max)).contains(validTicks),
                    context.commandsThisCall < configuration.maxCommandsPerModulePerBatch
                else {
                    results[0] = .i32(UInt32(bitPattern: -1))
                    return
                }
                context.commandsThisCall += 1
                context.commands.append(
                    EmittedCommand(
                        slot: context.currentSlotIndex,
                        command: Command(
                            target: UInt8(target), milliValue: Int32(bitPattern: parameters[1].i32),
                            validTicks: UInt16(validTicks))))
                results[0] = .i32(0)
            }

        case "publish":
            return { _, parameters, results in
                let context = binding.context
                let pointer = Int(parameters[0].i32)
                let length = Int(Int32(bitPattern: parameters[1].i32))
                try budget.charge(2)  // decodes a string
                guard (1...maxKeyBytes).contains(length),
                    context.telemetryThisCall < configuration.maxTelemetryPerModulePerBatch
                else {
                    results[0] = .i32(UInt32(bitPattern: -1))
                    return
                }
                let key = try withGuestBytes(memory, pointer: pointer, count: length) {
                    PrintableText.escaped(String(decoding: $0, as: UTF8.self))
                }
                context.telemetryThisCall += 1
                context.telemetry.append(
                    ModuleTelemetry(
                        slot: context.currentSlotName, key: key, value: Int64(bitPattern: parameters[2].i64),
                        timestampNanoseconds: context.nowNanoseconds))
                results[0] = .i32(0)
            }

        case "log":
            return { _, parameters, _ in
                let context = binding.context
                let level = Int32(bitPattern: parameters[0].i32)
                let pointer = Int(parameters[1].i32)
                let length = Int(Int32(bitPattern: parameters[2].i32))
                try budget.charge(2)  // decodes a string
                guard length >= 0 else { throw HostFault(description: "log: negative length \(length)") }
                guard context.logsThisCall < configuration.maxLogsPerModulePerBatch else { return }
                let kept = min(length, maxLogBytes)
                // Escaped here, so no consumer can print a forged line (`\n`, ESC) from a module.
                let text = try withGuestBytes(memory, pointer: pointer, count: kept) {
                    PrintableText.escaped(String(decoding: $0, as: UTF8.self))
                }
                context.logsThisCall += 1
                context.logs.append(
                    ModuleLogLine(
                        slot: context.currentSlotName, level: level, message: text,
                        timestampNanoseconds: context.nowNanoseconds))
            }

        case "now_ns":
            return { _, _, results in
                let context = binding.context
                try budget.charge(1)
                results[0] = .i64(context.nowNanoseconds)
            }

        case "tick":
            return { _, _, results in
                let context = binding.context
                try budget.charge(1)
                results[0] = .i64(context.throughTick)
            }

        default:
            preconditionFailure("HostFunctionCatalog and HostFunctions disagree about '\(name)'")
        }
    }

    /// Runs `body` over `count` bytes of guest memory at `pointer` after checking the range.
    /// - Throws: `HostFault` when the range is outside the module's memory.
    static func withGuestBytes<T>(
        _ box: GuestMemoryBox, pointer: Int, count: Int, _ body: (UnsafeMutableRawBufferPointer) throws -> T
    ) throws -> T {
        guard let memory = box.memory else { throw HostFault(description: "the module has no memory") }
        let size = memory.byteCount
        guard pointer >= 0, count >= 0, pointer <= size, count <= size - pointer else {
            throw HostFault(description: "range \(pointer)+\(count) is outside the module's \(size)-byte memory")
        }
        if count == 0 { return try body(UnsafeMutableRawBufferPointer(start: nil, count: 0)) }
        return try memory.withUnsafeMutableBufferPointer(offset: UInt(pointer), count: count, body)
    }

    /// Writes one `ssoc_sample` record (little-endian; header splitsoc.h).
    private static func store(_ sample: BatchSample, into bytes: UnsafeMutableRawBufferPointer, at offset: Int) {
        bytes.storeBytes(of: Int64(bitPattern: sample.timestampNanoseconds).littleEndian, toByteOffset: offset, as: Int64.self)
        bytes.storeBytes(of: sample.milliValue.littleEndian, toByteOffset: offset + 8, as: Int32.self)
        bytes.storeBytes(of: sample.channel, toByteOffset: offset + 12, as: UInt8.self)
        bytes.storeBytes(of: sample.status.rawValue, toByteOffset: offset + 13, as: UInt8.self)
        bytes.storeBytes(of: UInt16(0), toByteOffset: offset + 14, as: UInt16.self)
    }
}
