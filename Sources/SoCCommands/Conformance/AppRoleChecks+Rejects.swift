import SoCWire

/// A-STALEACK, A-LOSS, A-MALFORMED, A-NOPINGPONG, A-RATELIMIT: the peer's reaction to odd input.
extension AppRoleChecks {
    static func staleAck(_ run: ConformanceRun) throws -> String? {
        let rt = run.router
        let (hello, _) = try run.awaitHello()
        let wrong = hello.sessionID ^ 0x5A5A_5A5A
        rt.nextSequence = 1
        try rt.send(.helloAck(ConformanceRun.KitClock.real.helloAck(nonce: wrong, capabilities: hello.capabilities)))
        let seen = try rt.frames(during: .milliseconds(250), on: run.wire)
        if let accepted = seen.first(where: { !($0.frame?.isHello ?? false) }) {
            throw CheckFailure("after a HelloAck for nonce \(wrong) (its own: \(hello.sessionID)) the peer sent \(accepted.summary)")
        }
        guard let retry = seen.last, let frame = retry.frame, case .hello(let again) = frame.message else {
            throw CheckFailure("the peer stopped sending Hello after a HelloAck with a wrong nonce")
        }
        try demand(again.sessionID == hello.sessionID, "after a stale HelloAck the nonce changed \(hello.sessionID) → \(again.sessionID)")
        // In a session, a stale HelloAck changes nothing either.
        try run.acceptSession(again, retry)
        _ = try run.peerHeartbeat()
        try rt.send(.helloAck(ConformanceRun.KitClock.real.helloAck(nonce: wrong, capabilities: hello.capabilities)))
        let after = try rt.expectNone("a stale HelloAck in a session made the peer handshake", during: .milliseconds(200), on: run.wire) {
            $0.isHello
        }
        try demand(after.contains { $0.frame?.isHeartbeat ?? false }, "no Heartbeat after a stale HelloAck in a session")
        return "ignored while handshaking and in a session"
    }

    static func loss(_ run: ConformanceRun) throws -> String? {
        try run.establishedSession()
        let (before, _) = try run.peerHeartbeat()
        return try run.expectReportedLoss(on: run.router, after: before)
    }

    static func malformed(_ run: ConformanceRun) throws -> String? {
        let rt = run.router
        try run.establishedSession()
        let sequence = rt.nextSequence
        try rt.sendRaw(Garbage.corruptedHeartbeat(sequence: sequence))
        try rt.expectReject(.malformedFrame, refusing: 0x03, sequence: sequence, within: run.scaled(300), on: run.wire)
        try rt.sendRaw(Garbage.short)
        try rt.expectReject(.malformedFrame, refusing: 0, sequence: 0, within: run.scaled(300), on: run.wire)
        let sample = Message.sample(Sample(channel: 0, status: .ok, milliValue: 0))
        try rt.sendRaw(Garbage.oversized(sample, sequence: sequence))
        try rt.expectReject(.malformedFrame, refusing: 0x10, sequence: sequence, within: run.scaled(300), on: run.wire)
        try expectSessionSurvives(run, after: "garbage")
        return "a corrupted Heartbeat, 10 stray bytes and a 1100-byte Sample each rejected; the session went on"
    }

    static func noPingPong(_ run: ConformanceRun) throws -> String? {
        let rt = run.router
        try run.establishedSession()
        try rt.sendRaw(Garbage.corruptedReject(sequence: rt.nextSequence))
        try rt.send(.reject(Reject(code: .unexpectedMessage, refusedType: 0x20, refusedSequence: 7)))
        try rt.expectNone("a Reject answered a Reject", during: run.scaled(300), on: run.wire) { $0.isReject }
        try expectSessionSurvives(run, after: "a Reject")
        return "a corrupted and a valid Reject went unanswered"
    }

    static func rateLimit(_ run: ConformanceRun) throws -> String? {
        try run.establishedSession()
        return try run.floodAndJudgeRateLimit(on: run.router)
    }

    /// After odd input the session goes on: Heartbeats keep coming and no `Hello` (a new handshake) appears.
    static func expectSessionSurvives(_ run: ConformanceRun, after what: String) throws {
        let rt = run.router
        let interval = try sessionOf(rt).heartbeatInterval
        let seen = try rt.expectNone("the peer handshook again after \(what)", during: interval * 3, on: run.wire) { $0.isHello }
        try demand(seen.contains { $0.frame?.isHeartbeat ?? false }, "no Heartbeat for 3 intervals after \(what)")
    }
}
