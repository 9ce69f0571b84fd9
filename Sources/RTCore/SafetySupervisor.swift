/// The supervisor's states (reported as `state` in the status JSON).
public enum SupervisorState: UInt8, Sendable, Equatable {
    /// No session yet: the local fallback drives the actuator.
    case starting = 0
    /// A session is up and the application core's commands drive the actuator.
    case normal = 1
    /// The application core is not trusted: local fallback, commands ignored until a new session.
    case failSafe = 2

    /// The name used in status JSON, stdout lines and the trace.
    public var name: String {
        switch self {
        case .starting: return "starting"
        case .normal: return "normal"
        case .failSafe: return "failsafe"
        }
    }
}

/// Why the supervisor entered fail-safe.
public enum FailSafeReason: UInt8, Sendable, Equatable, CaseIterable {
    /// No valid frame (command, heartbeat, ack) for more than `silenceTicks`.
    case silence = 1
    /// `invalidLimit` invalid commands or frames within `invalidWindowTicks`.
    case invalidCommands = 2
    /// A heater or motor duty command expired without being renewed.
    case commandExpired = 3
    /// The I/O thread's link state machine declared the peer lost (liveness or ack timeout).
    case peerLost = 4
    /// The peer said `Goodbye`.
    case peerLeft = 5

    /// The name used in stdout lines and the trace.
    public var name: String {
        switch self {
        case .silence: return "silence"
        case .invalidCommands: return "invalid-commands"
        case .commandExpired: return "command-expired"
        case .peerLost: return "peer-lost"
        case .peerLeft: return "peer-left"
        }
    }
}

/// A state change the caller must act on (trace it, light the LED, print it).
public enum SupervisorTransition: Sendable, Equatable {
    case none
    /// `starting` → `normal`: the first session.
    case sessionStarted
    /// `normal` → `failSafe`.
    case enteredFailSafe(FailSafeReason)
    /// `failSafe` → `normal` after a new handshake (a resynchronisation).
    case leftFailSafe
}

/// Decides whether the application core is trusted, from events stamped with tick numbers only
/// (so it runs identically on the virtual clock). Pure value; allocation-free.
///
/// Rules (docs/rt-determinism.md, "Supervisor"):
/// - `starting` → `normal` on a session; `normal` → `failSafe` on silence past `silenceTicks`,
///   `invalidLimit` invalid commands within a fixed window of `invalidWindowTicks` (the window opens
///   at the first invalid command), an expired duty command, peer lost or peer left;
/// - `failSafe` is latched: only a new session (the peer's new `Hello`) returns to `normal`;
/// - the transition happens in the tick the cause is observed: at most `silenceTicks + 1` ticks
///   after the last valid frame for silence, the same tick for every other cause.
public struct SafetySupervisor: Sendable {
    public let silenceTicks: UInt64
    public let invalidLimit: Int
    public let invalidWindowTicks: UInt64

    public private(set) var state: SupervisorState = .starting
    public private(set) var lastReason: FailSafeReason?
    public private(set) var lastValidTick: UInt64 = 0
    public private(set) var failSafeEntries: UInt64 = 0
    public private(set) var failSafeExits: UInt64 = 0
    public private(set) var sessions: UInt64 = 0
    private var invalidInWindow = 0
    private var windowStart: UInt64 = 0

    public init(silenceTicks: Int, invalidLimit: Int, invalidWindowTicks: Int) {
        self.silenceTicks = UInt64(silenceTicks)
        self.invalidLimit = invalidLimit
        self.invalidWindowTicks = UInt64(invalidWindowTicks)
    }

    public init(board: BoardDescription) {
        self.init(
            silenceTicks: board.silenceTicks, invalidLimit: board.invalidCommandLimit,
            invalidWindowTicks: board.invalidWindowTicks)
    }

    /// A valid frame from the peer (command, heartbeat, ack) was seen at `tick`.
    public mutating func validFrameSeen(tick: UInt64) {
        if tick > lastValidTick { lastValidTick = tick }
    }

    /// A session was established (first or resynchronised) at `tick`.
    public mutating func sessionEstablished(tick: UInt64) -> SupervisorTransition {
        sessions &+= 1
        lastValidTick = tick
        invalidInWindow = 0
        switch state {
        case .starting:
            state = .normal
            return .sessionStarted
        case .failSafe:
            state = .normal
            failSafeExits &+= 1
            return .leftFailSafe
        case .normal:
            return .none
        }
    }

    /// An invalid command or malformed frame arrived at `tick`.
    public mutating func invalidCommandSeen(tick: UInt64) -> SupervisorTransition {
        if invalidInWindow == 0 || tick &- windowStart >= invalidWindowTicks {
            windowStart = tick
            invalidInWindow = 0
        }
        invalidInWindow += 1
        return invalidInWindow >= invalidLimit ? enter(.invalidCommands) : .none
    }

    /// A duty command expired at `tick`.
    public mutating func commandExpired(tick: UInt64) -> SupervisorTransition { enter(.commandExpired) }

    /// The link layer declared the peer lost.
    public mutating func peerLost(tick: UInt64) -> SupervisorTransition { enter(.peerLost) }

    /// The peer sent `Goodbye`.
    public mutating func peerLeft(tick: UInt64) -> SupervisorTransition { enter(.peerLeft) }

    /// The per-tick check: silence.
    public mutating func check(tick: UInt64) -> SupervisorTransition {
        guard state == .normal, tick > lastValidTick, tick - lastValidTick > silenceTicks else { return .none }
        return enter(.silence)
    }

    private mutating func enter(_ reason: FailSafeReason) -> SupervisorTransition {
        guard state == .normal else { return .none }
        state = .failSafe
        lastReason = reason
        failSafeEntries &+= 1
        invalidInWindow = 0
        return .enteredFailSafe(reason)
    }
}
