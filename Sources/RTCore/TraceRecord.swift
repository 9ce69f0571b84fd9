/// Kinds of trace record (docs/trace-format.md lists the line each one becomes).
public enum TraceKind: UInt8, Sendable, BitwiseCopyable {
    /// A sample published: a = channel, b = status, value = milli-value.
    case sample = 1
    /// A command taken from the inbound ring: a = target, b = validTicks, value.
    case commandReceived = 2
    /// A command accepted: a = target, b = 1 when clamped, value = value kept.
    case commandAccepted = 3
    /// A command refused: a = target, b = reason, value = requested value.
    case commandRejected = 4
    /// A command expired: a = target.
    case commandExpired = 5
    /// Supervisor transition: a = from, b = to, value = reason (0 none).
    case stateChanged = 6
    /// A session was established: value = ordinal of the session in this run.
    case session = 7
    /// A deadline miss (real clock only): a = task, extra = completion lateness (ns).
    case deadlineMiss = 8
    /// Interlock change: a = 1 over-temperature / 2 sensor fault / 3 over-speed, b = 1 on / 0 off.
    case interlock = 9
    /// Actuator output changed: a = target, value = applied permille.
    case actuator = 10
    /// Operator/scenario input: a = inbound kind, value.
    case input = 11
    /// Budget overrun (real clock only): a = task, extra = execution time (ns).
    case overrun = 12
    /// The peer was lost (a = 1) or left (a = 2).
    case peer = 13
}

/// A fixed-size trace record written by the tick thread into the trace ring and formatted by the
/// I/O thread. Contains only tick numbers and model values in virtual mode, never wall-clock time.
public struct TraceRecord: Sendable, BitwiseCopyable, Equatable {
    public var tick: UInt64
    public var kind: TraceKind
    public var a: UInt8
    public var b: UInt16
    public var value: Int32
    public var extra: Int64

    public init(tick: UInt64, kind: TraceKind, a: UInt8 = 0, b: UInt16 = 0, value: Int32 = 0, extra: Int64 = 0) {
        self.tick = tick
        self.kind = kind
        self.a = a
        self.b = b
        self.value = value
        self.extra = extra
    }
}
