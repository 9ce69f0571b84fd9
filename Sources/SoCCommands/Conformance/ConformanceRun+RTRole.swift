import SoCWire

/// `--role rt`: the kit plays application cores, one `DEALER` each.
extension ConformanceRun {
    /// A `Hello` as an application core sends it (role 2, version 1..1).
    static func hello(nonce: UInt32, capabilities: LinkCapabilities = .all) -> Message {
        .hello(Hello(role: .application, capabilities: capabilities, sessionID: nonce))
    }

    /// Handshakes on `connection`: sends `Hello` and repeats it every 100 ms (SPEC §4.1 step 1) until
    /// a `HelloAck` echoes the nonce. A `Reject` of the `Hello` other than `sessionMismatch` (which
    /// asks to retry) fails the check.
    /// - Returns: the `HelloAck` and its frame; the connection's session is established.
    @discardableResult
    func handshake(
        _ connection: KitConnection, nonce: UInt32? = nil, capabilities: LinkCapabilities = .all,
        within timeout: Duration? = nil
    ) throws -> (HelloAck, ReceivedFrame) {
        let nonce = nonce ?? freshNonce()
        let wait = timeout ?? scaled(1500)
        let deadline = ContinuousClock.now + wait
        var lastRefusal = "no answer"
        while ContinuousClock.now < deadline {
            let hello = try connection.send(Self.hello(nonce: nonce, capabilities: capabilities))
            connection.pendingHandshake = (nonce, connection.lastSentAt)
            let answer = try? connection.next("HelloAck", within: .milliseconds(100), on: wire) { frame in
                switch frame.message {
                case .helloAck(let ack): return ack.sessionID == nonce
                case .reject(let reject): return reject.refusedType == 0x01 && reject.refusedSequence == hello.sequence
                default: return false
                }
            }
            guard let answer, let frame = answer.frame else { continue }
            if case .helloAck(let ack) = frame.message {
                // Read by the connection, the HelloAck has established the session already.
                announced = ack
                return (ack, answer)
            }
            lastRefusal = answer.summary
            if case .reject(let reject) = frame.message, reject.code != .sessionMismatch {
                connection.pendingHandshake = nil
                throw CheckFailure("the real-time core refused a valid Hello: \(answer.summary)")
            }
            // sessionMismatch: retry at the normal interval, as an application core does (SPEC §3.10).
            try wire.pump(until: connection.lastSentAt + .milliseconds(100))
        }
        connection.pendingHandshake = nil
        throw CheckFailure("no HelloAck for a valid Hello (nonce \(nonce)) within \(wait.wholeMilliseconds) ms (last: \(lastRefusal))")
    }

    /// A new connection with an established session.
    func connectedSession(_ name: String = "app", capabilities: LinkCapabilities = .all) throws -> (KitConnection, HelloAck) {
        let connection = try connect(name)
        let (ack, _) = try handshake(connection, capabilities: capabilities)
        return (connection, ack)
    }

    /// Waits for the real-time core's next `Heartbeat` on `connection`.
    func coreHeartbeat(on connection: KitConnection) throws -> (Heartbeat, ReceivedFrame) {
        let interval = connection.session?.heartbeatInterval ?? .milliseconds(50)
        return try connection.next("Heartbeat from the real-time core", within: interval * 2 + scaled(100), on: wire, Extract.heartbeat)
    }

    /// Serves the link until `connection`'s peer has not heard from the kit for longer than the
    /// session's liveness timeout, plus `margin`: the kit stays silent on it (no heartbeats, no acks).
    func goSilent(_ connection: KitConnection, pastLivenessBy margin: Duration) throws {
        guard let session = connection.session else { throw CheckFailure("\(connection.name) has no session to go silent in") }
        connection.keepAlive = false
        try wire.pump(until: connection.lastSentAt + session.liveness + margin)
    }
}
