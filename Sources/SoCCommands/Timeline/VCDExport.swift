import Foundation

/// A timeline as a Value Change Dump (IEEE 1364 §18), the waveform format GTKWave and PulseView
/// read: the supervisor state, every actuator output, the heater relay and the interlocks of the
/// real-time core, and the commands as they arrive over the bridge, one VCD time unit per tick.
package enum VCDExport {
    struct Signal {
        var identifier: String
        var scope: String
        var name: String
        var width: Int
    }

    package static func vcd(_ timeline: TraceTimeline) -> String {
        var signals: [String: Signal] = [:]
        var changes: [(tick: UInt64, key: String, value: Int)] = []
        func declare(_ key: String, scope: String, name: String, width: Int) {
            if signals[key] == nil {
                signals[key] = Signal(identifier: identifier(signals.count), scope: scope, name: name, width: width)
            }
        }
        declare("state", scope: "rt", name: "supervisor_state", width: 2)
        for change in timeline.states { changes.append((change.tick, "state", stateCode(change.state))) }
        for (tick, target, value) in timeline.actuators {
            declare("actuator\(target)", scope: "rt", name: "actuator_target\(target)_permille", width: 32)
            declare("relay", scope: "rt", name: "relay_on", width: 1)
            changes.append((tick, "actuator\(target)", value))
            changes.append((tick, "relay", value != 0 ? 1 : 0))
        }
        for interlock in timeline.interlocks {
            let key = "interlock-" + interlock.name
            declare(key, scope: "rt", name: "interlock_" + interlock.name.replacingOccurrences(of: "-", with: "_"), width: 1)
            changes.append((interlock.tick, key, interlock.on ? 1 : 0))
        }
        for command in timeline.commands {
            declare("command\(command.target)", scope: "bridge", name: "command_target\(command.target)", width: 32)
            changes.append((command.tick, "command\(command.target)", command.value))
        }
        return header(timeline, signals: signals) + body(changes, signals: signals)
    }

    /// 0 starting, 1 normal, 2 failsafe (the supervisor's raw values).
    static func stateCode(_ name: String) -> Int { name == "normal" ? 1 : name == "failsafe" ? 2 : 0 }

    /// Printable identifiers `!`, `"`, … (VCD allows any printable ASCII but space).
    static func identifier(_ index: Int) -> String {
        var index = index
        var text = ""
        repeat {
            text.append(Character(UnicodeScalar(UInt8(33 + index % 94))))
            index /= 94
        } while index > 0
        return text
    }

    static func header(_ timeline: TraceTimeline, signals: [String: Signal]) -> String {
        // No $date: the same trace gives the same bytes.
        var text = "$version splitsoc trace export (board \(timeline.board), \(timeline.clock) clock) $end\n"
        text += "$timescale \(timescale(timeline)) $end\n$scope module splitsoc $end\n"
        for scope in ["rt", "bridge"] {
            text += "$scope module \(scope) $end\n"
            for signal in signals.values.sorted(by: { $0.identifier < $1.identifier }) where signal.scope == scope {
                let type = signal.width == 32 ? "integer" : "wire"
                text += "$var \(type) \(signal.width) \(signal.identifier) \(signal.name) $end\n"
            }
            text += "$upscope $end\n"
        }
        return text + "$upscope $end\n$enddefinitions $end\n"
    }

    /// One VCD time unit is one tick: `1 ms` at 1 kHz, `10 ms` at 100 Hz; other rates in µs ticks
    /// would need a multiplier VCD cannot express, so they are written as `1 us` per tick.
    static func timescale(_ timeline: TraceTimeline) -> String {
        switch timeline.periodNanoseconds {
        case 1_000_000: return "1 ms"
        case 10_000_000: return "10 ms"
        case 100_000_000: return "100 ms"
        case 100_000: return "100 us"
        case 10_000: return "10 us"
        default: return "1 us"
        }
    }

    static func body(_ changes: [(tick: UInt64, key: String, value: Int)], signals: [String: Signal]) -> String {
        var text = "$dumpvars\n"
        for signal in signals.values.sorted(by: { $0.identifier < $1.identifier }) { text += encode(0, signal) + "\n" }
        text += "$end\n"
        var current: UInt64?
        var last: [String: Int] = [:]
        for change in changes.enumerated().sorted(by: { ($0.element.tick, $0.offset) < ($1.element.tick, $1.offset) }).map(\.element) {
            guard let signal = signals[change.key], last[change.key] != change.value else { continue }
            last[change.key] = change.value
            if current != change.tick {
                current = change.tick
                text += "#\(change.tick)\n"
            }
            text += encode(change.value, signal) + "\n"
        }
        return text
    }

    /// `0!`/`1!` for a 1-bit wire, `b1010 !` otherwise (two's complement for negative values).
    static func encode(_ value: Int, _ signal: Signal) -> String {
        if signal.width == 1 { return "\(value & 1)\(signal.identifier)" }
        let mask = signal.width >= 64 ? UInt64.max : (UInt64(1) << UInt64(signal.width)) - 1
        let bits = String(UInt64(bitPattern: Int64(value)) & mask, radix: 2)
        return "b\(bits) \(signal.identifier)"
    }
}
