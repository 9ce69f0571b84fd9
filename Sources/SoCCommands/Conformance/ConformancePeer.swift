import SoCWire
import ZeroMQ

/// The kit's view of a session on one connection: what the handshake agreed.
struct KitSession {
    /// The session's nonce (`Hello.sessionID`, echoed by the `HelloAck`).
    var nonce: UInt32
    /// The `HelloAck`: the session's parameters (the kit's own when it plays the real-time core).
    var parameters: HelloAck
    /// When the kit sent the frame that established the session: the `HelloAck` (playing the
    /// real-time core) or the `Hello` it answers (playing the application core). A late read of the
    /// peer's frames never shortens a gap measured from it.
    var establishedAt: ContinuousClock.Instant

    /// The announced heartbeat interval.
    var heartbeatInterval: Duration { .milliseconds(Int(parameters.heartbeatIntervalMilliseconds)) }
    /// The announced liveness timeout.
    var liveness: Duration { .milliseconds(Int(parameters.livenessTimeoutMilliseconds)) }
}

/// One connection between the kit and the implementation under test: a ZeroMQ socket, the kit's
/// framing (its own sequence counter, SPEC §4.3), a small session keeper, and the expectation
/// helpers the checks are written with.
///
/// The kit plays the real-time core with a bound `ROUTER` (frames go to the connection that last
/// sent one) or the application core with a connected `DEALER`. Its expectations come from
/// `protocol/SPEC.md`, not from `SoCLink`: it never uses the reference state machine.
///
/// The keeper runs inside every wait of the poll loop (`ConformanceWire.pump`): while a session is
/// established and `keepAlive` is set it heartbeats at the session's interval, and when the kit
/// plays the application core with `autoAck` set it answers every `TickGrant` with its `TickAck`.
///
/// Not thread-safe: owned by the thread running the checks.
final class KitConnection {
    /// A label for messages ("rt", "app", "owner", "stranger").
    let name: String
    /// The role the kit plays on this connection.
    let kitRole: PeerRole
    private let socket: ZMQSocket
    private let isRouter: Bool
    /// ROUTER: the routing id frames are sent to (the connection that sent the last frame).
    private(set) var routingID: [UInt8]?
    /// How many different connections have sent to this ROUTER (a restarted peer reconnects).
    private(set) var connectionsSeen = 0
    /// The sequence number of the kit's next frame.
    var nextSequence: UInt32 = 1
    /// Frames received and not yet consumed by an expectation.
    var inbox: [ReceivedFrame] = []
    /// Every frame received since `startCheck()`.
    private(set) var history: [ReceivedFrame] = []
    /// The session the kit believes in on this connection, if any.
    var session: KitSession?
    /// The keeper heartbeats while a session is established (false: the kit goes silent).
    var keepAlive = true
    /// Kit as application core: the keeper acknowledges every grant.
    var autoAck = true
    /// Kit as application core: the handshake under way (its nonce, and when its last `Hello` left).
    /// The `HelloAck` echoing the nonce establishes the session as soon as it is read, so a grant
    /// read right behind it (SPEC §5.2 step 8) is already acknowledged by the keeper.
    var pendingHandshake: (nonce: UInt32, sentAt: ContinuousClock.Instant)?
    /// When the kit last sent anything on this connection.
    private(set) var lastSentAt = ContinuousClock.now
    private var lastHeartbeatAt = ContinuousClock.now
    /// The peer's highest accepted sequence in the session (the kit's `last`, SPEC §4.3).
    private(set) var lastPeerSequence: UInt32?
    /// Frames the kit counted lost from the peer (sequence gaps), since the connection opened.
    private(set) var framesLost: UInt32 = 0

    init(name: String, kitRole: PeerRole, socket: consuming ZMQSocket, isRouter: Bool) {
        self.name = name
        self.kitRole = kitRole
        self.socket = socket
        self.isRouter = isRouter
    }

    func pollItem() -> ZMQPollItem { socket.pollItem(events: .readable) }

    /// Forgets what earlier checks received.
    func startCheck() {
        inbox.removeAll()
        history.removeAll()
    }

    /// Forgets the peer (it was restarted): the next frame's sender becomes the peer.
    func forgetPeer() {
        routingID = nil
        session = nil
        lastPeerSequence = nil
    }

    // MARK: Sending

