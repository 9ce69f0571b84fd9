import SoCParameters

extension BoardDescription {
    /// Reads a board from TOML-subset text.
    /// - Parameters:
    ///   - text: the file's contents.
    ///   - source: the file name, used in error messages.
    /// - Throws: `BoardError` with the line of the first problem: syntax, a missing required key,
    ///   an unknown table or key (a typo is an error, not a silent default), a wrong type, or a value
    ///   out of range.
    public static func parse(_ text: String, source: String) throws(BoardError) -> BoardDescription {
        let document: TOMLDocument
        do {
            document = try TOMLSubset.parse(text)
        } catch {
            throw BoardError(source: source, line: error.line, message: error.message)
        }
        var r = BoardReader(document: document, source: source)
        var b = try BoardDescription(reader: &r)
        b.tasks = try TaskKind.allCases.map { kind throws(BoardError) in try r.task(kind, board: b) }
        try r.checkNoUnknownKeys()
        try b.validate(reader: r)
        return b
    }

    init(reader r: inout BoardReader) throws(BoardError) {
        name = try r.string("board", "name")
        summary = try r.string("board", "description", default: "")
        tickHz = try r.int("board", "tick_hz", range: 1...100_000)
        plant = try r.enumeration("board", "plant", PlantKind.self)
        sensor = try r.enumeration("board", "sensor", SensorPath.self)

        heartbeatLEDPin = try r.int("gpio", "heartbeat_led", default: 13, range: 0...63)
        failSafeLEDPin = try r.int("gpio", "failsafe_led", default: 12, range: 0...63)
        relayPin = try r.int("gpio", "relay", default: 7, range: 0...63)
        heartbeatHalfPeriodTicks = try r.int("gpio", "heartbeat_half_period_ticks", default: tickHz / 2, range: 1...10_000_000)

        adcBits = try r.int("adc", "bits", default: 12, range: 8...24)
        adcReferenceMillivolts = try r.int("adc", "reference_mV", default: 3300, range: 100...10_000)
        adcChannel = try r.int("adc", "channel", default: 0, range: 0...15)
        thermistorR25Ohms = try r.double("thermistor", "r25_ohm", default: 10_000, range: 1...10_000_000)
        thermistorBeta = try r.double("thermistor", "beta", default: 3950, range: 100...10_000)
        dividerOhms = try r.double("thermistor", "divider_ohm", default: 10_000, range: 1...10_000_000)

        i2cBus = try r.int("i2c", "bus", default: 1, range: 0...7)
        i2cAddress = try r.int("i2c", "address", default: 0x48, range: 0x08...0x77)
        i2cNackPermille = try r.int("i2c", "nack_permille", default: 0, range: Parameter.i2cNack.bounds)

        pwmChannel = try r.int("pwm", "channel", default: 0, range: 0...15)
        pwmFrequencyHz = try r.int("pwm", "frequency_hz", default: 1000, range: 1...1_000_000)
        pwmResolution = try r.int("pwm", "resolution", default: 1000, range: 2...65_535)

        uartCapacityBytes = try r.int("uart", "capacity_bytes", default: 1024, range: 16...1_048_576)

        thermalMassJoulesPerKelvin = try r.double("plant", "thermal_mass_J_per_K", default: 500, range: 0.001...1e9)
        heaterMaxWatts = try r.double("plant", "heater_max_W", default: 100, range: 0...1e6)
        lossWattsPerKelvin = try r.double("plant", "loss_W_per_K", default: 1.0, range: 0...1e6)
        ambientMilliC = try r.int("plant", "ambient_mC", default: 20_000, range: Parameter.ambientTemperature.bounds)
        initialMilliC = try r.int("plant", "initial_mC", default: ambientMilliC, range: -50_000...200_000)
        sensorNoiseMilliC = try r.double("plant", "sensor_noise_mC", default: 50, range: 0...100_000)
        plantSubsteps = try r.int("plant", "substeps", default: 1, range: 1...1000)
        motorInertia = try r.double("plant", "inertia_kg_m2", default: 2e-5, range: 1e-9...100)
        motorFriction = try r.double("plant", "friction_N_m_s", default: 1e-5, range: 0...100)
        motorTorqueConstant = try r.double("plant", "torque_constant_N_m_per_A", default: 0.02, range: 1e-6...100)
        motorResistanceOhms = try r.double("plant", "resistance_ohm", default: 2.0, range: 1e-3...1e4)
        motorSupplyVolts = try r.double("plant", "supply_V", default: 12, range: 0...1000)
        motorLoadTorque = try r.double("plant", "load_torque_N_m", default: 0, range: 0...100)
        encoderCountsPerRevolution = try r.int("encoder", "counts_per_rev", default: 2048, range: 1...1_000_000)
        motorSetpointMilliRadPerSecond = try r.int(
            "plant", "speed_setpoint_mrad_s", default: 200_000, range: Parameter.motorSpeedSetpoint.bounds)

        heaterDutyMaxPermille = try r.int("limits", "heater_duty_max_permille", default: 1000, range: 0...1000)
        let setpointLimit = Parameter.temperatureSetpointLimit.bounds
        setpointMinMilliC = try r.int("limits", "setpoint_min_mC", default: 0, range: setpointLimit)
        setpointMaxMilliC = try r.int("limits", "setpoint_max_mC", default: 90_000, range: setpointLimit)
        defaultSetpointMilliC = try r.int("limits", "default_setpoint_mC", default: 40_000, range: setpointLimit)
        motorDutyLimitPermille = try r.int("limits", "motor_duty_max_permille", default: 1000, range: 0...1000)
        dutyRateLimitPermillePerTick = try r.int("limits", "duty_rate_limit_permille_per_tick", default: 0, range: 0...2000)
        commandDefaultValidTicks = try r.int("limits", "command_valid_ticks", default: tickHz / 2, range: 1...65_535)

        silenceTicks = try r.int("supervisor", "silence_ticks", default: tickHz / 4, range: 1...10_000_000)
        invalidCommandLimit = try r.int("supervisor", "invalid_limit", default: 5, range: 1...1_000_000)
        invalidWindowTicks = try r.int("supervisor", "invalid_window_ticks", default: tickHz, range: 1...10_000_000)
        recoveryTicks = try r.int("supervisor", "recovery_ticks", default: max(1, tickHz / 10), range: 1...10_000_000)
        failSafeSetpointMilliC = try r.int("supervisor", "failsafe_setpoint_mC", default: 35_000, range: -50_000...200_000)
        failSafeHysteresisMilliC = try r.int("supervisor", "failsafe_hysteresis_mC", default: 1_000, range: 0...50_000)
        failSafeDutyPermille = try r.int("supervisor", "failsafe_duty_permille", default: 300, range: 0...1000)
        overTemperatureMilliC = try r.int("supervisor", "over_temperature_mC", default: 95_000, range: -50_000...300_000)
        overSpeedMilliRadPerSecond = try r.int("supervisor", "over_speed_mrad_s", default: 500_000, range: 1...100_000_000)
        tasks = []
    }

