/// Which side of the link a peer is (SPEC §4.1).
public enum PeerRole: UInt8, Sendable {
    /// The real-time core: binds the link endpoint and is the time master.
    case realTime = 1
    /// The application core: connects and follows the real-time core's clock.
    case application = 2
}

/// How the real-time core's clock runs (SPEC §5).
public enum ClockMode: UInt8, Sendable {
    /// Wall-clock periodic loop on CLOCK_MONOTONIC.
    case real = 0
    /// Lockstep: the real-time core grants ticks and waits for the application core's ack.
    case virtual = 1
}

/// Capability bits negotiated in the handshake (SPEC §4.2). The session uses the intersection.
public struct LinkCapabilities: OptionSet, Sendable, Hashable {
    public let rawValue: UInt32
    public init(rawValue: UInt32) { self.rawValue = rawValue }
    /// Sample frames (real-time core → application core).
    public static let samples = LinkCapabilities(rawValue: 1 << 0)
    /// Command frames (application core → real-time core).
    public static let commands = LinkCapabilities(rawValue: 1 << 1)
    /// Module event frames (application core → real-time core).
    public static let moduleEvents = LinkCapabilities(rawValue: 1 << 2)
    /// Tick grant / tick ack lockstep (required for virtual clock mode).
    public static let lockstep = LinkCapabilities(rawValue: 1 << 3)
    /// Everything v1 defines.
    public static let all: LinkCapabilities = [.samples, .commands, .moduleEvents, .lockstep]
}

/// Opens a session (SPEC §4.1). Sent by the connecting side (the application core) until answered
/// by `HelloAck` or `Reject`; the binding side (the real-time core) never initiates.
public struct Hello: Sendable, Hashable {
    public static let payloadSize = 12
    public var role: PeerRole
    public var minVersion: UInt8
    public var maxVersion: UInt8
    public var capabilities: LinkCapabilities
    /// A nonce chosen fresh by the sender for every handshake; echoed in `HelloAck`.
    public var sessionID: UInt32

    public init(
        role: PeerRole, minVersion: UInt8 = Wire.version, maxVersion: UInt8 = Wire.version,
        capabilities: LinkCapabilities, sessionID: UInt32
    ) {
        self.role = role
        self.minVersion = minVersion
        self.maxVersion = maxVersion
        self.capabilities = capabilities
        self.sessionID = sessionID
    }
}

/// Accepts a `Hello` and carries the session parameters the real-time core (the time master)
/// decides (SPEC §4.1).
public struct HelloAck: Sendable, Hashable {
    public static let payloadSize = 28
    public var acceptedVersion: UInt8
    public var role: PeerRole
    public var clockMode: ClockMode
    /// The intersection of both sides' capabilities.
    public var capabilities: LinkCapabilities
    /// Echo of `Hello.sessionID`.
    public var sessionID: UInt32
    /// The real-time core's tick period in nanoseconds (1_000_000 for 1 kHz).
    public var tickPeriodNanoseconds: UInt32
    /// In virtual clock mode, how many ticks one grant covers (1 in real mode).
    public var quantumTicks: UInt16
    public var heartbeatIntervalMilliseconds: UInt16
    public var livenessTimeoutMilliseconds: UInt16
    /// Seed of the run, so the application core can seed anything it randomises.
    public var seed: UInt32

    public init(
        acceptedVersion: UInt8, role: PeerRole, clockMode: ClockMode, capabilities: LinkCapabilities,
        sessionID: UInt32, tickPeriodNanoseconds: UInt32, quantumTicks: UInt16,
        heartbeatIntervalMilliseconds: UInt16, livenessTimeoutMilliseconds: UInt16, seed: UInt32
    ) {
        self.acceptedVersion = acceptedVersion
        self.role = role
        self.clockMode = clockMode
        self.capabilities = capabilities
        self.sessionID = sessionID
        self.tickPeriodNanoseconds = tickPeriodNanoseconds
        self.quantumTicks = quantumTicks
        self.heartbeatIntervalMilliseconds = heartbeatIntervalMilliseconds
        self.livenessTimeoutMilliseconds = livenessTimeoutMilliseconds
        self.seed = seed
    }
}

/// Liveness and gap accounting (SPEC §4.3).
public struct Heartbeat: Sendable, Hashable {
    public static let payloadSize = 8
    /// Highest sequence number the sender has received from its peer in this session.
    public var lastReceivedSequence: UInt32
    /// How many frames the sender has counted as lost from its peer (sequence gaps).
    public var framesLost: UInt32

    public init(lastReceivedSequence: UInt32, framesLost: UInt32) {
        self.lastReceivedSequence = lastReceivedSequence
        self.framesLost = framesLost
    }
}

/// Why a frame or a session was refused (SPEC §4.4).
public enum RejectCode: UInt16, Sendable, CaseIterable {
    case versionMismatch = 1
    case missingCapability = 2
    case malformedFrame = 3
    case unexpectedMessage = 4
    case sessionMismatch = 5
    case commandOutOfRange = 6
    case unknownCommandTarget = 7
    case notReady = 8
}

/// Refuses a frame or a handshake (SPEC §4.4).
public struct Reject: Sendable, Hashable {
    public static let payloadSize = 8
    public var code: RejectCode
    /// Type byte of the refused frame (0 when the frame could not be decoded that far).
    public var refusedType: UInt8
    /// Sequence number of the refused frame (0 when unknown).
    public var refusedSequence: UInt32

