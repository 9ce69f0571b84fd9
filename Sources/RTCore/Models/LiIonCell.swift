import Glibc

/// A lithium-ion cell as a first-order Thévenin equivalent circuit: an open-circuit voltage that
/// depends on the state of charge, a series resistance `R0` and one RC pair (`R1 ‖ C1`, the
/// diffusion/polarisation voltage), plus a lumped thermal model heated by the resistive losses:
///
///     dSOC/dt = I / Q                     V1' = I / C1 − V1 / (R1 · C1)
///     V = OCV(SOC) + I · R0 + V1           m·c · dT/dt = I²·R0 + V1²/R1 − h · (T − T_amb)
///
/// (`I` > 0 charges.) The OCV curve is a typical NMC 18650's, piecewise linear over 11 points.
/// `timeScale` makes the cell live faster than the tick clock (60 = one simulated minute per
/// second), so a whole CC/CV charge fits in a scenario; every time constant scales with it, so the
/// control problem keeps its shape. Keeps a charge ledger. Pure value type; `step` allocates nothing.
public struct LiIonCell: Sendable {
    /// Capacity (coulomb): `Ah · 3600`.
    public let capacityCoulomb: Double
    public let seriesOhms: Double
    public let polarisationOhms: Double
    public let polarisationFarads: Double
    /// Heat capacity (J/K) and loss to ambient (W/K).
    public let thermalMass: Double
    public let lossWattsPerKelvin: Double
    /// Simulated seconds per tick-clock second.
    public let timeScale: Double
    public var ambientCelsius: Double
    /// State of charge (0 ... 1).
    public private(set) var stateOfCharge: Double
    /// Voltage across the RC pair (V).
    public private(set) var polarisationVolts: Double = 0
    public private(set) var celsius: Double
    /// The current of the last step (A) and the terminal voltage it gave (V).
    public private(set) var amperes: Double = 0
    /// Charge put in since creation (C), and the state of charge then.
    public private(set) var chargeIn: Double = 0
    public let initialStateOfCharge: Double

    /// OCV at 0 %, 10 %, ... 100 % SOC (V).
    static let openCircuitTable: [Double] = [
        3.00, 3.45, 3.55, 3.62, 3.68, 3.74, 3.81, 3.89, 3.97, 4.07, 4.20,
    ]

    public init(
        capacityAmpereHours: Double, seriesOhms: Double, polarisationOhms: Double, polarisationFarads: Double,
        thermalMass: Double, lossWattsPerKelvin: Double, timeScale: Double, ambientCelsius: Double,
        initialStateOfCharge: Double
    ) {
        self.capacityCoulomb = capacityAmpereHours * 3600
        self.seriesOhms = seriesOhms
        self.polarisationOhms = polarisationOhms
        self.polarisationFarads = polarisationFarads
        self.thermalMass = thermalMass
        self.lossWattsPerKelvin = lossWattsPerKelvin
        self.timeScale = max(timeScale, 1e-9)
        self.ambientCelsius = ambientCelsius
        self.celsius = ambientCelsius
        self.stateOfCharge = min(max(initialStateOfCharge, 0), 1)
        self.initialStateOfCharge = self.stateOfCharge
    }

    /// Open-circuit voltage at `soc` (clamped to 0 ... 1), interpolated in the table.
    public static func openCircuitVolts(soc: Double) -> Double {
        let position = min(max(soc, 0), 1) * 10
        let index = min(Int(position), 9)
        let fraction = position - Double(index)
        return openCircuitTable[index] + (openCircuitTable[index + 1] - openCircuitTable[index]) * fraction
    }

    /// The voltage at the terminals for the last step's current.
    public var terminalVolts: Double {
        Self.openCircuitVolts(soc: stateOfCharge) + amperes * seriesOhms + polarisationVolts
    }

    /// Advances by `seconds` of tick-clock time in `substeps` Euler steps with `amperes` flowing in.
    public mutating func step(seconds: Double, amperes current: Double, substeps: Int) {
        let n = max(substeps, 1)
        let h = seconds * timeScale / Double(n)
        amperes = current
        let tau = polarisationOhms * polarisationFarads
        for _ in 0..<n {
            let heat = current * current * seriesOhms
                + (polarisationOhms > 0 ? polarisationVolts * polarisationVolts / polarisationOhms : 0)
            let charge = min(max(current * h, -stateOfCharge * capacityCoulomb), (1 - stateOfCharge) * capacityCoulomb)
            chargeIn += charge
            stateOfCharge = min(max(stateOfCharge + charge / capacityCoulomb, 0), 1)
            if tau > 0 {
                polarisationVolts += (current / polarisationFarads - polarisationVolts / tau) * h
            }
            celsius += (heat - lossWattsPerKelvin * (celsius - ambientCelsius)) * h / thermalMass
        }
    }

    /// Charge stored since creation (C): `Q · (SOC − SOC0)`. Equals `chargeIn`.
    public var chargeStored: Double { capacityCoulomb * (stateOfCharge - initialStateOfCharge) }
}

/// A current-programmed charger: a DAC code sets the output current (`bits` bits, full scale
/// `fullScaleMilliamperes`), and
/// the output cannot raise the cell above the charger's compliance voltage (its supply rail), so a
/// runaway command cannot push unlimited current into a full cell.
public struct ChargerOutput: Sendable {
    /// Current at full-scale code (mA).
    public let fullScaleMilliamperes: Double
    public let bits: Int
    /// The highest terminal voltage the output stage can drive (V).
    public let complianceVolts: Double
    /// The DAC code (0 ... 2^bits − 1).
    public private(set) var code: Int = 0
    /// Whether the output stage is enabled (the supervisor's interlocks cut it).
    public var enabled = true

    public init(fullScaleMilliamperes: Double, bits: Int, complianceVolts: Double) {
        self.fullScaleMilliamperes = fullScaleMilliamperes
        self.bits = min(max(bits, 1), 24)
        self.complianceVolts = complianceVolts
    }

    /// The largest code.
    public var fullScaleCode: Int { (1 << bits) - 1 }

    /// One code step (mA): `full scale / 2^bits`, as a DAC's LSB is defined.
    public var milliamperesPerCode: Double { fullScaleMilliamperes / Double(1 << bits) }

    /// Programs `milliamperes` (clamped to 0 ... the largest code, rounded down to a code).
    public mutating func set(milliamperes: Int) {
        let wanted = (max(Double(milliamperes), 0) / milliamperesPerCode).rounded(.down)
        code = Int(min(wanted, Double(fullScaleCode)))
    }

    /// The programmed current after quantisation (mA).
    public var programmedMilliamperes: Double { Double(code) * milliamperesPerCode }

    /// The current the output actually delivers into `cell` (A): the programmed one, reduced so the
    /// terminal voltage stays at or below the compliance voltage, and zero when disabled.
    public func deliveredAmperes(into cell: LiIonCell) -> Double {
        guard enabled else { return 0 }
        let programmed = programmedMilliamperes / 1000
        let headroom = complianceVolts - LiIonCell.openCircuitVolts(soc: cell.stateOfCharge) - cell.polarisationVolts
        let limit = cell.seriesOhms > 0 ? max(headroom / cell.seriesOhms, 0) : programmed
        return min(programmed, limit)
    }
}
