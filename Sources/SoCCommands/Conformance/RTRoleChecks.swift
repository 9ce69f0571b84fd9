import SoCWire

/// SPEC §10.2: the kit plays application cores (one `DEALER` per connection) against a real-time
/// core. Each check opens its own connections and ends its sessions with `Goodbye`, so the next
/// check finds the core idle. Session checks are in `RTRoleChecks+Sessions.swift`, lockstep checks
/// in `RTRoleChecks+Lockstep.swift`.
enum RTRoleChecks {
    static var all: [ConformanceCheck] { [
        ConformanceCheck(
            id: "R-NOTREADY", what: "a Command or Heartbeat before any handshake is answered with Reject(notReady)",
            section: "4.1.7", since: "1.1", body: notReady),
        ConformanceCheck(
            id: "R-VERSION",
            what: "a Hello with the range 2…3 gets Reject(versionMismatch) naming type 0x01 and its sequence",
            section: "4.1", body: version),
        ConformanceCheck(
            id: "R-ROLE", what: "a Hello with role 1 gets Reject(unexpectedMessage)",
            section: "4.1", body: role),
        ConformanceCheck(
            id: "R-HANDSHAKE",
            what: "a valid Hello gets a HelloAck with sequence 1, the echoed nonce, version 1, role 1, capabilities ⊆ offer",
            section: "4.1, 3.2", body: handshake),
        ConformanceCheck(
            id: "R-CAPS", what: "a Hello offering only the capabilities the clock mode requires is accepted",
            section: "4.2", since: "1.1", body: minimalCapabilities),
        ConformanceCheck(
            id: "R-RETRY",
            what: "a retried Hello (same nonce, newer sequence) gets the HelloAck again, without a new session",
            section: "4.1.6", body: retry),
        ConformanceCheck(
            id: "R-HEARTBEAT", what: "the real-time core heartbeats at the announced interval",
            section: "4.3", body: heartbeat),
        ConformanceCheck(
            id: "R-LOSS", what: "after the kit skips sequence numbers, the core's heartbeats report them in framesLost",
            section: "4.3", body: loss),
        ConformanceCheck(
            id: "R-MALFORMED",
            what: "garbage is answered with Reject(malformedFrame), a 0x04-typed garbage frame is not, and the session survives",
            section: "4.4", body: malformed),
        ConformanceCheck(
            id: "R-RATELIMIT", what: "a flood of 500 garbage frames gets at most 20 + 20/s Rejects",
            section: "4.4", since: "1.1", body: rateLimit),
        ConformanceCheck(
            id: "R-FOREIGN",
            what: "a second connection's Commands (no Hello) are refused (notReady) and its Hello gets sessionMismatch while the owner is live",
            section: "4.7", since: "1.1", body: foreign),
        ConformanceCheck(
            id: "R-TAKEOVER",
            what: "after the owner goes silent past the liveness timeout, a second connection's Hello is accepted",
            section: "4.7", since: "1.1", body: takeover),
        ConformanceCheck(
            id: "R-LIVENESS",
            what: "after the kit goes silent past the liveness timeout, its next Heartbeat gets Reject(notReady)",
            section: "4.3, 4.1.7", since: "1.1", body: liveness),
        ConformanceCheck(
            id: "R-RESYNC",
            what: "a Hello with a new nonce in a session gets a HelloAck with sequence 1 (a new session)",
            section: "4.1.6", body: resync),
        ConformanceCheck(
            id: "R-GRANT",
            what: "(lockstep) grants arrive with virtualTime in virtual mode and increase; the awaited ack releases the next quantum",
            section: "5.2", body: grant),
        ConformanceCheck(
            id: "R-EARLYACK", what: "(virtual) a TickAck for a later throughTick than granted does not release time",
            section: "5.2.6", since: "1.1", body: earlyAck),
        ConformanceCheck(
            id: "R-REGRANT", what: "(virtual) a new session while a grant is outstanding gets the same grant again",
            section: "5.2.8", since: "1.1", body: regrant),
        ConformanceCheck(
            id: "R-GOODBYE", what: "after Goodbye from the kit, data frames get Reject(notReady)",
            section: "4.5", since: "1.1", body: goodbye),
    ] }

    /// A `Command` for target 1 (heater duty) at 0: harmless on every board.
    static let idleCommand = Message.command(Command(target: 1, milliValue: 0, validTicks: 0))
    /// A `Heartbeat` as a kit connection without a session sends it.
    static let bareHeartbeat = Message.heartbeat(Heartbeat(lastReceivedSequence: 0, framesLost: 0))

    static func notReady(_ run: ConformanceRun) throws -> String? {
        let app = try run.connect("app")
        let command = try app.send(idleCommand)
        try app.expectReject(.notReady, refusing: 0x20, sequence: command.sequence, within: run.scaled(500), on: run.wire)
        let beat = try app.send(bareHeartbeat)
        try app.expectReject(.notReady, refusing: 0x03, sequence: beat.sequence, within: run.scaled(300), on: run.wire)
        return nil
    }