    public init(code: RejectCode, refusedType: UInt8, refusedSequence: UInt32) {
        self.code = code
        self.refusedType = refusedType
        self.refusedSequence = refusedSequence
    }
}

/// Why a peer ends a session (SPEC §4.5).
public enum GoodbyeReason: UInt16, Sendable {
    case shutdown = 1
    case restarting = 2
    case protocolError = 3
}

/// Ends a session cleanly (SPEC §4.5).
public struct Goodbye: Sendable, Hashable {
    public static let payloadSize = 4
    public var reason: GoodbyeReason
    public init(reason: GoodbyeReason) { self.reason = reason }
}

/// Quality of a sample as the real-time core's host layer judged it (SPEC §3.6).
public enum SampleStatus: UInt8, Sendable {
    case ok = 0
    /// The sensor did not produce a new reading this tick; the value repeats the last one.
    case stale = 1
    /// The sensor path reported an error (I2C NACK, ADC rail); the value is meaningless.
    case fault = 2
}

/// One sensor or state reading (real-time core → application core; SPEC §3.6). It belongs to
/// the tick between the grants around it; in virtual clock mode that tick is also the header
/// timestamp divided by the tick period.
public struct Sample: Sendable, Hashable {
    public static let payloadSize = 6
    public var channel: UInt8
    public var status: SampleStatus
    /// Engineering value in milli-units (milli-°C, permille duty, milli-rad/s...).
    public var milliValue: Int32

    public init(channel: UInt8, status: SampleStatus, milliValue: Int32) {
        self.channel = channel
        self.status = status
        self.milliValue = milliValue
    }
}

/// A command for the real-time core (application core → real-time core; SPEC §3.7). The real-time
/// core validates the target, clamps the value to the board's limits and expires it after
/// `validTicks`.
public struct Command: Sendable, Hashable {
    public static let payloadSize = 8
    public var target: UInt8
    /// Value in milli-units of the target.
    public var milliValue: Int32
    /// How many ticks the command stays valid (0 = the board's default expiry).
    public var validTicks: UInt16

    public init(target: UInt8, milliValue: Int32, validTicks: UInt16) {
        self.target = target
        self.milliValue = milliValue
        self.validTicks = validTicks
    }
}

/// What happened to a Wasm module (SPEC §3.8).
public enum ModuleEventKind: UInt8, Sendable, CaseIterable {
    case loaded = 1
    case swapped = 2
    case rolledBack = 3
    case trapped = 4
    case outOfFuel = 5
    case deadlineExceeded = 6
    case quarantined = 7
    case restarted = 8
}

/// A module lifecycle or fault report (application core → real-time core; SPEC §3.8).
public struct ModuleEvent: Sendable, Hashable {
    public static let payloadSize = 8
    public var kind: ModuleEventKind
    /// Index of the module's slot in the application core's pipeline.
    public var slot: UInt8
    /// The module's version (major << 8 | minor).
    public var moduleVersion: UInt16
    /// Kind-specific detail (fuel used, trap count...).
    public var detail: UInt32

    public init(kind: ModuleEventKind, slot: UInt8, moduleVersion: UInt16, detail: UInt32) {
        self.kind = kind
        self.slot = slot
        self.moduleVersion = moduleVersion
        self.detail = detail
    }
}

/// A decoded message: the header's type byte selects the case (SPEC §3).
public enum Message: Sendable, Hashable {
    case hello(Hello)
    case helloAck(HelloAck)
    case heartbeat(Heartbeat)
    case reject(Reject)
    case goodbye(Goodbye)
    case sample(Sample)
    case command(Command)
    case moduleEvent(ModuleEvent)
    /// Virtual clock: the application core may process every tick `< throughTick` (SPEC §5.2).
    case tickGrant(throughTick: UInt64)
    /// Virtual clock: the application core finished every tick `< throughTick` (SPEC §5.2).
    case tickAck(throughTick: UInt64)

    /// The type byte this message is sent with.
    public var type: MessageType {
        switch self {
        case .hello: return .hello
        case .helloAck: return .helloAck
        case .heartbeat: return .heartbeat
        case .reject: return .reject
        case .goodbye: return .goodbye
        case .sample: return .sample
        case .command: return .command
        case .moduleEvent: return .moduleEvent
        case .tickGrant: return .tickGrant
        case .tickAck: return .tickAck
        }
    }
}

/// A whole frame: the header fields a sender chooses, plus the message.
public struct Frame: Sendable, Hashable {
    public var sequence: UInt32
    /// Nanoseconds (SPEC §5.3): virtual time (tick × period) when `flags` has `.virtualTime`,
    /// otherwise the sender's CLOCK_MONOTONIC; a `Command` or `TickAck` echoes the timestamp of the
    /// `TickGrant` it answers.
    public var timestamp: UInt64
    public var flags: FrameFlags
    public var message: Message

    public init(sequence: UInt32, timestamp: UInt64, flags: FrameFlags = [], message: Message) {
        self.sequence = sequence
        self.timestamp = timestamp
        self.flags = flags
        self.message = message
    }

    /// The encoded size of this frame in bytes.
    public var encodedSize: Int { Wire.headerSize + message.type.payloadSize }
}
