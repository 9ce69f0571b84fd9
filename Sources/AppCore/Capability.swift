import WasmKit

/// A group of host functions a module may import, declared in its manifest and granted by the
/// application core's configuration (`--grant`). The loader refuses an import whose capability
/// the module did not declare or the configuration does not grant.
public enum Capability: String, CaseIterable, Sendable, Hashable, Comparable {
    /// `sample_count`, `read_samples`, `latest`: read the current batch and the latest value per channel.
    case samplesRead = "samples.read"
    /// `write_sample`: append derived samples (channels ≥ 16) visible to later modules.
    case samplesWrite = "samples.write"
    /// `emit_command`: queue commands for the real-time core.
    case commandsEmit = "commands.emit"
    /// `publish`: publish named telemetry values.
    case telemetryPublish = "telemetry.publish"
    /// `log`: log lines (rate-limited).
    case log = "log"
    /// `now_ns`, `tick`: the grant's time (virtual time in virtual-clock mode), never the wall clock.
    case clock = "clock"
    /// `wasi_snapshot_preview1`: the deterministic WASI subset (`WASISubset`): stdout/stderr to the
    /// log, the grant's time, seeded randomness; no files.
    case wasi = "wasi"

    public static func < (lhs: Capability, rhs: Capability) -> Bool { lhs.rawValue < rhs.rawValue }
}

/// The host functions of ABI v1, all in the import module `ssoc` (docs/module-abi.md).
public enum HostFunctionCatalog {
    /// The import module name every host function lives in.
    public static let importModule = "ssoc"

    /// One host function: its capability and Wasm signature.
    public struct Entry: Sendable {
        public var capability: Capability
        public var parameters: [ValueType]
        public var results: [ValueType]
    }

    /// Every host function by import name.
    public static let entries: [String: Entry] = [
        "sample_count": Entry(capability: .samplesRead, parameters: [], results: [.i32]),
        "read_samples": Entry(capability: .samplesRead, parameters: [.i32, .i32, .i32], results: [.i32]),
        "latest": Entry(capability: .samplesRead, parameters: [.i32, .i32], results: [.i32]),
        "write_sample": Entry(capability: .samplesWrite, parameters: [.i32, .i32], results: [.i32]),
        "emit_command": Entry(capability: .commandsEmit, parameters: [.i32, .i32, .i32], results: [.i32]),
        "publish": Entry(capability: .telemetryPublish, parameters: [.i32, .i32, .i64], results: [.i32]),
        "log": Entry(capability: .log, parameters: [.i32, .i32, .i32], results: []),
        "now_ns": Entry(capability: .clock, parameters: [], results: [.i64]),
        "tick": Entry(capability: .clock, parameters: [], results: [.i64]),
    ]
}
