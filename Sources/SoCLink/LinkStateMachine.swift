public import SoCWire

/// Session parameters decided by the real-time core (the time master) and carried by `HelloAck`.
public struct SessionParameters: Sendable, Hashable {
    public var clockMode: ClockMode
    public var tickPeriodNanoseconds: UInt32
    /// Ticks per grant in virtual clock mode; 1 in real mode.
    public var quantumTicks: UInt16
    public var heartbeatIntervalMilliseconds: UInt16
    public var livenessTimeoutMilliseconds: UInt16
    public var seed: UInt32

    public init(
        clockMode: ClockMode, tickPeriodNanoseconds: UInt32, quantumTicks: UInt16,
        heartbeatIntervalMilliseconds: UInt16 = 50, livenessTimeoutMilliseconds: UInt16 = 250, seed: UInt32 = 0
    ) {
        self.clockMode = clockMode
        self.tickPeriodNanoseconds = tickPeriodNanoseconds
        self.quantumTicks = quantumTicks
        self.heartbeatIntervalMilliseconds = heartbeatIntervalMilliseconds
        self.livenessTimeoutMilliseconds = livenessTimeoutMilliseconds
        self.seed = seed
    }
}

/// How a link end behaves. The real-time core's configuration carries the session parameters it
/// hands out; the application core's learns them from the `HelloAck`.
public struct LinkConfiguration: Sendable {
    public var role: PeerRole
    /// What this end offers.
    public var capabilities: LinkCapabilities
    /// What the peer must offer for a session to start (checked by the real-time core).
    public var requiredCapabilities: LinkCapabilities
    /// Real-time core only: the parameters put in every `HelloAck`.
    public var sessionParameters: SessionParameters
    /// Application core only: how often `Hello` is repeated until answered.
    public var helloRetryNanoseconds: UInt64
    /// Seeds the application core's session nonces (injected randomness, so tests replay).
    public var nonceSeed: UInt64

    public init(
        role: PeerRole, capabilities: LinkCapabilities = .all, requiredCapabilities: LinkCapabilities = [],
        sessionParameters: SessionParameters, helloRetryNanoseconds: UInt64 = 100_000_000, nonceSeed: UInt64 = 1
    ) {
        self.role = role
        self.capabilities = capabilities
        self.requiredCapabilities = requiredCapabilities
        self.sessionParameters = sessionParameters
        self.helloRetryNanoseconds = helloRetryNanoseconds
        self.nonceSeed = nonceSeed
    }
}

/// Where a link end is in its session lifecycle (SPEC §4).
public enum LinkState: Sendable, Hashable {
    /// Real-time core: waiting for a `Hello`. Application core: not started.
    case idle
    /// Application core: `Hello` sent, waiting for `HelloAck`.
    case handshaking
    /// Both: a session is up.
    case established(sessionID: UInt32)
    /// Real-time core: the peer went silent past the liveness timeout; waiting for a new `Hello`.
    case lost
    /// Application core: the real-time core refused the handshake (version or capability). Final.
    case refused(RejectCode)

    /// Whether a session is up.
    public var isEstablished: Bool {
        if case .established = self { return true }
        return false
    }
}

/// What the caller must do after an event. The state machine never does I/O itself.
public enum LinkAction: Sendable, Hashable {
    /// Nothing.
    case none
    /// Send this message to the peer (frame it with `makeFrame`).
    case send(Message)
    /// Hand this message to the core (a sample, command, module event, grant or ack).
    case deliver(Message)
    /// A session started (or restarted: `resynchronised`). `reply` must be sent (the real-time
    /// core's `HelloAck`); the application core gets `nil`.
    case established(SessionParameters, sessionID: UInt32, reply: Message?, resynchronised: Bool)
    /// The peer was silent past the liveness timeout. The application core should also send `reply`
    /// (a fresh `Hello`) when it is not `nil`.
    case peerLost(reply: Message?)
    /// The peer ended the session with `Goodbye`.
    case peerLeft(GoodbyeReason)
    /// The real-time core refused our handshake; the application core cannot continue.
    case handshakeRefused(Reject)
    /// The peer rejected one of our frames; counted, passed up for logging.
    case rejectedByPeer(Reject)
}