    func validate(reader r: BoardReader) throws(BoardError) {
        guard setpointMinMilliC <= setpointMaxMilliC else {
            throw r.error("limits", "setpoint_max_mC", "setpoint_max_mC must be ≥ setpoint_min_mC")
        }
        guard (setpointMinMilliC...setpointMaxMilliC).contains(defaultSetpointMilliC) else {
            throw r.error("limits", "default_setpoint_mC", "default_setpoint_mC must lie within the setpoint limits")
        }
        guard failSafeSetpointMilliC < overTemperatureMilliC else {
            throw r.error("supervisor", "failsafe_setpoint_mC", "failsafe_setpoint_mC must be below over_temperature_mC")
        }
        guard failSafeDutyPermille <= heaterDutyMaxPermille else {
            throw r.error("supervisor", "failsafe_duty_permille", "failsafe_duty_permille must not exceed heater_duty_max_permille")
        }
        switch (plant, sensor) {
        case (.thermal, .adcThermistor), (.thermal, .i2cTMP117), (.motor, .encoder): break
        default:
            throw r.error("board", "sensor", "sensor '\(sensor.rawValue)' cannot measure a \(plant.rawValue) plant")
        }
        guard 1_000_000_000 % tickHz == 0 else {
            throw r.error("board", "tick_hz", "tick_hz must divide 1 000 000 000 (a whole number of nanoseconds per tick)")
        }
    }
}

/// Typed access to a parsed board document that remembers which keys it consumed.
struct BoardReader {
    let document: TOMLDocument
    let source: String
    var consumed: Set<String> = []

    static let knownTables: Set<String> = [
        "", "board", "gpio", "adc", "thermistor", "i2c", "pwm", "uart", "plant", "encoder", "limits", "supervisor",
        "tasks",
    ]

    init(document: TOMLDocument, source: String) {
        self.document = document
        self.source = source
    }

    /// The table named `name` (`""`: the keys before any header).
    func table(_ name: String) -> TOMLTable? {
        name.isEmpty ? document.root : document.tables[name]
    }

    func error(_ table: String, _ key: String, _ message: String) -> BoardError {
        BoardError(source: source, line: self.table(table)?.lines[key], message: message)
    }

    mutating func value(_ table: String, _ key: String) -> TOMLValue? {
        consumed.insert("\(table).\(key)")
        return self.table(table)?.values[key]
    }

