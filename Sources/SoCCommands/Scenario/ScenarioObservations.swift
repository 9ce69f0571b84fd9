import Foundation

/// One observation of a signal at a tick.
public struct SignalPoint: Sendable, Equatable {
    public var tick: UInt64
    public var value: SignalValue
    public init(tick: UInt64, value: SignalValue) {
        self.tick = tick
        self.value = value
    }
}

/// Everything a finished run exposes to expectations: signal series read from the real-time
/// core's trace, and named counters from the trace, the cores' summaries and the relay.
public struct ScenarioObservations: Sendable, Equatable {
    /// Tick rate of the board (from the trace header), to turn ticks into milliseconds.
    public var tickHz: Int = 1000
    /// The last tick seen in the trace.
    public var endTick: UInt64 = 0
    public var series: [ScenarioSignal: [SignalPoint]] = [:]
    /// Counters by name: `trace.*`, `rt.*`, `app.*`, `relay.*`.
    public var counters: [String: Int] = [:]
    /// Trace lines that did not parse (counted; the rest of the trace is still used).
    public var unparsedLines = 0

    public init(tickHz: Int = 1000) { self.tickHz = tickHz }

    /// Counters with these prefixes count things seen in complete records (the trace, the
    /// application core's event lines): one that never occurred is 0, not "not reported".
    public static let zeroDefaultPrefixes = ["trace.", "app.events.", "app.swaps_"]

    /// The value of counter `name`: reported, or 0 for an event counter that never occurred, or nil.
    public func counter(_ name: String) -> Int? {
        if let value = counters[name] { return value }
        return Self.zeroDefaultPrefixes.contains(where: { name.hasPrefix($0) }) ? 0 : nil
    }

    /// Milliseconds of scenario time at `tick`.
    public func milliseconds(_ tick: UInt64) -> Int { Int(tick * 1000 / UInt64(max(tickHz, 1))) }

    /// The first tick at or after `milliseconds`.
    public func tick(atMilliseconds milliseconds: Int) -> UInt64 {
        let product = UInt64(max(milliseconds, 0)) * UInt64(tickHz)
        return (product + 999) / 1000
    }

    /// Adds a point (a named or step signal only when its value changes).
    public mutating func record(_ signal: ScenarioSignal, tick: UInt64, _ value: SignalValue) {
        if signal.isStep, series[signal]?.last?.value == value { return }
        series[signal, default: []].append(SignalPoint(tick: tick, value: value))
    }

    /// Adds `amount` to a counter.
    public mutating func count(_ name: String, _ amount: Int = 1) { counters[name, default: 0] += amount }

    /// Reads the real-time core's trace text (docs/trace-format.md): samples, state changes,
    /// actuator outputs, sessions; and counts every record kind as `trace.<kind>`.
    public static func fromTrace(_ text: String) -> ScenarioObservations {
        var observations = ScenarioObservations()
        observations.addTrace(text)
        return observations
    }

    /// Adds the records of a trace (see `fromTrace`).
    public mutating func addTrace(_ text: String) {
        for line in text.split(separator: "\n") {
            if line.hasPrefix("#") {
                if let range = line.range(of: "tick_hz="), let hz = Int(line[range.upperBound...].prefix { $0.isNumber }) {
                    tickHz = hz
                }
                continue
            }
            let words = line.split(separator: " ")
            guard words.count >= 2, let tick = UInt64(words[0]) else {
                unparsedLines += 1
                continue
            }
            endTick = max(endTick, tick)
            let kind = String(words[1])
            var fields: [Substring: Substring] = [:]
            for word in words.dropFirst(2) {
                if let eq = word.firstIndex(of: "=") { fields[word[..<eq]] = word[word.index(after: eq)...] }
            }
            count("trace.\(kind)")
            let value = fields["value"].flatMap { Int($0) }
            switch kind {
            case "sample":
                guard let channel = fields["ch"], let value else { break }
                let status = String(fields["status"] ?? "ok")
                switch channel {
                case "0":
                    record(.sensor, tick: tick, .name(status))
                    if status == "ok" { record(.temperature, tick: tick, .number(value)) } else { count("trace.sensor_\(status)") }
                case "1": record(.setpoint, tick: tick, .number(value))
                case "2": record(.duty, tick: tick, .number(value))
                case "3": record(.motorSpeed, tick: tick, .number(value))
                default: break
                }
            case "state":
                guard let to = fields["to"] else { break }
                if series[.state] == nil, let from = fields["from"] {
                    record(.state, tick: 0, .name(String(from)))
                }
                record(.state, tick: tick, .name(String(to)))
                if to == "failsafe" { count("trace.failsafe_entries") }
            case "actuator":
                if fields["target"] == "1", let value { record(.heater, tick: tick, .number(value)) }
            case "session":
                if let n = fields["n"].flatMap({ Int($0) }) { record(.sessions, tick: tick, .number(n)) }
            case "miss":
                count("trace.deadline_misses")
            case "peer":
                count(words.count > 2 && words[2] == "lost" ? "trace.peer_lost" : "trace.peer_left")
            default:
                break
            }
        }
    }

    /// Adds every number of a JSON object as a counter `prefix.key` (nested objects become
    /// `prefix.outer.inner`); strings and arrays are skipped.
    public mutating func addCounters(fromJSON object: [String: Any], prefix: String) {
        for (key, value) in object {
            let name = "\(prefix).\(key)"
            if let number = value as? Int {
                counters[name] = number
            } else if let number = value as? Double, number.isFinite, number.rounded() == number {
                counters[name] = Int(number)
            } else if let nested = value as? [String: Any] {
                addCounters(fromJSON: nested, prefix: name)
            }
        }
    }
}