/// Counters every link end keeps (SPEC §4.3). All monotonic over the process lifetime.
public struct LinkCounters: Sendable, Hashable {
    public var framesReceived: UInt64 = 0
    public var framesSent: UInt64 = 0
    /// Frames missing according to sequence gaps.
    public var framesLost: UInt64 = 0
    /// Frames whose sequence was not newer than the last one (duplicated or reordered); dropped.
    public var duplicatesDropped: UInt64 = 0
    /// Frames that failed to decode.
    public var malformed: UInt64 = 0
    /// Valid frames that made no sense in the current state (data before a session, wrong direction).
    public var unexpected: UInt64 = 0
    public var rejectsSent: UInt64 = 0
    public var rejectsReceived: UInt64 = 0
    public var sessionsEstablished: UInt64 = 0
    /// Sessions that replaced a live one (the peer restarted).
    public var resynchronisations: UInt64 = 0
    public var peerLostEvents: UInt64 = 0
    /// What the peer reported losing in its last heartbeat.
    public var peerReportedLost: UInt64 = 0
    /// Heartbeats received in a session (evidence that the peer's liveness timer runs).
    public var heartbeatsReceived: UInt64 = 0

    public init() {}
}

/// The link/session logic of one end, as a pure state machine (SPEC §4).
///
/// Feed it events — `start`, `frameReceived`, `decodeFailed`, `pollTimers` — with the current time
/// in nanoseconds from any monotonic source (injected, so tests run on a manual clock), and perform
/// the `LinkAction` it returns. Outgoing frames get their sequence numbers from `makeFrame`.
/// Nothing here allocates.
public struct LinkStateMachine: ~Copyable {
    public let configuration: LinkConfiguration
    public private(set) var state: LinkState = .idle
    public private(set) var counters = LinkCounters()
    /// The parameters of the current (or last) session.
    public private(set) var session: SessionParameters

    private var nextOutboundSequence: UInt32 = 1
    /// Highest sequence received in this session; `nil` before the first frame of a session.
    private var lastInboundSequence: UInt32?
    private var lastHeardAt: UInt64 = 0
    private var nextHeartbeatAt: UInt64 = 0
    private var nextHelloAt: UInt64 = 0
    private var pendingNonce: UInt32 = 0
    /// The capabilities both sides agreed on in the current session.
    public private(set) var agreedCapabilities: LinkCapabilities = []
    private var nonceState: UInt64

    public init(configuration: LinkConfiguration) {
        self.configuration = configuration
        self.session = configuration.sessionParameters
        self.nonceState = configuration.nonceSeed
    }

    private var heartbeatInterval: UInt64 { UInt64(session.heartbeatIntervalMilliseconds) * 1_000_000 }
    private var livenessTimeout: UInt64 { UInt64(session.livenessTimeoutMilliseconds) * 1_000_000 }

    /// Frames sent in the current session so far (the next sequence number minus one).
    public var lastSentSequence: UInt32 { nextOutboundSequence &- 1 }

    // MARK: Events

    /// Starts the link. The application core gets a `Hello` to send; the real-time core waits.
    public mutating func start(now: UInt64) -> LinkAction {
        guard configuration.role == .application else { return .none }
        return beginHandshake(now: now)
    }

