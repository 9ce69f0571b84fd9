/// What the I/O thread (or the virtual-clock driver) tells the tick thread.
public enum InboundKind: UInt8, Sendable, BitwiseCopyable {
    /// A decoded `Command` frame.
    case command = 1
    /// A valid frame that proves the peer alive (heartbeat, module event).
    case alive = 2
    /// A `TickAck`.
    case tickAck = 3
    /// A session was established (`value` = 1 when it replaced a live one).
    case sessionEstablished = 4
    /// The link layer declared the peer lost.
    case peerLost = 5
    /// The peer sent `Goodbye`.
    case peerLeft = 6
    /// A frame failed to decode or made no sense: counts toward the invalid-command limit.
    case invalidFrame = 7
    /// The operator or a scenario changed the setpoint (`value` in milli-°C or milli-rad/s).
    case operatorSetpoint = 8
    /// A scenario changed the ambient temperature (`value` in milli-°C).
    case ambient = 9
    /// A scenario sets a sensor fault (`value` = `SensorFaultMode` raw value; 0 clears it).
    case sensorFault = 10
    /// A scenario sets the I2C NACK probability (`value` ‰).
    case i2cNack = 11
}

/// One inbound event; trivial so that it crosses the SPSC ring by copy.
public struct InboundEvent: Sendable, BitwiseCopyable {
    public var kind: InboundKind
    public var target: UInt8
    public var validTicks: UInt16
    public var value: Int32
    /// The frame's sequence (commands), for a `Reject` naming it.
    public var sequence: UInt32
    /// Commands: the last tick of the samples the command was computed from (its echoed grant
    /// timestamp ÷ tick period, SPEC §5.3); traced so that a timeline shows the command in flight.
    public var fromTick: UInt64 = 0

    public init(kind: InboundKind, target: UInt8 = 0, validTicks: UInt16 = 0, value: Int32 = 0, sequence: UInt32 = 0) {
        self.kind = kind
        self.target = target
        self.validTicks = validTicks
        self.value = value
        self.sequence = sequence
    }

    /// A command event.
    public static func command(
        target: UInt8, value: Int32, validTicks: UInt16 = 0, sequence: UInt32 = 0, fromTick: UInt64 = 0
    ) -> Self {
        var event = InboundEvent(kind: .command, target: target, validTicks: validTicks, value: value, sequence: sequence)
        event.fromTick = fromTick
        return event
    }
}

/// What the tick thread asks the I/O thread to send.
public enum OutboundKind: UInt8, Sendable, BitwiseCopyable {
    /// A `Sample` frame.
    case sample = 1
    /// A `TickGrant(throughTick: tick)`.
    case tickGrant = 2
    /// A `Reject(code: value, refusedType: command, refusedSequence: sequence)`.
    case reject = 3
    /// End the session with `Goodbye(restarting)`: the supervisor gave up on a peer that talks but
    /// never becomes healthy (SPEC §4.8, way 3).
    case endSession = 4
}

/// One outbound message; the I/O thread frames and sends it.
public struct OutboundMessage: Sendable, BitwiseCopyable, Equatable {
    public var kind: OutboundKind
    public var channel: UInt8
    /// `SampleStatus` raw value for samples.
    public var status: UInt8
    public var value: Int32
    public var sequence: UInt32
    /// The tick the message belongs to (its header timestamp is derived from it in virtual mode).
    public var tick: UInt64

    public init(kind: OutboundKind, channel: UInt8 = 0, status: UInt8 = 0, value: Int32 = 0, sequence: UInt32 = 0,
                tick: UInt64) {
        self.kind = kind
        self.channel = channel
        self.status = status
        self.value = value
        self.sequence = sequence
        self.tick = tick
    }
}
