import SoCWire
import Synchronization
import RTCore

/// Pops trace records into the writer and turns supervisor transitions into the stdout lines of
/// docs/process-interfaces.md. Owned by the I/O thread (or the virtual driver).
final class TraceDrain {
    let writer: TraceWriter
    let node: RTNode
    var records: UInt64 = 0

    init(writer: TraceWriter, node: RTNode) {
        self.writer = writer
        self.node = node
    }

    func drain() {
        while let record = node.trace.tryPop() {
            records &+= 1
            writer.write(record)
            if record.kind == .stateChanged {
                let to = SupervisorState(rawValue: UInt8(truncatingIfNeeded: record.b))
                let reason = FailSafeReason(rawValue: UInt8(truncatingIfNeeded: record.value))
                if to == .failSafe {
                    say("failsafe entered reason=\(reason?.name ?? "unknown") tick=\(record.tick)")
                } else if record.a == SupervisorState.failSafe.rawValue {
                    say("failsafe left reason=\(record.value == 1 ? "recovered" : "session") tick=\(record.tick)")
                }
            }
        }
    }

    /// Echoes the mock UART's bytes on stderr, line by line.
    func drainConsole() {
        let bytes = node.uart.drain()
        guard !bytes.isEmpty else { return }
        for line in String(decoding: bytes, as: UTF8.self).split(separator: "\n") {
            warn("uart: \(line)")
        }
    }
}
