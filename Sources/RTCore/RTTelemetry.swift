import Synchronization

/// Values the tick thread publishes for the status line with relaxed atomic stores, read by the
/// I/O thread. Each field is individually consistent; a snapshot across fields may mix two ticks,
/// which is fine for a 10 Hz status display.
public final class RTTelemetry: Sendable {
    public let tick = Atomic<Int64>(0)
    /// `SupervisorState.rawValue`.
    public let state = Atomic<Int64>(0)
    public let measured = Atomic<Int64>(0)
    public let setpoint = Atomic<Int64>(0)
    public let duty = Atomic<Int64>(0)
    public let motorSpeed = Atomic<Int64>(0)
    public let commandsReceived = Atomic<Int64>(0)
    public let commandsApplied = Atomic<Int64>(0)
    public let commandsClamped = Atomic<Int64>(0)
    public let commandsExpired = Atomic<Int64>(0)
    public let commandsRejected = Atomic<Int64>(0)
    public let commandsIgnored = Atomic<Int64>(0)
    public let failSafeEntries = Atomic<Int64>(0)
    public let deadlineMisses = Atomic<Int64>(0)
    public let overruns = Atomic<Int64>(0)
    public let interlockTrips = Atomic<Int64>(0)

    public init() {}
}
