import SoCWire

/// SPEC §10.1: the kit plays the real-time core (a bound `ROUTER`) against an application core.
/// Lockstep and capability checks are in `AppRoleChecks+Lockstep.swift`, the session-ending ones
/// in `AppRoleChecks+Sessions.swift`.
enum AppRoleChecks {
    static var all: [ConformanceCheck] { [
        ConformanceCheck(
            id: "A-HELLO",
            what: "the first frame is a valid Hello: role 2, a range containing 1, a non-zero nonce, header version 1",
            section: "3.1, 4.1", since: "1.1", body: firstHello),
        ConformanceCheck(
            id: "A-RETRY",
            what: "unanswered, the Hello is repeated after 100 ms (±50 ms) with the same nonce and the next sequence",
            section: "4.1", body: retry),
        ConformanceCheck(
            id: "A-NODATA", what: "nothing but Hello is sent before a session",
            section: "4.1.8", since: "1.1", body: noData),
        ConformanceCheck(
            id: "A-ACK",
            what: "after HelloAck the peer sends Heartbeats, spaced by the announced interval (within +50 ms)",
            section: "4.3", body: heartbeatsAfterAck),
        ConformanceCheck(
            id: "A-SEQ", what: "the peer's sequence numbers increase by exactly 1 per frame",
            section: "4.3", body: sequence),
        ConformanceCheck(
            id: "A-STALEACK", what: "a HelloAck with a wrong nonce is ignored (no session change)",
            section: "4.1.4", body: staleAck),
        ConformanceCheck(
            id: "A-LOSS", what: "after the kit skips sequence numbers, the peer's heartbeats report them in framesLost",
            section: "4.3", body: loss),
        ConformanceCheck(
            id: "A-MALFORMED", what: "garbage is answered with Reject(malformedFrame); the session survives",
            section: "4.4", body: malformed),
        ConformanceCheck(
            id: "A-NOPINGPONG", what: "a malformed frame whose type byte is 0x04 is not answered",
            section: "4.4", body: noPingPong),
        ConformanceCheck(
            id: "A-RATELIMIT", what: "a flood of 500 garbage frames gets at most 20 + 20/s Rejects",
            section: "4.4", since: "1.1", body: rateLimit),
        ConformanceCheck(
            id: "A-GRANT",
            what: "Samples then TickGrant(g) are answered by TickAck(g) echoing the grant's timestamp and flags",
            section: "5.2, 5.3", body: grant),
        ConformanceCheck(
            id: "A-REGRANT", what: "a repeated TickGrant(g) is acknowledged again",
            section: "5.2", body: regrant),
        ConformanceCheck(
            id: "A-NOTREADY", what: "Reject(notReady) makes the peer handshake again with a new nonce",
            section: "4.1.7", body: notReady),
        ConformanceCheck(
            id: "A-GOODBYE", what: "after Goodbye the peer handshakes again with a new nonce after ≈ 100 ms",
            section: "4.5", body: goodbye),
        ConformanceCheck(
            id: "A-LIVENESS",
            what: "when the kit goes silent, the peer handshakes again after the liveness timeout (± 150 ms)",
            section: "4.3", body: liveness),
        ConformanceCheck(
            id: "A-CAPS", what: "in a session without commands, the peer sends no Command",
            section: "4.2", since: "1.1", body: capabilities),
        ConformanceCheck(
            id: "A-REFUSED", what: "Reject(versionMismatch) of its Hello makes the peer stop sending Hello",
            section: "4.1.5", needsFreshPeer: true, body: refused),
    ] }

    static func firstHello(_ run: ConformanceRun) throws -> String? {
        let rt = run.router
        let wait = rt.routingID == nil ? run.firstHelloTimeout : run.scaled(1000)
        let first = try rt.nextRaw("first frame from the application core", within: wait, on: run.wire)
        guard let frame = first.frame else {
            let version = first.bytes.count > 2 ? " (header version byte \(first.bytes[2]))" : ""
            throw CheckFailure("the first frame does not decode: \(first.summary)\(version)")
        }
        guard case .hello(let hello) = frame.message else { throw CheckFailure("the first frame is \(first.summary), not a Hello") }
        try demand(hello.role == .application, "Hello.role is \(hello.role.rawValue), not 2 (application)")
        try demand(
            hello.minVersion <= 1 && 1 <= hello.maxVersion,
            "the version range \(hello.minVersion)…\(hello.maxVersion) does not contain 1")
        try demand(hello.sessionID != 0, "the Hello's nonce (sessionID) is 0")
        return "nonce \(hello.sessionID), versions \(hello.minVersion)…\(hello.maxVersion), "
            + "capabilities \(hello.capabilities.hex)"
    }

