/// Why a command was refused.
public enum CommandRejection: UInt8, Sendable, Equatable {
    /// The target number means nothing in v1.
    case unknownTarget = 1
    /// The target exists but this board has no such actuator (motor duty on a thermostat board).
    case unsupportedTarget = 2
}

/// What the gate did with a command.
public enum CommandOutcome: Sendable, Equatable {
    /// Accepted; `value` is what will be applied (after clamping), `clamped` says whether it changed.
    case accepted(value: Int32, clamped: Bool)
    case rejected(CommandRejection)
}

/// Command targets (docs/architecture.md, "Channels and command targets").
public enum CommandTarget {
    public static let heaterDuty: UInt8 = 1
    public static let setpointOverride: UInt8 = 2
    public static let motorDuty: UInt8 = 3
}

/// Validates, clamps and expires the application core's commands, one slot per target.
/// Pure value; allocation-free.
public struct CommandGate: Sendable {
    /// One target's most recent accepted command.
    public struct Slot: Sendable, Equatable {
        public var active = false
        public var value: Int32 = 0
        /// The first tick at which the command no longer holds.
        public var expiresAtTick: UInt64 = 0
    }

    /// Counters, monotonic over the run.
    public struct Counters: Sendable, Equatable {
        public var received: UInt64 = 0
        public var accepted: UInt64 = 0
        public var clamped: UInt64 = 0
        public var rejected: UInt64 = 0
        public var expired: UInt64 = 0
    }

    public let plant: PlantKind
    public let heaterDutyMax: Int32
    public let setpointRange: ClosedRange<Int32>
    public let motorDutyLimit: Int32
    public let defaultValidTicks: UInt64

    public private(set) var heater = Slot()
    public private(set) var setpoint = Slot()
    public private(set) var motor = Slot()
    public private(set) var counters = Counters()

    public init(board: BoardDescription) {
        plant = board.plant
        heaterDutyMax = Int32(board.heaterDutyMaxPermille)
        setpointRange = Int32(board.setpointMinMilliC)...Int32(board.setpointMaxMilliC)
        motorDutyLimit = Int32(board.motorDutyLimitPermille)
        defaultValidTicks = UInt64(board.commandDefaultValidTicks)
    }

    /// Whether this board has `target`, without storing anything (commands in fail-safe, SPEC §4.8).
    /// - Returns: why the target is refused, or nil when it is valid.
    public func validate(target: UInt8) -> CommandRejection? {
        switch target {
        case CommandTarget.heaterDuty where plant == .thermal, CommandTarget.setpointOverride where plant == .thermal,
            CommandTarget.motorDuty where plant == .motor:
            return nil
        case CommandTarget.heaterDuty, CommandTarget.setpointOverride, CommandTarget.motorDuty:
            return .unsupportedTarget
        default:
            return .unknownTarget
        }
    }

    /// Validates and stores a command received at `tick`. It holds for `validTicks` ticks (the
    /// board's default when 0), i.e. through tick `tick + validTicks − 1`.
    public mutating func receive(target: UInt8, value: Int32, validTicks: UInt16, tick: UInt64) -> CommandOutcome {
        counters.received &+= 1
        let range: ClosedRange<Int32>
        switch target {
        case CommandTarget.heaterDuty where plant == .thermal: range = 0...heaterDutyMax
        case CommandTarget.setpointOverride where plant == .thermal: range = setpointRange
        case CommandTarget.motorDuty where plant == .motor: range = -motorDutyLimit...motorDutyLimit
        case CommandTarget.heaterDuty, CommandTarget.setpointOverride, CommandTarget.motorDuty:
            counters.rejected &+= 1
            return .rejected(.unsupportedTarget)
        default:
            counters.rejected &+= 1
            return .rejected(.unknownTarget)
        }
        let clampedValue = min(max(value, range.lowerBound), range.upperBound)
        let wasClamped = clampedValue != value
        if wasClamped { counters.clamped &+= 1 }
        counters.accepted &+= 1
        let lifetime = validTicks == 0 ? defaultValidTicks : UInt64(validTicks)
        let slot = Slot(active: true, value: clampedValue, expiresAtTick: tick &+ lifetime)
        switch target {
        case CommandTarget.heaterDuty: heater = slot
        case CommandTarget.setpointOverride: setpoint = slot
        default: motor = slot
        }
        return .accepted(value: clampedValue, clamped: wasClamped)
    }

    /// Deactivates commands whose lifetime ended by `tick`.
    /// - Returns: the targets that expired now, as a bit set (bit n = target n).
    public mutating func expire(tick: UInt64) -> UInt8 {
        var expired: UInt8 = 0
        if heater.active && tick >= heater.expiresAtTick {
            heater.active = false
            expired |= 1 << CommandTarget.heaterDuty
        }
        if setpoint.active && tick >= setpoint.expiresAtTick {
            setpoint.active = false
            expired |= 1 << CommandTarget.setpointOverride
        }
        if motor.active && tick >= motor.expiresAtTick {
            motor.active = false
            expired |= 1 << CommandTarget.motorDuty
        }
        counters.expired &+= UInt64(expired.nonzeroBitCount)
        return expired
    }

    /// Drops every held command (entering fail-safe, or a new session).
    public mutating func clear() {
        heater.active = false
        setpoint.active = false
        motor.active = false
    }
}
