import SoCWire

/// `--role app`: the kit plays the real-time core on its `ROUTER`.
extension ConformanceRun {
    /// The session parameters the kit announces as time master.
    enum KitClock {
        /// Real clock, 1 kHz, the default heartbeat (50 ms) and liveness (250 ms).
        case real
        /// Virtual clock, 1 kHz, Q = 10, liveness 2 s (SPEC §4.3: at least the ack timeout).
        case virtual

        func helloAck(nonce: UInt32, capabilities: LinkCapabilities) -> HelloAck {
            HelloAck(
                acceptedVersion: 1, role: .realTime, clockMode: self == .virtual ? .virtual : .real,
                capabilities: capabilities, sessionID: nonce, tickPeriodNanoseconds: 1_000_000,
                quantumTicks: self == .virtual ? 10 : 1, heartbeatIntervalMilliseconds: 50,
                livenessTimeoutMilliseconds: self == .virtual ? 2000 : 250, seed: 1)
        }
    }

    /// How long the kit waits for the implementation's first `Hello` (it may be starting up).
    var firstHelloTimeout: Duration { scaled(15_000) }

    /// Waits for the peer's next `Hello`. When the kit still has a session with it, the kit ends that
    /// session first with `Goodbye(restarting)` (SPEC §3.10, §4.8), so the peer handshakes again.
    func awaitHello(within timeout: Duration? = nil) throws -> (Hello, ReceivedFrame) {
        let rt = router
        if rt.session != nil {
            rt.session = nil
            try rt.send(.goodbye(Goodbye(reason: .restarting)))
        }
        let wait = timeout ?? (rt.routingID == nil ? firstHelloTimeout : scaled(1000))
        return try rt.next("Hello from the application core", within: wait, on: wire, Extract.hello)
    }

    /// Answers `hello` with a `HelloAck` (sequence 1 of the new session, SPEC §4.1 step 3) and
    /// starts the keeper. `capabilities` defaults to everything the peer offered.
    @discardableResult
    func acceptSession(
        _ hello: Hello, _ received: ReceivedFrame, clock: KitClock = .real, capabilities: LinkCapabilities? = nil
    ) throws -> HelloAck {
        let rt = router
        let ack = clock.helloAck(
            nonce: hello.sessionID, capabilities: (capabilities ?? hello.capabilities).intersection(.all))
        rt.nextSequence = 1
        try rt.send(.helloAck(ack))
        rt.establish(KitSession(nonce: hello.sessionID, parameters: ack, establishedAt: .now), peerBase: received.frame!.sequence)
        return ack
    }

    /// A session with the peer from its next `Hello`.
    @discardableResult
    func establishedSession(clock: KitClock = .real, capabilities: LinkCapabilities? = nil) throws -> (Hello, HelloAck) {
        let (hello, received) = try awaitHello()
        let ack = try acceptSession(hello, received, clock: clock, capabilities: capabilities)
        return (hello, ack)
    }

    /// Waits for the peer's next `Heartbeat` in the kit's session (proof that it accepted the `HelloAck`).
    func peerHeartbeat(_ what: String = "Heartbeat from the application core") throws -> (Heartbeat, ReceivedFrame) {
        let interval = router.session?.heartbeatInterval ?? .milliseconds(50)
        return try router.next(what, within: interval * 2 + scaled(100), on: wire, Extract.heartbeat)
    }
}
