/// Something that must be true about a finished run (docs/scenarios.md, "Expectations").
public struct Expectation: Sendable, Equatable {
    public enum Kind: Sendable, Equatable {
        /// `signal` satisfies `condition` at every observation in the window.
        case always(signal: ScenarioSignal, condition: SignalCondition, window: TimeWindow)
        /// `signal` satisfies `condition` at least once in the window (a state reached, a value
        /// entered a band): "within N ms after T" is `window: TimeWindow(from: T, to: T + N)`.
        case eventually(signal: ScenarioSignal, condition: SignalCondition, window: TimeWindow)
        /// `signal` never satisfies `condition` in the window (no observation at all also passes:
        /// a module that publishes only when alarmed).
        case never(signal: ScenarioSignal, condition: SignalCondition, window: TimeWindow)
        /// A counter at the end of the run (`rt.deadline_misses`, `relay.app_to_rt.corrupted`,
        /// `trace.failsafe_entries`, `app.events.trapped`…) is within bounds.
        case counter(name: String, bounds: CountBounds)
    }

    public var kind: Kind
    /// The scenario file line it came from (0 when built in code), for messages.
    public var line: Int = 0
    /// An optional label shown in reports instead of the generated description.
    public var label: String?

    public init(_ kind: Kind, label: String? = nil, line: Int = 0) {
        self.kind = kind
        self.label = label
        self.line = line
    }

    /// `signal` stays within `[min, max]` from `from` milliseconds to `to` (or the end).
    public static func always(
        _ signal: ScenarioSignal, _ condition: SignalCondition, from: Int = 0, to: Int? = nil
    ) -> Expectation {
        Expectation(.always(signal: signal, condition: condition, window: TimeWindow(from: from, to: to)))
    }

    /// `signal` satisfies `condition` at some point between `after` and `after + within`.
    public static func reaches(
        _ signal: ScenarioSignal, _ condition: SignalCondition, after: Int = 0, within: Int? = nil
    ) -> Expectation {
        Expectation(
            .eventually(
                signal: signal, condition: condition, window: TimeWindow(from: after, to: within.map { after + $0 })))
    }

    /// The counter `name` is within `bounds` at the end of the run.
    public static func counter(_ name: String, _ bounds: CountBounds) -> Expectation {
        Expectation(.counter(name: name, bounds: bounds))
    }

    /// What the expectation says, for reports ("temp_mC within [21000, 23000] from 15000 ms").
    public var summary: String {
        if let label { return label }
        switch kind {
        case .always(let signal, let condition, let window):
            return "\(signal.name) \(condition.summary) at all times \(window.summary)"
        case .eventually(let signal, let condition, let window):
            return "\(signal.name) reaches \(condition.summary) \(window.summary)"
        case .never(let signal, let condition, let window):
            return "\(signal.name) never \(condition.summary) \(window.summary)"
        case .counter(let name, let bounds):
            return "\(name) \(bounds.summary)"
        }
    }
}

/// A closed interval of scenario time in milliseconds; `to == nil` means the end of the run.
public struct TimeWindow: Sendable, Equatable {
    public var from: Int
    public var to: Int?
    public init(from: Int = 0, to: Int? = nil) {
        self.from = from
        self.to = to
    }
    var summary: String {
        if let to { return "between \(from) ms and \(to) ms" }
        return from == 0 ? "over the whole run" : "from \(from) ms to the end"
    }
}

/// What a signal must satisfy: a numeric band, or equality with a named state.
public enum SignalCondition: Sendable, Equatable {
    /// `min ≤ value ≤ max` (either bound optional).
    case between(min: Int?, max: Int?)
    /// The value equals this name (`state` = "failsafe", `sensor` = "fault").
    case equals(String)

    var summary: String {
        switch self {
        case .between(let min?, let max?): return "within [\(min), \(max)]"
        case .between(let min?, nil): return "≥ \(min)"
        case .between(nil, let max?): return "≤ \(max)"
        case .between(nil, nil): return "(any value)"
        case .equals(let name): return "= \(name)"
        }
    }

