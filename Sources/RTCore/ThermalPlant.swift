/// A lumped thermal zone: `C · dT/dt = P_max · duty − k · (T − T_ambient)`, integrated with a fixed
/// explicit-Euler step (tick period / substeps). Keeps an energy ledger so tests can check that
/// the heat stored equals the heat put in minus the heat lost.
public struct ThermalPlant: Sendable {
    /// Heat capacity (J/K).
    public let thermalMass: Double
    /// Heater power at 100 % duty (W).
    public let heaterMaxWatts: Double
    /// Loss to ambient (W/K).
    public let lossWattsPerKelvin: Double
    /// Ambient temperature (°C); a scenario may change it.
    public var ambientCelsius: Double
    /// Zone temperature (°C).
    public private(set) var celsius: Double
    /// Energy the heater delivered (J).
    public private(set) var energyIn: Double = 0
    /// Energy lost to ambient (J).
    public private(set) var energyLost: Double = 0
    /// The temperature at creation, for the ledger.
    public let initialCelsius: Double

    public init(thermalMass: Double, heaterMaxWatts: Double, lossWattsPerKelvin: Double, ambientCelsius: Double,
                initialCelsius: Double) {
        self.thermalMass = thermalMass
        self.heaterMaxWatts = heaterMaxWatts
        self.lossWattsPerKelvin = lossWattsPerKelvin
        self.ambientCelsius = ambientCelsius
        self.celsius = initialCelsius
        self.initialCelsius = initialCelsius
    }

    /// Advances by `seconds` in `substeps` equal Euler steps with heater duty `duty` (0 ... 1).
    public mutating func step(seconds: Double, duty: Double, substeps: Int) {
        let h = seconds / Double(substeps)
        let power = heaterMaxWatts * min(max(duty, 0), 1)
        for _ in 0..<substeps {
            let loss = lossWattsPerKelvin * (celsius - ambientCelsius)
            energyIn += power * h
            energyLost += loss * h
            celsius += (power - loss) * h / thermalMass
        }
    }

    /// The temperature the zone settles at for a constant duty: `T_amb + P·duty / k`.
    public func steadyStateCelsius(duty: Double) -> Double {
        ambientCelsius + heaterMaxWatts * duty / lossWattsPerKelvin
    }

    /// Heat stored since creation (J): `C · (T − T0)`. Equals `energyIn − energyLost`.
    public var energyStored: Double { thermalMass * (celsius - initialCelsius) }
}

/// A DC motor's speed: `J · dω/dt = Kt · i − b · ω − τ_load`, `i = (V · duty − Ke · ω) / R`
/// (electrical time constant neglected; `Ke = Kt` in SI units). Fixed-step explicit Euler.
public struct MotorPlant: Sendable {
    public let inertia: Double
    public let friction: Double
    public let torqueConstant: Double
    public let resistance: Double
    public let supplyVolts: Double
    /// Load torque opposing rotation (N·m); a scenario may change it.
    public var loadTorque: Double
    /// Speed (rad/s).
    public private(set) var radiansPerSecond: Double = 0
    /// Shaft angle (rad), what an encoder counts.
    public private(set) var angle: Double = 0

    public init(inertia: Double, friction: Double, torqueConstant: Double, resistance: Double, supplyVolts: Double,
                loadTorque: Double) {
        self.inertia = inertia
        self.friction = friction
        self.torqueConstant = torqueConstant
        self.resistance = resistance
        self.supplyVolts = supplyVolts
        self.loadTorque = loadTorque
    }

    /// Advances by `seconds` in `substeps` steps with signed duty `duty` (−1 ... 1).
    public mutating func step(seconds: Double, duty: Double, substeps: Int) {
        let h = seconds / Double(substeps)
        let volts = supplyVolts * min(max(duty, -1), 1)
        for _ in 0..<substeps {
            let current = (volts - torqueConstant * radiansPerSecond) / resistance
            var torque = torqueConstant * current - friction * radiansPerSecond
            // Load torque opposes motion (Coulomb-like), and cannot start a stopped motor.
            if radiansPerSecond > 0 { torque -= loadTorque } else if radiansPerSecond < 0 { torque += loadTorque }
            radiansPerSecond += torque / inertia * h
            angle += radiansPerSecond * h
        }
    }

    /// The no-load steady speed for a constant duty (ignoring load torque).
    public func steadyStateRadiansPerSecond(duty: Double) -> Double {
        let kt = torqueConstant
        return kt * supplyVolts * duty / (kt * kt + friction * resistance)
    }
}