    /// Sends `hello` on a new connection and expects `Reject(code)` naming it, and no `HelloAck`.
    static func refusedHello(_ run: ConformanceRun, _ hello: Hello, _ code: RejectCode) throws {
        let app = try run.connect("app")
        let sent = try app.send(.hello(hello))
        let mark = app.mark
        try app.expectReject(code, refusing: 0x01, sequence: sent.sequence, within: run.scaled(500), on: run.wire)
        if let ack = app.since(mark).first(where: { Extract.helloAck($0.frame!.message) != nil }) {
            throw CheckFailure("the refused Hello was also answered with \(ack.summary)")
        }
    }

    static func version(_ run: ConformanceRun) throws -> String? {
        let hello = Hello(role: .application, minVersion: 2, maxVersion: 3, capabilities: .all, sessionID: run.freshNonce())
        try refusedHello(run, hello, .versionMismatch)
        return nil
    }

    static func role(_ run: ConformanceRun) throws -> String? {
        try refusedHello(run, Hello(role: .realTime, capabilities: .all, sessionID: run.freshNonce()), .unexpectedMessage)
        return nil
    }

    static func handshake(_ run: ConformanceRun) throws -> String? {
        let app = try run.connect("app")
        let offer = LinkCapabilities.all.union(LinkCapabilities(rawValue: 1 << 9))  // an unassigned bit: allowed (§3.10)
        let nonce = run.freshNonce()
        let (ack, received) = try run.handshake(app, nonce: nonce, capabilities: offer)
        let frame = received.frame!
        try demand(frame.sequence == 1, "the HelloAck has sequence \(frame.sequence), not 1")
        try demand(ack.sessionID == nonce, "the HelloAck echoes nonce \(ack.sessionID), not \(nonce)")
        try demand(ack.acceptedVersion == 1, "acceptedVersion is \(ack.acceptedVersion), not 1")
        try demand(ack.role == .realTime, "the HelloAck's role is \(ack.role.rawValue), not 1")
        try demand(
            ack.capabilities.isSubset(of: .all), "the HelloAck's capabilities \(ack.capabilities.hex) hold bits neither side offers")
        try demand(ack.heartbeatIntervalMilliseconds > 0, "the announced heartbeat interval is 0")
        try demand(
            ack.livenessTimeoutMilliseconds > ack.heartbeatIntervalMilliseconds,
            "liveness \(ack.livenessTimeoutMilliseconds) ms is not longer than the heartbeat interval \(ack.heartbeatIntervalMilliseconds) ms")
        try checkClockParameters(ack)
        return describe(ack)
    }

    /// SPEC §3.2, §4.2, §4.3: what the clock mode implies for the announced parameters.
    static func checkClockParameters(_ ack: HelloAck) throws {
        switch ack.clockMode {
        case .real:
            try demand(ack.quantumTicks == 1, "real clock mode announces quantumTicks \(ack.quantumTicks), not 1")
        case .virtual:
            try demand(ack.quantumTicks >= 1, "virtual clock mode announces quantumTicks 0")
            try demand(ack.capabilities.contains(.lockstep), "a virtual-clock session without lockstep")
        }
        try demand(ack.tickPeriodNanoseconds > 0, "the announced tick period is 0")
    }

    static func describe(_ ack: HelloAck) -> String {
        "\(ack.clockMode == .virtual ? "virtual" : "real") clock, capabilities \(ack.capabilities.hex), "
            + "period \(ack.tickPeriodNanoseconds) ns, Q \(ack.quantumTicks), heartbeat \(ack.heartbeatIntervalMilliseconds) ms, "
            + "liveness \(ack.livenessTimeoutMilliseconds) ms"
    }

    static func minimalCapabilities(_ run: ConformanceRun) throws -> String? {
        if run.announced == nil {
            // The clock mode is only known from a handshake: learn it on a connection of its own.
            _ = try run.connectedSession("probe")
            run.endCheck()
        }
        let required: LinkCapabilities = run.announced?.clockMode == .virtual ? [.lockstep] : []
        let (app, ack) = try run.connectedSession(capabilities: required)
        try demand(ack.capabilities.isSubset(of: required), "the session's capabilities \(ack.capabilities.hex) exceed the offer")
        let interval = try AppRoleChecks.sessionOf(app).heartbeatInterval
        try app.expectNone("a Sample in a session without samples", during: interval * 3, on: run.wire) { frame in
            if case .sample = frame.message { return true }
            if case .tickGrant = frame.message { return !required.contains(.lockstep) }
            return false
        }
        return "accepted with capabilities \(required.hex); no Sample sent"
    }
}