    func holds(_ value: SignalValue) -> Bool {
        switch (self, value) {
        case (.between(let min, let max), .number(let v)):
            return (min.map { v >= $0 } ?? true) && (max.map { v <= $0 } ?? true)
        case (.equals(let name), .name(let n)): return name == n
        case (.equals(let name), .number(let v)): return Int(name) == v
        case (.between, .name): return false
        }
    }
}

/// Inclusive bounds on a counter.
public struct CountBounds: Sendable, Equatable {
    public var min: Int?
    public var max: Int?
    public init(min: Int? = nil, max: Int? = nil) {
        self.min = min
        self.max = max
    }
    /// Exactly `value`.
    public static func equals(_ value: Int) -> CountBounds { CountBounds(min: value, max: value) }
    /// At least `value`.
    public static func atLeast(_ value: Int) -> CountBounds { CountBounds(min: value) }

    func holds(_ value: Int) -> Bool { (min.map { value >= $0 } ?? true) && (max.map { value <= $0 } ?? true) }

    var summary: String {
        switch (min, max) {
        case (let a?, let b?) where a == b: return "= \(a)"
        case (let a?, let b?): return "within [\(a), \(b)]"
        case (let a?, nil): return "≥ \(a)"
        case (nil, let b?): return "≤ \(b)"
        case (nil, nil): return "(any value)"
        }
    }
}

/// A time series a scenario can constrain: the real-time core's trace (samples, state, actuator,
/// sessions), or a value a Wasm module published (`module.SLOT.KEY`, timed by the grant's virtual
/// time).
public struct ScenarioSignal: Sendable, Hashable, CustomStringConvertible {
    /// The name used in scenario files.
    public let name: String

    public init(_ name: String) { self.name = name }

    /// Measured process temperature (sample channel 0), milli-°C; only `ok` samples count.
    public static let temperature = ScenarioSignal("temp_mC")
    /// Setpoint in force (sample channel 1), milli-°C.
    public static let setpoint = ScenarioSignal("setpoint_mC")
    /// Heater duty applied (sample channel 2), permille.
    public static let duty = ScenarioSignal("duty_permille")
    /// Motor speed (sample channel 3), milli-rad/s.
    public static let motorSpeed = ScenarioSignal("motor_mrad_s")
    /// Supervisor state: `starting`, `normal`, `failsafe`.
    public static let state = ScenarioSignal("state")
    /// Status of the temperature samples: `ok`, `stale`, `fault`.
    public static let sensor = ScenarioSignal("sensor")
    /// Heater actuator output as changed by the real-time core (trace `actuator target=1`), permille.
    public static let heater = ScenarioSignal("heater_permille")
    /// Number of sessions established so far (1 after the first handshake, 2 after a restart…).
    public static let sessions = ScenarioSignal("sessions")

    /// A telemetry value a module publishes (`ssoc_publish`), e.g. `module.anomaly.anomaly_score_permille`.
    public static func module(slot: String, key: String) -> ScenarioSignal { ScenarioSignal("module.\(slot).\(key)") }

    /// The signals read from the trace.
    public static let builtIn: [ScenarioSignal] = [
        .temperature, .setpoint, .duty, .motorSpeed, .state, .sensor, .heater, .sessions,
    ]

    /// A signal a scenario file may name: a built-in one or `module.SLOT.KEY`.
    public init?(parsing name: String) {
        if Self.builtIn.contains(where: { $0.name == name }) {
            self.name = name
        } else if name.hasPrefix("module."), name.split(separator: ".").count >= 3 {
            self.name = name
        } else {
            return nil
        }
    }

    /// Whether the signal's values are names (compared with `equals`) rather than numbers.
    public var isNamed: Bool { self == .state || self == .sensor }

    /// Signals recorded only when they change; their value holds until the next change.
    public var isStep: Bool { self == .state || self == .sensor || self == .heater || self == .sessions }

    public var description: String { name }
}

/// One observed value of a signal.
public enum SignalValue: Sendable, Equatable, CustomStringConvertible {
    case number(Int)
    case name(String)
    public var description: String {
        switch self {
        case .number(let v): return String(v)
        case .name(let n): return n
        }
    }
}
