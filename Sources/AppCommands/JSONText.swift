import SoCLink
import AppCore
import Foundation
import SoCWire

/// Builds the JSON objects of the telemetry and control interfaces (docs/process-interfaces.md).
/// Hand-written because the shapes are fixed and small, and key order stays as documented.
enum JSONText {
    static func string(_ value: String) -> String {
        var out = "\""
        for scalar in value.unicodeScalars {
            switch scalar {
            case "\"": out += "\\\""
            case "\\": out += "\\\\"
            case "\n": out += "\\n"
            case "\r": out += "\\r"
            case "\t": out += "\\t"
            default:
                if scalar.value < 0x20 {
                    let hex = String(scalar.value, radix: 16)
                    out += "\\u" + String(repeating: "0", count: 4 - hex.count) + hex
                } else {
                    out.unicodeScalars.append(scalar)
                }
            }
        }
        return out + "\""
    }

    /// The `app` telemetry object, also the reply to `{"op":"status"}`.
    static func status(
        tMilliseconds: UInt64, session: UInt32?, linkUp: Bool, rxFrames: UInt64, txFrames: UInt64, rxRejected: UInt64,
        txDropped: UInt64, counters: LinkCounters, rxOversized: UInt64, core: AppCoreStatus
    ) -> String {
        let modules = core.modules.map { module in
            "{\"slot\":\(string(module.slot)),\"name\":\(string(module.name)),\"version\":\(string(module.version.description)),"
                + "\"state\":\(string(module.state.description)),\"calls\":\(module.calls),\"traps\":\(module.traps),"
                + "\"restarts\":\(module.restarts),\"rollbacks\":\(module.rollbacks),"
                + "\"fuel_last\":\(module.fuelLast),\"fuel_total\":\(module.fuelTotal),"
                + "\"batch_ns_p50\":\(module.batchNanosecondsP50)}"
        }
        return "{\"t_ms\":\(tMilliseconds),\"state\":\"running\",\"session\":\(session ?? 0),"
            + "\"link\":\(linkUp ? "\"up\"" : "\"down\""),\"rx_frames\":\(rxFrames),\"tx_frames\":\(txFrames),"
            + "\"rx_rejected\":\(rxRejected),\"tx_dropped\":\(txDropped),\"batches\":\(core.batches),"
            + "\"frames_lost\":\(counters.framesLost),\"peer_reported_lost\":\(counters.peerReportedLost),"
            + "\"link_counters\":{\(counters.jsonMembers),\"oversized\":\(rxOversized)},"
            + "\"samples_dropped\":\(core.samplesDropped),\"commands_sent\":\(core.commandsSent),"
            + "\"modules\":[\(modules.joined(separator: ","))]}"
    }

    /// The `event` telemetry object.
    static func event(_ event: AppEvent, tMilliseconds: UInt64) -> String {
        var text = "{\"t_ms\":\(tMilliseconds),\"kind\":\(string(event.kind.telemetryName)),\"slot\":\(string(event.slot)),\"name\":\(string(event.module))"
        if let from = event.from { text += ",\"from\":\(string(from.description))" }
        if let to = event.to { text += ",\"to\":\(string(to.description))" }
        return text + ",\"detail\":\(string(event.detail))}"
    }

    /// The `module` telemetry object (a value a module published).
    static func telemetry(_ value: ModuleTelemetry, tMilliseconds: UInt64) -> String {
        "{\"t_ms\":\(tMilliseconds),\"slot\":\(string(value.slot)),\"key\":\(string(value.key)),\"value\":\(value.value),"
            + "\"module_t_ns\":\(value.timestampNanoseconds)}"
    }
}

/// Prints a line and flushes it at once: test harnesses and `splitsoc` wait for these lines on a
/// pipe, where stdio would otherwise buffer them. (`fflush(nil)` flushes every stream without naming
/// the global `stdout`, which Swift 6 refuses as shared mutable state.)
///
/// Control characters are escaped: whatever a module or a manifest put into the text, one call
/// prints exactly one line.
func say(_ line: String) {
    print(PrintableText.escaped(line))
    fflush(nil)
}