    /// A frame decoded from the peer.
    public mutating func frameReceived(_ frame: Frame, now: UInt64) -> LinkAction {
        counters.framesReceived += 1
        if case .hello(let hello) = frame.message {
            return helloReceived(hello, frame: frame, now: now)
        }
        if case .helloAck(let ack) = frame.message {
            return helloAckReceived(ack, frame: frame, now: now)
        }
        guard case .established = state else {
            return notInSession(frame)
        }
        if configuration.role == .application, case .reject(let reject) = frame.message, reject.code == .notReady {
            // A restarted real-time core numbers its frames from 1 again, so this Reject may look
            // "old"; it only ever makes us handshake again, so it is honoured whatever its sequence.
            counters.rejectsReceived += 1
            pendingNonce = 0
            return beginHandshake(now: now)
        }
        guard acceptSequence(frame.sequence) else { return .none }
        guard isAllowedInSession(frame.message) else { return unexpected(frame) }
        lastHeardAt = now
        switch frame.message {
        case .heartbeat(let heartbeat):
            counters.heartbeatsReceived += 1
            counters.peerReportedLost = UInt64(heartbeat.framesLost)
            return .none
        case .goodbye(let goodbye):
            state = configuration.role == .realTime ? .idle : .handshaking
            if configuration.role == .application {
                // The next Hello (after one retry interval) opens a new session with a fresh nonce.
                pendingNonce = 0
                nextHelloAt = now &+ configuration.helloRetryNanoseconds
            }
            return .peerLeft(goodbye.reason)
        case .reject(let reject):
            counters.rejectsReceived += 1
            return .rejectedByPeer(reject)
        case .sample, .tickGrant:
            return configuration.role == .application ? .deliver(frame.message) : unexpected(frame)
        case .command, .moduleEvent, .tickAck:
            return configuration.role == .realTime ? .deliver(frame.message) : unexpected(frame)
        case .hello, .helloAck:
            return .none  // handled above
        }
    }

    /// Bytes from the peer that did not decode. Counted, and answered with a `Reject` naming the
    /// frame as far as it could be read (`peek` from `FrameCodec.peekTypeAndSequence`), except that
    /// a Reject is never answered with a Reject (two confused peers must not ping-pong; SPEC §4.4).
    /// A `Hello` of a version we do not speak gets `versionMismatch`, so the peer learns why.
    public mutating func decodeFailed(
        _ error: DecodeError, peek: (type: UInt8, sequence: UInt32)?, now: UInt64
    ) -> LinkAction {
        counters.malformed += 1
        if peek?.type == MessageType.reject.rawValue { return .none }
        let code: RejectCode =
            error.kind == .unsupportedVersion && peek?.type == MessageType.hello.rawValue
            ? .versionMismatch : .malformedFrame
        counters.rejectsSent += 1
        return .send(.reject(Reject(code: code, refusedType: peek?.type ?? 0, refusedSequence: peek?.sequence ?? 0)))
    }

    /// Checks the timers: heartbeat due, liveness expired, `Hello` retry due. Call it at least
    /// every few milliseconds; it returns at most one action per call.
    public mutating func pollTimers(now: UInt64) -> LinkAction {
        switch state {
        case .established:
            if now &- lastHeardAt > livenessTimeout {
                counters.peerLostEvents += 1
                if configuration.role == .application {
                    return .peerLost(reply: beginHandshakeMessage(now: now))
                }
                state = .lost
                return .peerLost(reply: nil)
            }
            if now >= nextHeartbeatAt {
                nextHeartbeatAt = now &+ heartbeatInterval
                return .send(
                    .heartbeat(
                        Heartbeat(
                            lastReceivedSequence: lastInboundSequence ?? 0,
                            framesLost: UInt32(truncatingIfNeeded: counters.framesLost))))
            }
            return .none
        case .handshaking:
            guard now >= nextHelloAt else { return .none }
            return beginHandshake(now: now)
        case .idle, .lost, .refused:
            return .none
        }
    }

    /// Frames `message` with the next outbound sequence number of this session.
    public mutating func makeFrame(_ message: Message, timestamp: UInt64, flags: FrameFlags = []) -> Frame {
        let frame = Frame(sequence: nextOutboundSequence, timestamp: timestamp, flags: flags, message: message)
        nextOutboundSequence &+= 1
        counters.framesSent += 1
        return frame
    }

