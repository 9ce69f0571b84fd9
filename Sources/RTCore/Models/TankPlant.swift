import Glibc

/// A vertical water tank with an inflow pump, a solenoid drain valve and a consumer outflow:
/// `A · dh/dt = Q_pump(duty) − Q_drain(h) − Q_consumer`, integrated with fixed explicit-Euler steps.
///
/// - The pump has a dead band: below `pumpDeadBand` duty the impeller does not overcome the static
///   head and delivers nothing; above it the flow rises linearly to `pumpMaxFlow` at full duty.
///   That makes a level loop with a nonlinearity a plain PI regulator must live with.
/// - The drain valve is on/off (a GPIO output); when open it empties the tank through an orifice
///   by Torricelli's law, `Q = k · √h`, so the drain is fast when the tank is full and slow near empty.
/// - The consumer outflow is the disturbance a scenario changes (a tap opening downstream); it can
///   only take water that is there.
/// - Water above `height` spills over the rim: the level never exceeds it.
///
/// Keeps a volume ledger so a test can check that the stored volume equals what came in minus
/// what left. Pure value type; `step` allocates nothing.
public struct TankPlant: Sendable {
    /// Cross-section (m²).
    public let area: Double
    /// Height of the rim (m).
    public let height: Double
    /// Pump flow at full duty (m³/s).
    public let pumpMaxFlow: Double
    /// Duty below which the pump delivers nothing (0 ... 1).
    public let pumpDeadBand: Double
    /// Orifice coefficient of the open drain (m³/s per √m): `Q = k · √h`.
    public let drainCoefficient: Double
    /// Consumer outflow (m³/s); a scenario may change it.
    public var consumerFlow: Double
    /// Water level above the bottom (m).
    public private(set) var level: Double
    /// The level at creation, for the ledger.
    public let initialLevel: Double
    /// Volume the pump delivered (m³).
    public private(set) var volumePumped: Double = 0
    /// Volume that left through the drain (m³).
    public private(set) var volumeDrained: Double = 0
    /// Volume the consumer took (m³).
    public private(set) var volumeConsumed: Double = 0
    /// Volume that spilled over the rim (m³).
    public private(set) var volumeSpilled: Double = 0

    public init(
        area: Double, height: Double, pumpMaxFlow: Double, pumpDeadBand: Double, drainCoefficient: Double,
        consumerFlow: Double, initialLevel: Double
    ) {
        self.area = area
        self.height = height
        self.pumpMaxFlow = pumpMaxFlow
        self.pumpDeadBand = min(max(pumpDeadBand, 0), 0.99)
        self.drainCoefficient = drainCoefficient
        self.consumerFlow = consumerFlow
        self.level = min(max(initialLevel, 0), height)
        self.initialLevel = self.level
    }

    /// The pump's delivery at `duty` (0 ... 1): zero in the dead band, then linear to full flow.
    public func pumpFlow(duty: Double) -> Double {
        let d = min(max(duty, 0), 1)
        guard d > pumpDeadBand else { return 0 }
        return pumpMaxFlow * (d - pumpDeadBand) / (1 - pumpDeadBand)
    }

    /// The open drain's outflow at `level` (Torricelli).
    public func drainFlow(level: Double) -> Double { drainCoefficient * sqrt(max(level, 0)) }

    /// Advances by `seconds` in `substeps` Euler steps with the pump at `pumpDuty` and the drain
    /// valve `drainOpen`.
    public mutating func step(seconds: Double, pumpDuty: Double, drainOpen: Bool, substeps: Int) {
        let h = seconds / Double(max(substeps, 1))
        let inflow = pumpFlow(duty: pumpDuty)
        for _ in 0..<max(substeps, 1) {
            var volume = level * area + inflow * h
            volumePumped += inflow * h
            // Outflows take only what is there: the drain first (gravity), then the consumer.
            let drained = drainOpen ? min(drainFlow(level: level) * h, volume) : 0
            volume -= drained
            let consumed = min(max(consumerFlow, 0) * h, volume)
            volume -= consumed
            let spilled = max(volume - height * area, 0)
            volume -= spilled
            volumeDrained += drained
            volumeConsumed += consumed
            volumeSpilled += spilled
            level = volume / area
        }
    }

    /// The level at which an open drain and the consumer balance a constant pump duty, or `nil`
    /// when the pump cannot keep up with the consumer (the tank runs dry).
    public func steadyStateLevel(pumpDuty: Double) -> Double? {
        let net = pumpFlow(duty: pumpDuty) - max(consumerFlow, 0)
        guard net >= 0, drainCoefficient > 0 else { return nil }
        let root = net / drainCoefficient
        return min(root * root, height)
    }

    /// Water stored since creation (m³): `A · (h − h0)`. Equals pumped − drained − consumed − spilled.
    public var volumeStored: Double { area * (level - initialLevel) }
}
