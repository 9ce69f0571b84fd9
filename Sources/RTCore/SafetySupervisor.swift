/// The supervisor's states (reported as `state` in the status JSON).
public enum SupervisorState: UInt8, Sendable, Equatable {
    /// No session yet: the local fallback drives the actuator.
    case starting = 0
    /// A session is up and the application core's commands drive the actuator.
    case normal = 1
    /// The application core is not trusted: local fallback, commands validated but not applied until
    /// the peer has been healthy for `recoveryTicks` or a new session starts (SPEC §4.8).
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
    /// `failSafe` → `normal` within the session: the peer was healthy for `recoveryTicks` (SPEC §4.8).
    case recovered
    /// The peer kept talking but never became healthy: end the session so it re-handshakes (§4.8, way 3).
    case endSession
}

/// Decides whether the application core is trusted, from events stamped with tick numbers only
/// (so it runs identically on the virtual clock). Pure value; allocation-free.
///
/// Rules (SPEC §4.8, docs/rt-determinism.md "Supervisor"):
/// - `starting` → `normal` on a session; `normal` → `failSafe` on silence past `silenceTicks`
///   on-time ticks, `invalidLimit` invalid frames within a fixed window of `invalidWindowTicks`
///   (the window opens at the first invalid one), an expired duty command, peer lost or peer left;
/// - `failSafe` → `normal` after `recoveryTicks` healthy ticks in the session (valid frames no more
///   than `silenceTicks` apart, no invalid frame), or at once on a new session;
/// - after `endSessionTicks` in `failSafe` within one session without recovering, `endSession`;
/// - catch-up ticks (the real-time core running late after its own stall) are excused: they do not
///   count as silence;
/// - the transition happens in the tick the cause is observed.
public struct SafetySupervisor: Sendable {
    public let silenceTicks: UInt64
    public let invalidLimit: Int
    public let invalidWindowTicks: UInt64
    public let recoveryTicks: UInt64
    /// Ticks in fail-safe within one session after which the session is ended (SPEC §4.8 way 3).
    public var endSessionTicks: UInt64 { 2 * recoveryTicks + silenceTicks }

    public private(set) var state: SupervisorState = .starting
    public private(set) var lastReason: FailSafeReason?
    public private(set) var lastValidTick: UInt64 = 0
    public private(set) var failSafeEntries: UInt64 = 0
    public private(set) var failSafeExits: UInt64 = 0
    public private(set) var recoveries: UInt64 = 0
    public private(set) var sessions: UInt64 = 0
    public private(set) var sessionUp = false
    /// Catch-up ticks excused since the last valid frame.
    public private(set) var excusedTicks: UInt64 = 0
    private var invalidInWindow = 0
    private var windowStart: UInt64 = 0
    /// First tick of the current healthy streak in fail-safe; nil when there is none.
    private var healthySince: UInt64?
    private var failSafeSince: UInt64 = 0
    private var endRequested = false

    public init(silenceTicks: Int, invalidLimit: Int, invalidWindowTicks: Int, recoveryTicks: Int = 100) {
        self.silenceTicks = UInt64(silenceTicks)
        self.invalidLimit = invalidLimit
        self.invalidWindowTicks = UInt64(invalidWindowTicks)
        self.recoveryTicks = UInt64(max(1, recoveryTicks))
    }

    public init(board: BoardDescription) {
        self.init(
            silenceTicks: board.silenceTicks, invalidLimit: board.invalidCommandLimit,
            invalidWindowTicks: board.invalidWindowTicks, recoveryTicks: board.recoveryTicks)
    }

    /// A valid frame from the peer (command, heartbeat, ack, module event, Hello retry) at `tick`.
    public mutating func validFrameSeen(tick: UInt64) {
        if tick > lastValidTick { lastValidTick = tick }
        excusedTicks = 0
        if state == .failSafe && sessionUp && healthySince == nil { healthySince = tick }
    }

    /// `tick` is a catch-up tick: the real-time core itself ran late; it does not count as silence.
    public mutating func excuse(tick: UInt64) { excusedTicks &+= 1 }

    /// A session was established (first or resynchronised) at `tick`.
    public mutating func sessionEstablished(tick: UInt64) -> SupervisorTransition {
        sessions &+= 1
        sessionUp = true
        lastValidTick = tick
        excusedTicks = 0
        invalidInWindow = 0
        healthySince = nil
        endRequested = false
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

    /// An invalid command or malformed frame from the peer arrived at `tick`.
    public mutating func invalidCommandSeen(tick: UInt64) -> SupervisorTransition {
        healthySince = nil
        if invalidInWindow == 0 || tick &- windowStart >= invalidWindowTicks {
            windowStart = tick
            invalidInWindow = 0
        }
        invalidInWindow += 1
        return invalidInWindow >= invalidLimit ? enter(.invalidCommands, tick: tick) : .none
    }

    /// A duty command expired at `tick`.
    public mutating func commandExpired(tick: UInt64) -> SupervisorTransition { enter(.commandExpired, tick: tick) }

    /// The link layer declared the peer lost.
    public mutating func peerLost(tick: UInt64) -> SupervisorTransition {
        sessionUp = false
        return enter(.peerLost, tick: tick)
    }

    /// The peer sent `Goodbye`, or this side ended the session.
    public mutating func peerLeft(tick: UInt64) -> SupervisorTransition {
        sessionUp = false
        return enter(.peerLeft, tick: tick)
    }

    /// The per-tick check: silence in `normal`; the healthy streak and the session limit in `failSafe`.
    public mutating func check(tick: UInt64) -> SupervisorTransition {
        let quiet = tick > lastValidTick ? tick - lastValidTick : 0
        let silent = quiet > excusedTicks && quiet - excusedTicks > silenceTicks
        switch state {
        case .normal:
            return silent ? enter(.silence, tick: tick) : .none
        case .failSafe:
            return checkRecovery(tick: tick, silent: silent)
        case .starting:
            return .none
        }
    }

    private mutating func checkRecovery(tick: UInt64, silent: Bool) -> SupervisorTransition {
        guard sessionUp else { return .none }
        if silent { healthySince = nil }
        if let since = healthySince, tick &- since >= recoveryTicks {
            state = .normal
            failSafeExits &+= 1
            recoveries &+= 1
            healthySince = nil
            invalidInWindow = 0
            return .recovered
        }
        // Only while no healthy streak is under way: a peer that is recovering gets its chance.
        if !endRequested && !silent && healthySince == nil && tick &- failSafeSince >= endSessionTicks {
            endRequested = true
            return .endSession
        }
        return .none
    }

    private mutating func enter(_ reason: FailSafeReason, tick: UInt64) -> SupervisorTransition {
        guard state == .normal else { return .none }
        state = .failSafe
        lastReason = reason
        failSafeEntries &+= 1
        invalidInWindow = 0
        healthySince = nil
        failSafeSince = tick
        return .enteredFailSafe(reason)
    }
}
