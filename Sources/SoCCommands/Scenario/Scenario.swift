/// One integration scenario: which firmware runs on which board, what happens to it over time,
/// and what must be true afterwards (docs/scenarios.md). Build one in code or parse a file with
/// `Scenario.parse(_:file:)`; run it with `ScenarioRunner`.
public struct Scenario: Sendable, Equatable {
    /// A short human name; the JUnit test case name.
    public var name: String
    public var description: String = ""
    /// A board name under firmware-mock/boards (`thermo-adc`, `thermo-i2c`) or a path to a board file.
    public var board: String = "thermo-adc"
    public var clock: ScenarioClock = .virtual
    /// Virtual clock: ticks per grant.
    public var quantum: Int = 10
    public var seed: UInt64 = 1
    /// How long the real-time core runs, in (virtual or real) milliseconds.
    public var durationMilliseconds: Int = 5_000
    /// Initial operator setpoint (milli-°C); nil keeps the board's default.
    public var setpointMilliCelsius: Int?
    /// Initial ambient temperature (milli-°C); nil keeps the board's default.
    public var ambientMilliCelsius: Int?
    /// The application core's pipeline, in order.
    public var modules: [ScenarioModule] = []
    /// Extra flags for `splitsoc-app` (`--fuel`, `--probation-batches`, …).
    public var appArguments: [String] = []
    /// Extra flags for `splitsoc-rt`.
    public var rtArguments: [String] = []
    /// Inputs applied by the real-time core at exact ticks.
    public var stimuli: [ScenarioStimulus] = []
    /// Bridge faults; when set, a fault-injecting relay runs between the cores.
    public var bridge: BridgeFaults?
    /// Process-level faults and operator actions (kill, pause, restart, swap), in time order.
    public var actions: [ScenarioAction] = []
    public var expectations: [Expectation] = []
    /// The file this scenario came from, for messages (nil when built in code).
    public var sourcePath: String?

    public init(name: String) { self.name = name }
}

/// How the real-time core's clock runs.
public enum ScenarioClock: String, Sendable, Equatable, CaseIterable {
    /// Wall clock, the board's tick rate.
    case real
    /// Lockstep with the application core: deterministic, usually much faster than real time.
    case virtual
}

/// One slot of the application core's pipeline.
public struct ScenarioModule: Sendable, Equatable {
    public var slot: String
    /// A module name under firmware-mock/modules, a manifest name (`thermostat-1.1`), or a path to
    /// a `.wasm` file.
    public var source: String

    public init(slot: String, source: String) {
        self.slot = slot
        self.source = source
    }
}

/// A sensor fault the real-time core's board layer can simulate.
public enum SensorFaultKind: String, Sendable, Equatable, CaseIterable {
    /// Clears any sensor fault.
    case ok
    /// The reading freezes at its current value.
    case stuck
    /// Large random noise on every reading.
    case noisy
    /// Readings at a rail (open or shorted sensor): the board reports `fault` samples.
    case outOfRange = "out-of-range"
}

/// An input the real-time core applies at a tick (written to the `--stimuli` file).
public struct ScenarioStimulus: Sendable, Equatable {
    public enum Kind: Sendable, Equatable {
        /// Operator setpoint in milli-°C.
        case setpoint(milliCelsius: Int)
        /// Ambient temperature of the plant in milli-°C.
        case ambient(milliCelsius: Int)
        /// Sensor fault on the temperature path.
        case sensor(SensorFaultKind)
        /// Probability (‰) that an I2C transfer NACKs (thermo-i2c); 1000 = every transfer.
        case i2cNack(permille: Int)
    }

    public var atMilliseconds: Int
    public var kind: Kind

    public init(atMilliseconds: Int, _ kind: Kind) {
        self.atMilliseconds = atMilliseconds
        self.kind = kind
    }
}

/// A process-level fault or an operator action, applied by the orchestrator while the run goes on.
public struct ScenarioAction: Sendable, Equatable {
    public enum Kind: Sendable, Equatable {
        /// SIGKILL the application core; restart it after `restartAfterMilliseconds` when set.
        case killApp(restartAfterMilliseconds: Int?)
        /// SIGSTOP the application core for a while, then SIGCONT.
        case pauseApp(forMilliseconds: Int)
        /// Stop the application core politely (SIGTERM) and start it again.
        case restartApp
        /// Hot-swap the module in `slot` through the control socket.
        case swap(slot: String, source: String)
    }

    /// When, in scenario time (virtual or real milliseconds since the real-time core started).
    public var atMilliseconds: Int
    public var kind: Kind

    public init(atMilliseconds: Int, _ kind: Kind) {
        self.atMilliseconds = atMilliseconds
        self.kind = kind
    }
}
