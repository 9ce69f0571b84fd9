import SoCWire
import WasmKit

/// A deterministic, deny-by-default subset of WASI preview 1 (`wasi_snapshot_preview1`), behind the
/// `wasi` capability, so modules built with wasi-libc (printf, malloc, libm) run unchanged:
///
/// - `clock_time_get`/`clock_res_get`: the grant's (virtual) time for every clock, never the wall
///   clock, as `ssoc.now_ns`;
/// - `random_get`: a SplitMix64 stream seeded by `AppCoreConfiguration.wasiRandomSeed` and the
///   slot index, so two runs draw the same bytes;
/// - `fd_write` to fd 1 and 2: the module's log (levels 1 and 2), one log line per `\n`, escaped,
///   truncated and rate-limited like `ssoc.log`;
/// - `fd_fdstat_get` on 0–2: a character device; `args_*`/`environ_*`: empty; `sched_yield`: 0;
/// - `proc_exit`: a fault;
/// - every other descriptor: `EBADF`; every other function the module imports with an `i32`
///   result: `ENOSYS`. No files, no sockets, no preopens.
///
/// Why not WasmKit's `WASI`: see docs/design-decisions.md (determinism, the budget, the log).
enum WASISubset {
    /// The import module name.
    static let importModule = "wasi_snapshot_preview1"

    /// WASI errno values used here.
    enum Errno: UInt32 {
        case success = 0
        case badf = 8
        case inval = 28
        case nosys = 52
        case spipe = 70
    }

    /// The signatures of the functions the subset implements (others get `ENOSYS` when they
    /// return an i32, and are refused otherwise).
    static let signatures: [String: ([ValueType], [ValueType])] = [
        "args_get": ([.i32, .i32], [.i32]), "args_sizes_get": ([.i32, .i32], [.i32]),
        "environ_get": ([.i32, .i32], [.i32]), "environ_sizes_get": ([.i32, .i32], [.i32]),
        "clock_res_get": ([.i32, .i32], [.i32]), "clock_time_get": ([.i32, .i64, .i32], [.i32]),
        "fd_write": ([.i32, .i32, .i32, .i32], [.i32]), "fd_fdstat_get": ([.i32, .i32], [.i32]),
        "random_get": ([.i32, .i32], [.i32]), "proc_exit": ([.i32], []), "sched_yield": ([], [.i32]),
    ]

    /// Whether the subset can provide `name` with `signature` (its own, or an `ENOSYS` stub).
    static func provides(_ name: String, parameters: [ValueType], results: [ValueType]) -> Bool {
        if let known = signatures[name] { return known.0 == parameters && known.1 == results }
        return results == [.i32]
    }
}

/// A module's WASI state: its random stream and the partial output line of each of fd 1 and 2.
///
/// Not thread-safe: owned with the module's store.
final class WASIState {
    var random: UInt64
    var pending: [[UInt8]] = [[], []]

    init(seed: UInt64) { random = seed }

    /// The next SplitMix64 value.
    func nextRandom() -> UInt64 {
        random &+= 0x9E37_79B9_7F4A_7C15
        var z = random
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}
