import SoCWire
import WasmKit

extension WASISubset {
    /// What a WASI function works on: the same binding, memory and budget as the `ssoc` ones.
    struct Environment {
        var binding: HostBinding
        var memory: GuestMemoryBox
        var budget: CallBudget
        var state: WASIState
        var configuration: AppCoreConfiguration
    }

    /// The implementation of the import `name` (docs/module-abi.md §WASI). Every function charges
    /// the call's host budget first, like the `ssoc` functions.
    static func implementation(named name: String, _ env: Environment) -> Function.RawImplementation {
        switch name {
        case "args_sizes_get", "environ_sizes_get":
            return { _, parameters, results in
                try env.budget.charge(1)
                try storeU32(0, at: parameters[0].i32, env)
                try storeU32(0, at: parameters[1].i32, env)
                results[0] = .i32(Errno.success.rawValue)
            }
        case "args_get", "environ_get", "sched_yield":
            return { _, _, results in
                try env.budget.charge(1)
                results[0] = .i32(Errno.success.rawValue)
            }
        case "clock_res_get", "clock_time_get":
            let out = name == "clock_res_get" ? 1 : 2
            return { _, parameters, results in
                try env.budget.charge(1)
                guard parameters[0].i32 <= 3 else {
                    results[0] = .i32(Errno.inval.rawValue)
                    return
                }
                // The grant's time: deterministic, like ssoc.now_ns; resolution 1 ns.
                let value = out == 1 ? 1 : env.binding.context.nowNanoseconds
                try HostFunctions.withGuestBytes(env.memory, pointer: Int(parameters[out].i32), count: 8) {
                    $0.storeBytes(of: value.littleEndian, as: UInt64.self)
                }
                results[0] = .i32(Errno.success.rawValue)
            }
        case "fd_write": return { _, parameters, results in results[0] = .i32(try fdWrite(parameters, env).rawValue) }
        case "fd_fdstat_get": return { _, parameters, results in results[0] = .i32(try fdstat(parameters, env).rawValue) }
        case "random_get":
            return { _, parameters, results in
                let count = Int(parameters[1].i32)
                try env.budget.charge(1 + count / 256)
                try HostFunctions.withGuestBytes(env.memory, pointer: Int(parameters[0].i32), count: count) { bytes in
                    for index in 0..<count { bytes[index] = UInt8(truncatingIfNeeded: env.state.nextRandom()) }
                }
                results[0] = .i32(Errno.success.rawValue)
            }
        case "proc_exit":
            return { _, parameters, _ in
                throw HostFault(description: "the module called proc_exit(\(Int32(bitPattern: parameters[0].i32)))")
            }
        case "fd_seek":
            return { _, parameters, results in
                try env.budget.charge(1)
                results[0] = .i32((parameters[0].i32 <= 2 ? Errno.spipe : Errno.badf).rawValue)
            }
        default:
            // Deny by default: no descriptor exists beyond 0–2 (no files, no preopens), nothing else
            // is implemented.
            let errno = name.hasPrefix("fd_") || name.hasPrefix("path_") ? Errno.badf : Errno.nosys
            return { _, _, results in
                try env.budget.charge(1)
                results[0] = .i32(errno.rawValue)
            }
        }
    }

    private static func storeU32(_ value: UInt32, at pointer: UInt32, _ env: Environment) throws {
        try HostFunctions.withGuestBytes(env.memory, pointer: Int(pointer), count: 4) {
            $0.storeBytes(of: value.littleEndian, as: UInt32.self)
        }
    }

    /// `fd_fdstat_get`: fds 0–2 are character devices; nothing else exists.
    private static func fdstat(_ parameters: UnsafeBufferPointer<Value>, _ env: Environment) throws -> Errno {
        try env.budget.charge(1)
        guard parameters[0].i32 <= 2 else { return .badf }
        try HostFunctions.withGuestBytes(env.memory, pointer: Int(parameters[1].i32), count: 24) { bytes in
            bytes.storeBytes(of: UInt8(2), as: UInt8.self)  // character_device
            bytes.storeBytes(of: UInt16(0), toByteOffset: 2, as: UInt16.self)
            bytes.storeBytes(of: UInt64(0x0000_0000_0000_0040).littleEndian, toByteOffset: 8, as: UInt64.self)  // fd_write
            bytes.storeBytes(of: UInt64(0), toByteOffset: 16, as: UInt64.self)
        }
        return .success
    }

    /// `fd_write(fd, iovs, iovs_len, nwritten)` to fd 1 or 2: gathered into the module's log.
    private static func fdWrite(_ parameters: UnsafeBufferPointer<Value>, _ env: Environment) throws -> Errno {
        try env.budget.charge(2)
        let fd = Int(parameters[0].i32)
        let vectors = Int(parameters[2].i32)
        guard fd == 1 || fd == 2 else { return .badf }
        guard (0...1024).contains(vectors) else { return .inval }
        let table = try HostFunctions.withGuestBytes(env.memory, pointer: Int(parameters[1].i32), count: vectors * 8) {
            bytes in (0..<vectors).map { (bytes.load(fromByteOffset: $0 * 8, as: UInt32.self), bytes.load(fromByteOffset: $0 * 8 + 4, as: UInt32.self)) }
        }
        var total = 0
        for (pointer, length) in table {
            let count = Int(UInt32(littleEndian: length))
            try env.budget.charge(count / 256)
            try HostFunctions.withGuestBytes(env.memory, pointer: Int(UInt32(littleEndian: pointer)), count: count) {
                write(UnsafeRawBufferPointer($0), fd: fd, env)
            }
            total += count
        }
        try storeU32(UInt32(truncatingIfNeeded: total), at: parameters[3].i32, env)
        return .success
    }

    /// Appends output to the fd's pending line and logs every completed line.
    private static func write(_ bytes: UnsafeRawBufferPointer, fd: Int, _ env: Environment) {
        for byte in bytes {
            if byte == UInt8(ascii: "\n") {
                emit(line: env.state.pending[fd - 1], level: Int32(fd), env)
                env.state.pending[fd - 1].removeAll(keepingCapacity: true)
            } else if env.state.pending[fd - 1].count < HostFunctions.maxLogBytes {
                env.state.pending[fd - 1].append(byte)
            }
        }
    }

    private static func emit(line: [UInt8], level: Int32, _ env: Environment) {
        let context = env.binding.context
        guard context.logsThisCall < env.configuration.maxLogsPerModulePerBatch else { return }
        context.logsThisCall += 1
        context.logs.append(
            ModuleLogLine(
                slot: context.currentSlotName, level: level,
                message: PrintableText.escaped(String(decoding: line, as: UTF8.self)),
                timestampNanoseconds: context.nowNanoseconds))
    }
}
