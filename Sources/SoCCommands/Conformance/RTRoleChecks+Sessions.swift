import SoCWire

/// R-RETRY … R-RESYNC, R-GOODBYE: the real-time core's session rules, seen from its peers.
extension RTRoleChecks {
    static func retry(_ run: ConformanceRun) throws -> String? {
        let app = try run.connect("app")
        let nonce = run.freshNonce()
        let (_, first) = try run.handshake(app, nonce: nonce)
        let mark = app.mark
        try app.send(ConformanceRun.hello(nonce: nonce))
        let (again, received) = try app.next(
            "a second HelloAck for the retried Hello", within: run.scaled(500), on: run.wire, Extract.helloAck)
        try demand(again.sessionID == nonce, "the second HelloAck echoes \(again.sessionID), not \(nonce)")
        let before = app.since(mark).dropLast().compactMap(\.frame).map(\.sequence).max() ?? first.frame!.sequence
        let sequence = received.frame!.sequence
        try demand(sequence > before, "the second HelloAck has sequence \(sequence) after \(before): a new session restarts at 1")
        let (_, beat) = try run.coreHeartbeat(on: app)
        try demand(
            beat.frame!.sequence > sequence,
            "the core's numbering restarted after the retried Hello (Heartbeat #\(beat.frame!.sequence))")
        return "second HelloAck with sequence \(sequence), numbering continued"
    }

    static func heartbeat(_ run: ConformanceRun) throws -> String? {
        let (app, ack) = try run.connectedSession()
        let session = try AppRoleChecks.sessionOf(app)
        let window = session.heartbeatInterval * 6 + run.scaled(60)
        let beats = try app.frames(during: window, on: run.wire).filter { $0.frame?.isHeartbeat ?? false }
        let note = try HeartbeatSpacing.judge(
            beats, start: session.establishedAt, window: window, intervalMilliseconds: Int(ack.heartbeatIntervalMilliseconds), run: run)
        let lastSent = app.nextSequence &- 1
        let reported = beats.compactMap { Extract.heartbeat($0.frame!.message)?.lastReceivedSequence }
        if let wrong = reported.first(where: { ($0 &- lastSent) != 0 && ($0 &- lastSent) < 1 << 31 }) {
            throw CheckFailure("a Heartbeat reports lastReceivedSequence \(wrong), beyond the kit's last frame \(lastSent)")
        }
        return note
    }

    static func loss(_ run: ConformanceRun) throws -> String? {
        let (app, _) = try run.connectedSession()
        let (before, _) = try run.coreHeartbeat(on: app)
        return try run.expectReportedLoss(on: app, after: before)
    }

    static func malformed(_ run: ConformanceRun) throws -> String? {
        let (app, _) = try run.connectedSession()
        let sequence = app.nextSequence
        try app.sendRaw(Garbage.corruptedHeartbeat(sequence: sequence))
        try app.expectReject(.malformedFrame, refusing: 0x03, sequence: sequence, within: run.scaled(300), on: run.wire)
        try app.sendRaw(Garbage.short)
        try app.expectReject(.malformedFrame, refusing: 0, sequence: 0, within: run.scaled(300), on: run.wire)
        try app.sendRaw(Garbage.oversized(idleCommand, sequence: sequence))
        try app.expectReject(.malformedFrame, refusing: 0x20, sequence: sequence, within: run.scaled(300), on: run.wire)
        try app.sendRaw(Garbage.corruptedReject(sequence: app.nextSequence))
        try app.expectNone("the 0x04-typed garbage frame was answered", during: run.scaled(300), on: run.wire) { $0.isReject }
        let (_, before) = try run.coreHeartbeat(on: app)
        let probe = try app.send(bareHeartbeat)
        let interval = try AppRoleChecks.sessionOf(app).heartbeatInterval
        try app.expectNone("the session did not survive the garbage", during: interval * 2, on: run.wire) { frame in
            if case .reject(let reject) = frame.message { return reject.refusedSequence == probe.sequence }
            if case .helloAck = frame.message { return true }
            return false
        }
        let (_, after) = try run.coreHeartbeat(on: app)
        try demand(after.frame!.sequence > before.frame!.sequence, "the core's numbering restarted (a new session?)")
        return nil
    }

    static func rateLimit(_ run: ConformanceRun) throws -> String? {
        let app = try run.connect("flooder")
        // One garbage frame first, so the connection is up before the flood (its Reject is not counted).
        try app.sendRaw(Garbage.short)
        _ = try? app.next("Reject for the first garbage frame", within: run.scaled(500), on: run.wire) { $0.isReject }
        return try run.floodAndJudgeRateLimit(on: app)
    }

    static func resync(_ run: ConformanceRun) throws -> String? {
        let (app, _) = try run.connectedSession()
        _ = try run.coreHeartbeat(on: app)
        let nonce = run.freshNonce()
        try app.send(ConformanceRun.hello(nonce: nonce))
        let (ack, received) = try app.next("HelloAck for the new nonce", within: run.scaled(500), on: run.wire) { message -> HelloAck? in
            guard let ack = Extract.helloAck(message), ack.sessionID == nonce else { return nil }
            return ack
        }
        try demand(received.frame!.sequence == 1, "the HelloAck of the new session has sequence \(received.frame!.sequence), not 1")
        app.establish(KitSession(nonce: nonce, parameters: ack, establishedAt: received.at), peerBase: received.frame!.sequence)
        return nil
    }

    static func goodbye(_ run: ConformanceRun) throws -> String? {
        let (app, _) = try run.connectedSession()
        _ = try run.coreHeartbeat(on: app)
        app.session = nil
        try app.send(.goodbye(Goodbye(reason: .shutdown)))
        let beat = try app.send(bareHeartbeat)
        try app.expectReject(.notReady, refusing: 0x03, sequence: beat.sequence, within: run.scaled(300), on: run.wire)
        let command = try app.send(idleCommand)
        try app.expectReject(.notReady, refusing: 0x20, sequence: command.sequence, within: run.scaled(300), on: run.wire)
        return nil
    }
}
