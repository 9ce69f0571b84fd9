import Glibc

/// Formats trace records as text lines (docs/trace-format.md), writes them to a file (optional)
/// and keeps the SHA-256 of every byte written, so `trace digest sha256:HEX` equals `sha256sum FILE`.
///
/// Not thread-safe: owned by the I/O thread (or the virtual-clock driver). Allocates freely (it
/// is never on the tick thread).
public final class TraceWriter {
    private var hasher = SHA256()
    private var file: UnsafeMutablePointer<FILE>?
    private var buffer: [UInt8] = []
    /// Bytes written so far.
    public private(set) var byteCount: UInt64 = 0
    /// Records written so far.
    public private(set) var recordCount: UInt64 = 0
    private var finished: String?

    /// Opens `path` for writing (truncating), or keeps the trace in the digest only when `nil`.
    /// - Throws: `TraceFileError` when the file cannot be created.
    public init(path: String?) throws(TraceFileError) {
        if let path {
            guard let handle = fopen(path, "w") else {
                throw TraceFileError(path: path, code: errno)
            }
            file = handle
        }
        buffer.reserveCapacity(1 << 16)
    }

    deinit { if let file { fclose(file) } }

    /// Writes the header: format version and run parameters (no wall-clock values).
    public func writeHeader(board: String, clock: String, seed: UInt64, tickHz: Int, quantum: Int) {
        line("# splitsoc-rt trace v1")
        line("# board=\(board) clock=\(clock) seed=\(seed) tick_hz=\(tickHz) quantum=\(quantum)")
    }

    /// Writes a comment line (`# text`).
    public func comment(_ text: String) { line("# \(text)") }

    /// Formats and writes one record.
    public func write(_ r: TraceRecord) {
        recordCount &+= 1
        line(Self.format(r))
    }

    /// The text line of a record (without the newline).
    public static func format(_ r: TraceRecord) -> String {
        let t = r.tick
        switch r.kind {
        case .sample:
            return "\(t) sample ch=\(r.a) status=\(statusName(r.b)) value=\(r.value)"
        case .commandReceived:
            return "\(t) cmd-rx target=\(r.a) value=\(r.value) valid=\(r.b) from=\(r.extra)"
        case .commandAccepted:
            return "\(t) cmd-accept target=\(r.a) value=\(r.value) clamped=\(r.b)"
        case .commandRejected:
            let reason = CommandRejection(rawValue: UInt8(truncatingIfNeeded: r.b)).map(rejectionName) ?? "?"
            return "\(t) cmd-reject target=\(r.a) value=\(r.value) reason=\(reason)"
        case .commandExpired:
            return "\(t) cmd-expire target=\(r.a)"
        case .stateChanged:
            let from = SupervisorState(rawValue: r.a)?.name ?? "?"
            let to = SupervisorState(rawValue: UInt8(truncatingIfNeeded: r.b))?.name ?? "?"
            let reason = r.b == SupervisorState.normal.rawValue
                ? (r.value == 1 ? "recovered" : "session")
                : FailSafeReason(rawValue: UInt8(truncatingIfNeeded: r.value))?.name ?? "none"
            return "\(t) state from=\(from) to=\(to) reason=\(reason)"
        case .session:
            return "\(t) session n=\(r.value)"
        case .deadlineMiss:
            return "\(t) miss task=\(taskName(r.a)) late_ns=\(r.extra)"
        case .interlock:
            let name = r.a == 1 ? "over-temperature" : r.a == 2 ? "sensor-fault" : "over-speed"
            return "\(t) interlock \(name) \(r.b == 1 ? "on" : "off")"
        case .actuator:
            return "\(t) actuator target=\(r.a) value=\(r.value)"
        case .input:
            switch InboundKind(rawValue: r.a) {
            case .ambient?: return "\(t) input ambient=\(r.value)"
            case .sensorFault?:
                let mode = SensorFaultMode(rawValue: UInt8(clamping: r.value))?.name ?? "\(r.value)"
                return "\(t) input sensor=\(mode)"
            case .i2cNack?: return "\(t) input i2c-nack=\(r.value)"
            default: return "\(t) input setpoint=\(r.value)"
            }
        case .overrun:
            return "\(t) overrun task=\(taskName(r.a)) exec_ns=\(r.extra)"
        case .peer:
            return "\(t) peer \(r.a == 1 ? "lost" : r.a == 2 ? "left" : "ended")"
        }
    }

    static func statusName(_ raw: UInt16) -> String {
        raw == 0 ? "ok" : raw == 1 ? "stale" : "fault"
    }

    static func rejectionName(_ r: CommandRejection) -> String {
        r == .unknownTarget ? "unknown-target" : "unsupported-target"
    }

    static func taskName(_ raw: UInt8) -> String { TaskKind(rawValue: Int(raw))?.name ?? "tick" }

    private func line(_ text: String) {
        var text = text
        text.append("\n")
        text.utf8.withContiguousStorageIfAvailable { bytes in
            hasher.update(bytes)
            if let file { _ = fwrite(bytes.baseAddress, 1, bytes.count, file) }
            byteCount &+= UInt64(bytes.count)
        } ?? {
            let bytes = Array(text.utf8)
            hasher.update(bytes)
            if let file { _ = bytes.withUnsafeBufferPointer { fwrite($0.baseAddress, 1, $0.count, file) } }
            byteCount &+= UInt64(bytes.count)
        }()
    }

    /// Flushes and closes the file and returns the lowercase hex SHA-256 of everything written.
    /// Idempotent.
    public func finish() -> String {
        if let finished { return finished }
        if let file {
            fflush(file)
            fclose(file)
            self.file = nil
        }
        let digest = SHA256.hexString(hasher.finalize())
        finished = digest
        return digest
    }
}

/// The trace file could not be created.
public struct TraceFileError: Error, Sendable, CustomStringConvertible {
    public var path: String
    public var code: Int32
    public var description: String { "cannot write trace file \(path): \(String(cString: strerror(code)))" }
}