    /// Ends the session from this side; send the returned `Goodbye`.
    public mutating func close(reason: GoodbyeReason) -> Message {
        state = .idle
        return .goodbye(Goodbye(reason: reason))
    }

    // MARK: Handshake

    private mutating func beginHandshake(now: UInt64) -> LinkAction {
        .send(beginHandshakeMessage(now: now))
    }

    private mutating func beginHandshakeMessage(now: UInt64) -> Message {
        if pendingNonce == 0 || state != .handshaking {
            pendingNonce = nextNonce()
        }
        state = .handshaking
        nextHelloAt = now &+ configuration.helloRetryNanoseconds
        return .hello(Hello(role: configuration.role, capabilities: configuration.capabilities, sessionID: pendingNonce))
    }

    private mutating func helloReceived(_ hello: Hello, frame: Frame, now: UInt64) -> LinkAction {
        guard configuration.role == .realTime, hello.role == .application else { return unexpected(frame) }
        guard hello.minVersion <= Wire.version, Wire.version <= hello.maxVersion else {
            return reject(.versionMismatch, frame)
        }
        guard hello.capabilities.isSuperset(of: configuration.requiredCapabilities) else {
            return reject(.missingCapability, frame)
        }
        if case .established(let current) = state, current == hello.sessionID, let last = lastInboundSequence,
            isNewer(frame.sequence, than: last)
        {
            // A repeated Hello of the session we already accepted (our ack crossed its retry):
            // answer again without counting a new session. A Hello with the same nonce but an
            // old sequence number is a restarted peer that drew the same nonce: a new session.
            lastInboundSequence = frame.sequence
            lastHeardAt = now
            return .send(helloAck(for: hello))
        }
        let resynchronised = state != .idle
        if resynchronised { counters.resynchronisations += 1 }
        counters.sessionsEstablished += 1
        agreedCapabilities = configuration.capabilities.intersection(hello.capabilities)
        state = .established(sessionID: hello.sessionID)
        startSession(firstInbound: frame.sequence, now: now)
        return .established(
            session, sessionID: hello.sessionID, reply: helloAck(for: hello), resynchronised: resynchronised)
    }

    private func helloAck(for hello: Hello) -> Message {
        .helloAck(
            HelloAck(
                acceptedVersion: Wire.version, role: .realTime, clockMode: session.clockMode,
                capabilities: configuration.capabilities.intersection(hello.capabilities), sessionID: hello.sessionID,
                tickPeriodNanoseconds: session.tickPeriodNanoseconds, quantumTicks: session.quantumTicks,
                heartbeatIntervalMilliseconds: session.heartbeatIntervalMilliseconds,
                livenessTimeoutMilliseconds: session.livenessTimeoutMilliseconds, seed: session.seed))
    }

    private mutating func helloAckReceived(_ ack: HelloAck, frame: Frame, now: UInt64) -> LinkAction {
        guard configuration.role == .application, ack.role == .realTime else { return unexpected(frame) }
        guard state == .handshaking, ack.sessionID == pendingNonce else {
            // A late ack for an earlier attempt, or a duplicate: harmless, counted.
            counters.unexpected += 1
            return .none
        }
        guard ack.acceptedVersion == Wire.version else {
            state = .refused(.versionMismatch)
            return .handshakeRefused(Reject(code: .versionMismatch, refusedType: 0, refusedSequence: 0))
        }
        session = SessionParameters(
            clockMode: ack.clockMode, tickPeriodNanoseconds: ack.tickPeriodNanoseconds, quantumTicks: ack.quantumTicks,
            heartbeatIntervalMilliseconds: ack.heartbeatIntervalMilliseconds,
            livenessTimeoutMilliseconds: ack.livenessTimeoutMilliseconds, seed: ack.seed)
        let resynchronised = counters.sessionsEstablished > 0
        if resynchronised { counters.resynchronisations += 1 }
        counters.sessionsEstablished += 1
        agreedCapabilities = ack.capabilities
        state = .established(sessionID: ack.sessionID)
        startSession(firstInbound: frame.sequence, now: now)
        return .established(session, sessionID: ack.sessionID, reply: nil, resynchronised: resynchronised)
    }

