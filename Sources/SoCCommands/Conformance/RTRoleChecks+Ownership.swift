import SoCWire

/// R-FOREIGN, R-TAKEOVER, R-LIVENESS: who owns the session (SPEC §4.7) and when it ends by silence.
extension RTRoleChecks {
    static func foreign(_ run: ConformanceRun) throws -> String? {
        let (owner, _) = try run.connectedSession("owner")
        let ownerMark = owner.mark
        let stranger = try run.connect("stranger")
        for _ in 0..<2 {
            let command = try stranger.send(idleCommand)
            try stranger.expectReject(.notReady, refusing: 0x20, sequence: command.sequence, within: run.scaled(500), on: run.wire)
        }
        let hello = try stranger.send(ConformanceRun.hello(nonce: run.freshNonce()))
        let strangerMark = stranger.mark
        try stranger.expectReject(.sessionMismatch, refusing: 0x01, sequence: hello.sequence, within: run.scaled(500), on: run.wire)
        if let ack = stranger.since(strangerMark).first(where: { Extract.helloAck($0.frame!.message) != nil }) {
            throw CheckFailure("the stranger's Hello was answered with \(ack.summary) while the owner is live")
        }
        _ = try run.coreHeartbeat(on: owner)
        let disturbed = owner.since(ownerMark).first { received in
            switch received.frame?.message {
            case .helloAck?, .reject?, .goodbye?: return true
            default: return false
            }
        }
        if let disturbed { throw CheckFailure("the owner's session was disturbed: it received \(disturbed.summary)") }
        return nil
    }

    static func takeover(_ run: ConformanceRun) throws -> String? {
        let (owner, _) = try run.connectedSession("owner")
        let newcomer = try run.connect("newcomer")
        try run.goSilent(owner, pastLivenessBy: run.scaled(60))
        let silence = ContinuousClock.now - owner.lastSentAt
        let (_, received) = try run.handshake(newcomer, within: run.scaled(600))
        try demand(received.frame!.sequence == 1, "the newcomer's HelloAck has sequence \(received.frame!.sequence), not 1")
        // The previous owner's frames are foreign now: a Heartbeat gets notReady (it has no session).
        owner.session = nil
        let beat = try owner.send(bareHeartbeat)
        try owner.expectReject(.notReady, refusing: 0x03, sequence: beat.sequence, within: run.scaled(300), on: run.wire)
        return "taken over after \(silence.wholeMilliseconds) ms of owner silence"
    }

    static func liveness(_ run: ConformanceRun) throws -> String? {
        let (app, ack) = try run.connectedSession()
        try run.goSilent(app, pastLivenessBy: run.scaled(60))
        let silence = ContinuousClock.now - app.lastSentAt
        app.session = nil
        let beat = try app.send(bareHeartbeat)
        try app.expectReject(.notReady, refusing: 0x03, sequence: beat.sequence, within: run.scaled(300), on: run.wire)
        return "notReady after \(silence.wholeMilliseconds) ms of silence (liveness \(ack.livenessTimeoutMilliseconds) ms)"
    }
}