    mutating func string(_ table: String, _ key: String, default fallback: String? = nil) throws(BoardError) -> String {
        switch value(table, key) {
        case .string(let s)?: return s
        case nil:
            if let fallback { return fallback }
            throw BoardError(source: source, line: nil, message: "missing required key '\(key)' in [\(table)]")
        default: throw error(table, key, "'\(key)' in [\(table)] must be a string")
        }
    }

    mutating func int(
        _ table: String, _ key: String, default fallback: Int? = nil, range: ClosedRange<Int>
    ) throws(BoardError) -> Int {
        let result: Int
        switch value(table, key) {
        case .integer(let v)?:
            guard let v = Int(exactly: v) else { throw error(table, key, "'\(key)' is too large") }
            result = v
        case nil:
            guard let fallback else {
                throw BoardError(source: source, line: nil, message: "missing required key '\(key)' in [\(table)]")
            }
            return fallback
        default: throw error(table, key, "'\(key)' in [\(table)] must be an integer")
        }
        guard range.contains(result) else {
            throw error(table, key, "'\(key)' = \(result) is out of range \(range.lowerBound)...\(range.upperBound)")
        }
        return result
    }

    mutating func double(
        _ table: String, _ key: String, default fallback: Double, range: ClosedRange<Double>
    ) throws(BoardError) -> Double {
        let result: Double
        switch value(table, key) {
        case .integer(let v)?: result = Double(v)
        case .float(let v)?: result = v
        case nil: return fallback
        default: throw error(table, key, "'\(key)' in [\(table)] must be a number")
        }
        guard range.contains(result) else {
            throw error(table, key, "'\(key)' = \(result) is out of range \(range.lowerBound)...\(range.upperBound)")
        }
        return result
    }

    mutating func enumeration<E: RawRepresentable & CaseIterable>(
        _ table: String, _ key: String, _ type: E.Type
    ) throws(BoardError) -> E where E.RawValue == String {
        let raw = try string(table, key)
        guard let value = E(rawValue: raw) else {
            let allowed = E.allCases.map { "'\($0.rawValue)'" }.joined(separator: ", ")
            throw error(table, key, "'\(key)' = '\(raw)' is not one of \(allowed)")
        }
        return value
    }

    /// The default timing of each task, then the board's `[tasks.NAME]` overrides.
    mutating func task(_ kind: TaskKind, board: BoardDescription) throws(BoardError) -> TaskSpec {
        let table = "tasks.\(kind.name)"
        let period = 1_000_000_000 / board.tickHz
        let defaultPeriod = kind == .housekeeping ? max(1, board.tickHz / 10) : 1
        let defaultPriority: Int
        switch kind {
        case .sense: defaultPriority = 50
        case .supervise: defaultPriority = 40
        case .control: defaultPriority = 30
        case .plant: defaultPriority = 20
        case .housekeeping: defaultPriority = 10
        }
        let periodTicks = try int(table, "period_ticks", default: defaultPeriod, range: 1...1_000_000)
        let offset = try int(table, "offset_ticks", default: 0, range: 0...(periodTicks - 1))
        let priority = try int(table, "priority", default: defaultPriority, range: 1...99)
        let budget = try int(table, "budget_us", default: max(1, period / 1000 / 5), range: 1...10_000_000)
        return TaskSpec(
            kind: kind, periodTicks: periodTicks, offsetTicks: offset, priority: priority,
            budgetNanoseconds: UInt64(budget) * 1000)
    }

    func checkNoUnknownKeys() throws(BoardError) {
        if let (name, tables) = document.arrays.min(by: { $0.value[0].line < $1.value[0].line }) {
            throw BoardError(
                source: source, line: tables[0].line, message: "arrays of tables ([[\(name)]]) are not used in board files")
        }
        let tablesInFileOrder = document.tables.values.sorted { $0.line < $1.line }
        for table in [document.root] + tablesInFileOrder {
            let name = table.name
            let known = Self.knownTables.contains(name)
                || (name.hasPrefix("tasks.") && TaskKind.allCases.contains { "tasks.\($0.name)" == name })
            guard known else {
                throw BoardError(
                    source: source, line: table.line,
                    message: "unknown table [\(name)] (known: board, gpio, adc, thermistor, i2c, pwm, uart, plant, encoder, limits, supervisor, tasks.<\(TaskKind.allCases.map(\.name).joined(separator: "|"))>)")
            }
            for key in table.keyOrder where !consumed.contains("\(name).\(key)") {
                throw BoardError(source: source, line: table.lines[key], message: "unknown key '\(key)' in [\(name)]")
            }
        }
    }
}