    static func retry(_ run: ConformanceRun) throws -> String? {
        let rt = run.router
        var (previous, previousFrame) = try run.awaitHello()
        var gaps: [Int] = []
        // The first Hello may have waited in the socket; the timing is measured between later ones.
        for index in 0..<3 {
            let received = try rt.nextRaw("Hello retry", within: run.scaled(400), on: run.wire)
            guard let frame = received.frame, case .hello(let hello) = frame.message else {
                throw CheckFailure("after an unanswered Hello the next frame is \(received.summary), not a Hello retry")
            }
            try demand(hello.sessionID == previous.sessionID, "the retry changed the nonce (\(previous.sessionID) → \(hello.sessionID))")
            let expected = previousFrame.frame!.sequence &+ 1
            try demand(frame.sequence == expected, "the retry has sequence \(frame.sequence), expected \(expected)")
            if index > 0 { gaps.append(HeartbeatSpacing.gap(previousFrame, received).milliseconds) }
            (previous, previousFrame) = (hello, received)
        }
        let upper = 100 + run.scaled(50).wholeMilliseconds
        try demand(gaps.allSatisfy { (50...upper).contains($0) }, "Hello retries \(gaps) ms apart, expected 50…\(upper) ms")
        return "retries \(gaps.map(String.init).joined(separator: ", ")) ms apart"
    }

    static func noData(_ run: ConformanceRun) throws -> String? {
        let rt = run.router
        _ = try run.awaitHello()
        // Data and a Heartbeat outside a session: the peer counts and ignores them (SPEC §4.1 step 7).
        try rt.send(.sample(Sample(channel: 0, status: .ok, milliValue: 20_000)), timestamp: 0, flags: .virtualTime)
        try rt.send(.tickGrant(throughTick: 1), timestamp: 0, flags: .virtualTime)
        try rt.send(.heartbeat(Heartbeat(lastReceivedSequence: 0, framesLost: 0)))
        let seen = try rt.frames(during: run.scaled(350), on: run.wire)
        if let bad = seen.first(where: { !($0.frame?.isHello ?? false) }) {
            throw CheckFailure("before a session the peer sent \(bad.summary) (only Hello is allowed)")
        }
        try demand(!seen.isEmpty, "the peer sent nothing for \(run.scaled(350).wholeMilliseconds) ms while handshaking")
        return "\(seen.count) Hellos, nothing else, after an unsolicited Sample, TickGrant and Heartbeat"
    }

    static func heartbeatsAfterAck(_ run: ConformanceRun) throws -> String? {
        let rt = run.router
        let (hello, ack) = try run.establishedSession()
        let session = try sessionOf(rt)
        let window = session.heartbeatInterval * 6 + run.scaled(60)
        let seen = try rt.frames(during: window, on: run.wire)
        if let ignored = seen.first(where: { ($0.frame?.isHello ?? false) && $0.at - session.establishedAt > .milliseconds(50) }) {
            throw CheckFailure("the peer ignored the HelloAck for nonce \(hello.sessionID): it still sends \(ignored.summary)")
        }
        let beats = seen.filter { $0.frame?.isHeartbeat ?? false }
        return try HeartbeatSpacing.judge(
            beats, start: session.establishedAt, window: window, intervalMilliseconds: Int(ack.heartbeatIntervalMilliseconds), run: run)
    }

    static func sequence(_ run: ConformanceRun) throws -> String? {
        let rt = run.router
        let mark = rt.mark
        try run.establishedSession()
        _ = try rt.frames(during: .milliseconds(250), on: run.wire)
        try run.establishedSession()  // ends the first session, the peer handshakes again
        _ = try rt.frames(during: .milliseconds(200), on: run.wire)
        let frames = rt.since(mark).drop { !($0.frame?.isHello ?? false) }.compactMap(\.frame)
        for (a, b) in zip(frames, frames.dropFirst()) where b.sequence != a.sequence &+ 1 {
            throw CheckFailure(
                "sequence \(a.sequence) (\(ReceivedFrame.describe(a.message))) is followed by "
                    + "\(b.sequence) (\(ReceivedFrame.describe(b.message)))")
        }
        try demand(frames.count >= 8, "only \(frames.count) frames in two short sessions")
        return "\(frames.count) frames, \(frames.first!.sequence)…\(frames.last!.sequence), across two sessions"
    }

    /// The kit's session on `connection`, or a failure when there is none.
    static func sessionOf(_ connection: KitConnection) throws -> KitSession {
        guard let session = connection.session else { throw CheckFailure("the session ended unexpectedly") }
        return session
    }
}