    private mutating func startSession(firstInbound: UInt32, now: UInt64) {
        lastInboundSequence = firstInbound
        lastHeardAt = now
        nextHeartbeatAt = now &+ heartbeatInterval
        if configuration.role == .realTime {
            // The ack is the first frame of the real-time core's side of the new session.
            nextOutboundSequence = 1
        }
    }

    // MARK: Sequence accounting

    /// Accepts a frame whose sequence is newer than the last one, counting any gap; drops others.
    private mutating func acceptSequence(_ sequence: UInt32) -> Bool {
        guard let last = lastInboundSequence else {
            lastInboundSequence = sequence
            return true
        }
        guard isNewer(sequence, than: last) else {
            counters.duplicatesDropped += 1
            return false
        }
        counters.framesLost += UInt64(sequence &- last &- 1)
        lastInboundSequence = sequence
        return true
    }

    /// Whether the agreed capabilities allow this message (SPEC §4.2): a peer that did not offer
    /// `samples` gets none, and one that did not get `commands` agreed may not send any.
    private func isAllowedInSession(_ message: Message) -> Bool {
        switch message {
        case .sample: return agreedCapabilities.contains(.samples)
        case .command: return agreedCapabilities.contains(.commands)
        case .moduleEvent: return agreedCapabilities.contains(.moduleEvents)
        case .tickGrant, .tickAck: return agreedCapabilities.contains(.lockstep)
        case .hello, .helloAck, .heartbeat, .reject, .goodbye: return true
        }
    }

    /// Serial number arithmetic (RFC 1982): 1 ... 2^31−1 ahead is newer; anything else is old.
    private func isNewer(_ sequence: UInt32, than last: UInt32) -> Bool {
        let distance = sequence &- last
        return distance != 0 && distance < 0x8000_0000
    }

    // MARK: Refusals

    private mutating func notInSession(_ frame: Frame) -> LinkAction {
        if configuration.role == .application, state == .handshaking, case .reject(let reject) = frame.message,
            reject.code == .versionMismatch || reject.code == .missingCapability
        {
            // The real-time core refused our Hello: retrying cannot help (SPEC §4.1 step 5).
            counters.rejectsReceived += 1
            state = .refused(reject.code)
            return .handshakeRefused(reject)
        }
        switch frame.message {
        case .goodbye, .heartbeat, .reject:
            counters.unexpected += 1
            return .none
        case .hello, .helloAck:
            return .none
        case .sample, .tickGrant, .command, .moduleEvent, .tickAck:
            guard configuration.role == .realTime else {
                counters.unexpected += 1
                return .none
            }
            // Tell a peer that believes in a session we do not know (we restarted) to handshake again.
            return reject(.notReady, frame)
        }
    }

    private mutating func unexpected(_ frame: Frame) -> LinkAction {
        counters.unexpected += 1
        return reject(.unexpectedMessage, frame)
    }

    private mutating func reject(_ code: RejectCode, _ frame: Frame) -> LinkAction {
        counters.rejectsSent += 1
        return .send(.reject(Reject(code: code, refusedType: frame.message.type.rawValue, refusedSequence: frame.sequence)))
    }

    /// SplitMix64: small, seedable, good enough for nonces.
    private mutating func nextNonce() -> UInt32 {
        nonceState &+= 0x9E37_79B9_7F4A_7C15
        var z = nonceState
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        let nonce = UInt32(truncatingIfNeeded: z ^ (z >> 31))
        return nonce == 0 ? 1 : nonce
    }
}
