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
    /// Older frames whose sequence had been counted lost: they arrived late (SPEC §4.3 window).
    /// Dropped, and taken back out of `framesLost`, so every frame is counted once.
    public var reordered: UInt64 = 0
    /// Frames from the session's peer that failed the checksum (link damage; a subset of `framesLost`).
    public var corrupted: UInt64 = 0
    /// Frames from a connection that does not own the live session (SPEC §4.7). Never acted on.
    public var foreignFrames: UInt64 = 0
    /// Sessions taken over by another connection after the owner stopped being live (SPEC §4.7).
    public var takeovers: UInt64 = 0
    /// Rejects owed but not sent because of the rate limit (SPEC §4.4).
    public var rejectsSuppressed: UInt64 = 0
    /// Our own messages not sent because the session's rules forbid them (no session, capability).
    public var framesSuppressed: UInt64 = 0
    /// Sessions this side ended itself while the peer may still be there (ack timeout, untrusted peer).
    public var sessionsEnded: UInt64 = 0
    /// Times this side found its own timer checks more than half a liveness timeout apart (it was
    /// stalled) and restarted its liveness timer instead of blaming the peer (SPEC §4.3).
    public var ownStalls: UInt64 = 0

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
    /// Bit i set: sequence `last − i` arrived (SPEC §4.3 window of 64).
    private var receivedWindow: UInt64 = 0
    /// The connection whose `Hello` established the current (or last) session (SPEC §4.7).
    public private(set) var owner: LinkPeer?
    /// Whether the last session established was a takeover by another connection.
    public private(set) var lastEstablishmentWasTakeover = false
    private var lastTimerCheckAt: UInt64?
    private var rejectCredit = RejectCredit()
    /// Strangers share their own budget, so a flood from one cannot silence the Rejects the owner needs.
    private var foreignRejectCredit = RejectCredit()
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
    public mutating func frameReceived(_ frame: Frame, from peer: LinkPeer = .only, now: UInt64) -> LinkAction {
        counters.framesReceived += 1
        if isForeign(peer) {
            // A Hello may take a session over only once its owner is no longer live (SPEC §4.7).
            guard case .hello = frame.message, !isOwnerLive(now: now) else { return foreignFrame(frame, now: now) }
        }
        if case .hello(let hello) = frame.message {
            return helloReceived(hello, frame: frame, from: peer, now: now)
        }
        if case .helloAck(let ack) = frame.message {
            return helloAckReceived(ack, frame: frame, now: now)
        }
        guard case .established = state else {
            return notInSession(frame, now: now)
        }
        if configuration.role == .application, case .reject(let reject) = frame.message, reject.code == .notReady {
            // A restarted real-time core numbers its frames from 1 again, so this Reject may look
            // "old"; it only ever makes us handshake again, so it is honoured whatever its sequence.
            counters.rejectsReceived += 1
            pendingNonce = 0
            return beginHandshake(now: now)
        }
        guard acceptSequence(frame.sequence) else { return .none }
        guard isAllowedInSession(frame.message) else { return unexpected(frame, now: now) }
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
            return configuration.role == .application ? .deliver(frame.message) : unexpected(frame, now: now)
        case .command, .moduleEvent, .tickAck:
            return configuration.role == .realTime ? .deliver(frame.message) : unexpected(frame, now: now)
        case .hello, .helloAck:
            return .none  // handled above
        }
    }

    /// Bytes from the peer that did not decode. Counted, and answered with a `Reject` naming the
    /// frame as far as it could be read (`peek` from `FrameCodec.peekTypeAndSequence`), except that
    /// a Reject is never answered with a Reject (two confused peers must not ping-pong; SPEC §4.4).
    /// A `Hello` of a version we do not speak gets `versionMismatch`, so the peer learns why.
    /// A checksum failure from the session's own peer is link damage and counted `corrupted`; one
    /// from a stranger is counted `foreignFrames` (SPEC §4.3, §4.7).
    public mutating func decodeFailed(
        _ error: DecodeError, peek: (type: UInt8, sequence: UInt32)?, from peer: LinkPeer = .only, now: UInt64
    ) -> LinkAction {
        counters.malformed += 1
        let foreign = isForeign(peer)
        if foreign {
            counters.foreignFrames += 1
        } else if state.isEstablished && error.kind == .checksumMismatch {
            counters.corrupted += 1
        }
        if peek?.type == MessageType.reject.rawValue { return .none }
        let code: RejectCode =
            error.kind == .unsupportedVersion && peek?.type == MessageType.hello.rawValue
            ? .versionMismatch : .malformedFrame
        let reject = Reject(code: code, refusedType: peek?.type ?? 0, refusedSequence: peek?.sequence ?? 0)
        return rejectIfAllowed(reject, now: now, foreign: foreign)
    }

    /// Whether a frame from `peer` comes from a connection other than the owner of the established
    /// session (SPEC §4.7). Such frames are never acted on.
    public func isForeign(_ peer: LinkPeer) -> Bool {
        guard state.isEstablished, let owner else { return false }
        return peer != owner
    }

    /// Whether the session's owner is live: established and heard within the liveness timeout.
    public func isOwnerLive(now: UInt64) -> Bool {
        state.isEstablished && now &- lastHeardAt <= livenessTimeout
    }

    /// Checks the timers: heartbeat due, liveness expired, `Hello` retry due. Call it at least
    /// every few milliseconds; it returns at most one action per call.
    public mutating func pollTimers(now: UInt64) -> LinkAction {
        noticeOwnStall(now: now)
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
        if state.isEstablished && reason != .shutdown { counters.sessionsEnded += 1 }
        state = .idle
        return .goodbye(Goodbye(reason: reason))
    }

    /// The real-time core gives up on the session without a word (virtual-clock ack timeout, SPEC
    /// §5.2 rule 7): the peer is lost, and learns it from the `Reject(notReady)` its next frame gets.
    public mutating func declarePeerLost() {
        guard state.isEstablished else { return }
        state = .lost
        counters.peerLostEvents += 1
        counters.sessionsEnded += 1
    }

    /// Whether the session's rules let this side send `message` now (SPEC §4.1 step 8, §4.2): data
    /// frames and heartbeats only in a session, data only with their capability and in their
    /// direction. Callers drop what is not permitted and call `countSuppressed()`.
    public func permits(_ message: Message) -> Bool {
        let realTime = configuration.role == .realTime
        switch message {
        case .hello: return !realTime
        case .helloAck: return realTime
        case .reject, .goodbye: return true
        case .heartbeat: return state.isEstablished
        case .sample, .tickGrant: return realTime && state.isEstablished && isAllowedInSession(message)
        case .command, .moduleEvent, .tickAck: return !realTime && state.isEstablished && isAllowedInSession(message)
        }
    }

    /// Counts a message the caller did not send because `permits` said no.
    public mutating func countSuppressed() { counters.framesSuppressed += 1 }

    /// SPEC §4.3: timer checks more than half a liveness timeout apart mean this side did not run;
    /// the peer gets a full timeout from now, and a heartbeat tells it at once that we are back.
    private mutating func noticeOwnStall(now: UInt64) {
        defer { lastTimerCheckAt = now }
        guard state.isEstablished, let last = lastTimerCheckAt, now &- last > livenessTimeout / 2 else { return }
        counters.ownStalls += 1
        lastHeardAt = now
        nextHeartbeatAt = now
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

    private mutating func helloReceived(_ hello: Hello, frame: Frame, from peer: LinkPeer, now: UInt64) -> LinkAction {
        guard configuration.role == .realTime, hello.role == .application else { return unexpected(frame, now: now) }
        guard hello.minVersion <= Wire.version, Wire.version <= hello.maxVersion else {
            return reject(.versionMismatch, frame, now: now)
        }
        guard hello.capabilities.isSuperset(of: configuration.requiredCapabilities) else {
            return reject(.missingCapability, frame, now: now)
        }
        if case .established(let current) = state, current == hello.sessionID, let last = lastInboundSequence,
            isNewer(frame.sequence, than: last)
        {
            // A repeated Hello of the session we already accepted (our ack crossed its retry):
            // answer again without counting a new session. A Hello with the same nonce but an
            // old sequence number is a restarted peer that drew the same nonce: a new session.
            _ = acceptSequence(frame.sequence)
            lastHeardAt = now
            return .send(helloAck(for: hello))
        }
        let resynchronised = state != .idle
        if resynchronised { counters.resynchronisations += 1 }
        lastEstablishmentWasTakeover = owner.map { $0 != peer } ?? false
        if lastEstablishmentWasTakeover { counters.takeovers += 1 }
        owner = peer
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
        guard configuration.role == .application, ack.role == .realTime else { return unexpected(frame, now: now) }
        if case .established(let current) = state {
            // In a session a HelloAck used a sequence number like any frame (SPEC §4.3): the
            // repeated answer to a retried Hello is accounted, not counted lost; others are stale.
            if acceptSequence(frame.sequence) {
                lastHeardAt = now
                if ack.sessionID != current { counters.unexpected += 1 }
            }
            return .none
        }
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
        receivedWindow = 1
        lastHeardAt = now
        lastTimerCheckAt = now
        nextHeartbeatAt = now &+ heartbeatInterval
        if configuration.role == .realTime {
            // The ack is the first frame of the real-time core's side of the new session.
            nextOutboundSequence = 1
        }
    }

    // MARK: Sequence accounting

    /// Accepts a frame whose sequence is newer than the last one, counting any gap; drops older
    /// ones, telling a late (reordered) frame from a duplicate with the 64-entry window (SPEC §4.3).
    private mutating func acceptSequence(_ sequence: UInt32) -> Bool {
        guard let last = lastInboundSequence else {
            lastInboundSequence = sequence
            receivedWindow = 1
            return true
        }
        guard isNewer(sequence, than: last) else {
            countOlderFrame(behind: last &- sequence)
            return false
        }
        let distance = sequence &- last
        counters.framesLost += UInt64(distance &- 1)
        receivedWindow = distance >= 64 ? 1 : (receivedWindow << UInt64(distance)) | 1
        lastInboundSequence = sequence
        return true
    }

    private mutating func countOlderFrame(behind distance: UInt32) {
        let bit: UInt64 = distance < 64 ? 1 << UInt64(distance) : 0
        if bit != 0 && receivedWindow & bit == 0 && counters.framesLost > 0 {
            receivedWindow |= bit
            counters.framesLost -= 1
            counters.reordered += 1
        } else {
            counters.duplicatesDropped += 1
        }
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

    private mutating func notInSession(_ frame: Frame, now: UInt64) -> LinkAction {
        if configuration.role == .application, state == .handshaking, case .reject(let reject) = frame.message {
            counters.rejectsReceived += 1
            if reject.code == .versionMismatch || reject.code == .missingCapability {
                // The real-time core refused our Hello: retrying cannot help (SPEC §4.1 step 5).
                state = .refused(reject.code)
                return .handshakeRefused(reject)
            }
            // sessionMismatch (another core owns the session) and the like: keep retrying.
            return .rejectedByPeer(reject)
        }
        switch frame.message {
        case .goodbye, .reject:
            counters.unexpected += 1
            return .none
        case .hello, .helloAck:
            return .none
        case .heartbeat, .sample, .tickGrant, .command, .moduleEvent, .tickAck:
            guard configuration.role == .realTime else {
                counters.unexpected += 1
                return .none
            }
            // Tell a peer that believes in a session we do not know (we restarted, timed out, or
            // it is a stranger) to handshake again; heartbeats too, since an idle peer sends only
            // those (SPEC §4.1 step 7).
            return reject(.notReady, frame, now: now)
        }
    }

    /// A frame from a connection that does not own the live session (SPEC §4.7): counted, answered
    /// within the rate limit, never acted on.
    private mutating func foreignFrame(_ frame: Frame, now: UInt64) -> LinkAction {
        counters.foreignFrames += 1
        switch frame.message {
        case .hello: return reject(.sessionMismatch, frame, now: now, foreign: true)
        case .heartbeat, .sample, .tickGrant, .command, .moduleEvent, .tickAck:
            return reject(.notReady, frame, now: now, foreign: true)
        case .helloAck, .reject, .goodbye: return .none
        }
    }

    private mutating func unexpected(_ frame: Frame, now: UInt64) -> LinkAction {
        counters.unexpected += 1
        return reject(.unexpectedMessage, frame, now: now)
    }

    private mutating func reject(_ code: RejectCode, _ frame: Frame, now: UInt64, foreign: Bool = false) -> LinkAction {
        let reject = Reject(code: code, refusedType: frame.message.type.rawValue, refusedSequence: frame.sequence)
        return rejectIfAllowed(reject, now: now, foreign: foreign)
    }

    /// Sends `reject` unless the rate limit (SPEC §4.4: 20 per second, bursts of 20) is used up;
    /// strangers of an established session draw on a budget of their own (SPEC §4.7).
    private mutating func rejectIfAllowed(_ reject: Reject, now: UInt64, foreign: Bool) -> LinkAction {
        let allowed = foreign ? foreignRejectCredit.take(now: now) : rejectCredit.take(now: now)
        guard allowed else {
            counters.rejectsSuppressed += 1
            return .none
        }
        counters.rejectsSent += 1
        return .send(.reject(reject))
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

/// The `Reject` rate limit of SPEC §4.4 as a token bucket kept in nanoseconds of refill time: one
/// token every 50 ms (20 per second), at most 20 saved up. Pure and allocation-free.
struct RejectCredit {
    static let nanosecondsPerToken: UInt64 = 50_000_000
    static let capacity: UInt64 = 20 * nanosecondsPerToken
    private var credit: UInt64 = RejectCredit.capacity
    private var lastAt: UInt64?

    mutating func take(now: UInt64) -> Bool {
        if let lastAt, now > lastAt { credit = min(Self.capacity, credit &+ (now - lastAt)) }
        lastAt = now
        guard credit >= Self.nanosecondsPerToken else { return false }
        credit -= Self.nanosecondsPerToken
        return true
    }
}

extension LinkCounters {
    /// The counters as JSON members (no braces), with the names of docs/process-interfaces.md; both
    /// cores put them in their status and summary, so the two sides read alike (SPEC §4.3 identity).
    public var jsonMembers: String {
        "\"rx_frames\":\(framesReceived),\"tx_frames\":\(framesSent),\"frames_lost\":\(framesLost),"
            + "\"duplicates\":\(duplicatesDropped),\"reordered\":\(reordered),\"corrupted\":\(corrupted),"
            + "\"malformed\":\(malformed),\"unexpected\":\(unexpected),\"foreign\":\(foreignFrames),"
            + "\"rejects_sent\":\(rejectsSent),\"rejects_suppressed\":\(rejectsSuppressed),"
            + "\"rejects_received\":\(rejectsReceived),\"tx_suppressed\":\(framesSuppressed),"
            + "\"sessions\":\(sessionsEstablished),\"resyncs\":\(resynchronisations),\"takeovers\":\(takeovers),"
            + "\"peer_lost_events\":\(peerLostEvents),\"sessions_ended\":\(sessionsEnded),\"own_stalls\":\(ownStalls),"
            + "\"heartbeats_rx\":\(heartbeatsReceived),\"peer_reported_lost\":\(peerReportedLost)"
    }
}