    /// Sends `message` with the kit's next sequence number.
    /// - Parameters:
    ///   - timestamp: default the kit's monotonic clock.
    /// - Returns: the frame sent.
    @discardableResult
    func send(_ message: Message, timestamp: UInt64? = nil, flags: FrameFlags = []) throws -> Frame {
        let frame = Frame(
            sequence: nextSequence, timestamp: timestamp ?? monotonicNanoseconds(), flags: flags, message: message)
        nextSequence &+= 1
        try sendRaw(Self.encode(frame))
        return frame
    }

    /// Sends bytes as one message, whatever they are (garbage included).
    func sendRaw(_ bytes: [UInt8]) throws {
        let result: ZMQIOResult
        if isRouter {
            guard let routingID else { throw CheckFailure("no peer has connected yet, nothing to send to") }
            result = try socket.sendMultipart([routingID, bytes], flags: .dontWait)
        } else {
            result = try socket.send(bytes.span.bytes, flags: .dontWait)
        }
        guard case .processed = result else { throw CheckFailure("\(name): the kit's send would block (queue full)") }
        lastSentAt = ContinuousClock.now
    }

    /// The v1 encoding of `frame`.
    static func encode(_ frame: Frame) -> [UInt8] {
        var bytes = [UInt8](repeating: 0, count: frame.encodedSize)
        let written = bytes.withUnsafeMutableBytes { raw in (try? FrameCodec.encode(frame, into: raw)) ?? 0 }
        precondition(written == bytes.count, "a buffer of encodedSize holds the frame")
        return bytes
    }

    /// Marks the session established (after the `HelloAck` was sent or received): the keeper starts
    /// heartbeating one interval from now and the peer's sequence base is `base` (SPEC §4.3).
    func establish(_ session: KitSession, peerBase base: UInt32) {
        self.session = session
        lastPeerSequence = base
        lastHeartbeatAt = session.establishedAt
        keepAlive = true
    }

    // MARK: Receiving (called by the poll loop)

    /// Reads every waiting message, without blocking.
    func drain() throws {
        while let parts = try socket.receiveMultipart(maximumPartSize: Wire.maxFrameSize + 1, flags: .dontWait) {
            var frames = parts[...]
            if isRouter, let id = frames.popFirst()?.bytes {
                if id != routingID { connectionsSeen += 1 }
                routingID = id
            }
            // SPEC §1: a receiver treats each part as its own message.
            for part in frames { accept(ReceivedFrame(at: ContinuousClock.now, bytes: part.bytes)) }
        }
    }

    private func accept(_ received: ReceivedFrame) {
        inbox.append(received)
        history.append(received)
        guard let frame = received.frame else { return }
        if case .goodbye = frame.message { session = nil }
        if case .helloAck(let ack) = frame.message, let pending = pendingHandshake, ack.sessionID == pending.nonce {
            pendingHandshake = nil
            establish(KitSession(nonce: ack.sessionID, parameters: ack, establishedAt: pending.sentAt), peerBase: frame.sequence)
            return
        }
        guard session != nil else { return }
        switch frame.message {
        case .hello, .helloAck: return
        default: account(frame.sequence)
        }
        if kitRole == .application, autoAck, keepAlive, case .tickGrant(let through) = frame.message {
            _ = try? send(.tickAck(throughTick: through), timestamp: frame.timestamp, flags: frame.flags.intersection(.virtualTime))
        }
    }

    /// SPEC §4.3 accounting, enough for the kit's own heartbeats: gaps are lost, older frames dropped.
    private func account(_ sequence: UInt32) {
        guard let last = lastPeerSequence else {
            lastPeerSequence = sequence
            return
        }
        let distance = sequence &- last
        guard distance >= 1 && distance < 1 << 31 else { return }
        framesLost &+= distance - 1
        lastPeerSequence = sequence
    }

    // MARK: Keeper

    /// When the keeper next has something to do.
    var nextKeeperDeadline: ContinuousClock.Instant? {
        guard keepAlive, let session else { return nil }
        return lastHeartbeatAt + session.heartbeatInterval
    }

    /// Sends the heartbeat that is due, if any.
    func keep(now: ContinuousClock.Instant) throws {
        guard let due = nextKeeperDeadline, now >= due else { return }
        lastHeartbeatAt = now
        try send(.heartbeat(Heartbeat(lastReceivedSequence: lastPeerSequence ?? 0, framesLost: framesLost)))
    }
}
