/// Which plant model a board drives.
public enum PlantKind: String, Sendable, CaseIterable {
    /// A heated thermal zone; publishes channels 0, 1, 2; accepts command targets 1 and 2.
    case thermal
    /// A DC motor speed loop; publishes channels 3, 4; accepts command target 3.
    case motor
}

/// How the board measures its process variable (its host layer).
public enum SensorPath: String, Sendable, CaseIterable {
    /// NTC thermistor in a voltage divider read by an ADC.
    case adcThermistor = "adc-thermistor"
    /// A TMP117-like digital sensor on an I2C bus.
    case i2cTMP117 = "i2c-tmp117"
    /// A quadrature encoder counted over one tick.
    case encoder
}

/// The tasks every board runs; a board file may retune their timing under `[tasks.NAME]`.
public enum TaskKind: Int, Sendable, CaseIterable {
    /// Reads the sensor through the board's host layer and publishes samples.
    case sense = 0
    /// Checks liveness, expiry and invalid-command counts; decides normal or fail-safe.
    case supervise = 1
    /// Applies commands or the local fallback to the actuator, with interlocks.
    case control = 2
    /// Integrates the plant over one tick.
    case plant = 3
    /// Heartbeat LED and console housekeeping.
    case housekeeping = 4

    /// The name used in board files and reports.
    public var name: String {
        switch self {
        case .sense: return "sense"
        case .supervise: return "supervise"
        case .control: return "control"
        case .plant: return "plant"
        case .housekeeping: return "housekeeping"
        }
    }
}

/// Timing of one periodic task.
public struct TaskSpec: Sendable, Equatable {
    public var kind: TaskKind
    /// Period in ticks (≥ 1).
    public var periodTicks: Int
    /// First release tick (0 ..< period).
    public var offsetTicks: Int
    /// Higher runs first within a tick.
    public var priority: Int
    /// Execution budget; a run longer than this counts an overrun.
    public var budgetNanoseconds: UInt64

    public init(kind: TaskKind, periodTicks: Int, offsetTicks: Int, priority: Int, budgetNanoseconds: UInt64) {
        self.kind = kind
        self.periodTicks = periodTicks
        self.offsetTicks = offsetTicks
        self.priority = priority
        self.budgetNanoseconds = budgetNanoseconds
    }
}

/// A board: peripherals, pins, sensor path, loop rate, plant parameters, limits and supervisor
/// settings, read from `firmware-mock/boards/NAME.toml` at start-up (never in the tick).
public struct BoardDescription: Sendable {
    public var name: String
    public var summary: String
    /// Tick rate of the real-time loop.
    public var tickHz: Int
    public var plant: PlantKind
    public var sensor: SensorPath

    // Pins (GPIO)
    public var heartbeatLEDPin: Int
    public var failSafeLEDPin: Int
    public var relayPin: Int
    /// Heartbeat LED half-period in ticks.
    public var heartbeatHalfPeriodTicks: Int

    // ADC + thermistor front end
    public var adcBits: Int
    public var adcReferenceMillivolts: Int
    public var adcChannel: Int
    public var thermistorR25Ohms: Double
    public var thermistorBeta: Double
    public var dividerOhms: Double

    // I2C + TMP117-like sensor
    public var i2cBus: Int
    public var i2cAddress: Int
    /// Probability (‰) that a read NACKs (fault injection).
    public var i2cNackPermille: Int

    // PWM
    public var pwmChannel: Int
    public var pwmFrequencyHz: Int
    /// Counter top: duty is quantised to 1/pwmResolution.
    public var pwmResolution: Int

    // UART console
    public var uartCapacityBytes: Int

    // Thermal plant
    public var thermalMassJoulesPerKelvin: Double
    public var heaterMaxWatts: Double
    public var lossWattsPerKelvin: Double
    public var ambientMilliC: Int
    public var initialMilliC: Int
    public var sensorNoiseMilliC: Double
    public var plantSubsteps: Int

    // Motor plant
    public var motorInertia: Double
    public var motorFriction: Double
    public var motorTorqueConstant: Double
    public var motorResistanceOhms: Double
    public var motorSupplyVolts: Double
    public var motorLoadTorque: Double
    public var encoderCountsPerRevolution: Int
    public var motorSetpointMilliRadPerSecond: Int

    // Limits and command handling
    public var heaterDutyMaxPermille: Int
    public var setpointMinMilliC: Int
    public var setpointMaxMilliC: Int
    public var defaultSetpointMilliC: Int
    public var motorDutyLimitPermille: Int
    /// Largest duty change per tick (‰); 0 = no rate limit.
    public var dutyRateLimitPermillePerTick: Int
    /// Expiry of a command whose `validTicks` is 0.
    public var commandDefaultValidTicks: Int

    // Supervisor
    public var silenceTicks: Int
    public var invalidCommandLimit: Int
    public var invalidWindowTicks: Int
    /// Consecutive healthy ticks after which fail-safe ends within a session (SPEC §4.8).
    public var recoveryTicks: Int
    /// The highest temperature the fail-safe fallback regulates to; it holds the operator's
    /// setpoint when that is lower.
    public var failSafeSetpointMilliC: Int
    public var failSafeHysteresisMilliC: Int
    public var failSafeDutyPermille: Int
    public var overTemperatureMilliC: Int
    public var overSpeedMilliRadPerSecond: Int

    /// Task timing, one per `TaskKind`, in `TaskKind` order.
    public var tasks: [TaskSpec]

    /// Tick period in nanoseconds.
    public var tickPeriodNanoseconds: UInt64 { 1_000_000_000 / UInt64(tickHz) }

    /// The sample channels this board publishes, in order.
    public var channels: [UInt8] { plant == .thermal ? [0, 1, 2] : [3, 4] }
}

/// Why a board file cannot be used: a syntax error, a missing or unknown key, a bad value.
public struct BoardError: Error, Sendable, Equatable, CustomStringConvertible {
    /// The file (or board name) the problem is in.
    public var source: String
    /// 1-based line, when known.
    public var line: Int?
    public var message: String

    public init(source: String, line: Int?, message: String) {
        self.source = source
        self.line = line
        self.message = message
    }

    public var description: String {
        if let line { return "\(source):\(line): \(message)" }
        return "\(source): \(message)"
    }
}
