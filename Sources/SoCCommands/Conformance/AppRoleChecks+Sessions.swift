import SoCWire

/// A-NOTREADY, A-GOODBYE, A-LIVENESS, A-REFUSED: every way a session ends, seen from the peer.
extension AppRoleChecks {
    /// Waits for the `Hello` of a new handshake after the kit ended the session at `ended`.
    static func newHandshake(
        _ run: ConformanceRun, after old: Hello, within timeout: Duration
    ) throws -> (Hello, ReceivedFrame) {
        let (hello, received) = try run.router.next("a new Hello", within: timeout, on: run.wire, Extract.hello)
        try demand(hello.sessionID != old.sessionID, "the new handshake reuses the old nonce \(old.sessionID)")
        return (hello, received)
    }

    static func notReady(_ run: ConformanceRun) throws -> String? {
        let rt = run.router
        let (hello, _) = try run.establishedSession()
        let (_, beat) = try run.peerHeartbeat()
        // As a restarted real-time core: it no longer knows the session and numbers from 1 again, so
        // the Reject's sequence looks old to the peer, which must act on it anyway (SPEC §4.1 step 7).
        rt.session = nil
        rt.nextSequence = 1
        try rt.send(.reject(Reject(code: .notReady, refusedType: 0x03, refusedSequence: beat.frame!.sequence)))
        let sentAt = rt.lastSentAt
        let (_, received) = try newHandshake(run, after: hello, within: run.scaled(300))
        let delay = (received.at - sentAt).wholeMilliseconds
        try demand(delay <= run.scaled(60).wholeMilliseconds, "the new Hello came \(delay) ms after Reject(notReady); SPEC: at once")
        return "new Hello after \(delay) ms"
    }

    static func goodbye(_ run: ConformanceRun) throws -> String? {
        let rt = run.router
        let (hello, _) = try run.establishedSession()
        _ = try run.peerHeartbeat()
        rt.session = nil
        try rt.send(.goodbye(Goodbye(reason: .shutdown)))
        let sentAt = rt.lastSentAt
        let mark = rt.mark
        let (_, received) = try newHandshake(run, after: hello, within: run.scaled(400))
        let delay = (received.at - sentAt).wholeMilliseconds
        let upper = 100 + run.scaled(50).wholeMilliseconds
        try demand((50...upper).contains(delay), "the new Hello came \(delay) ms after Goodbye, expected 50…\(upper) ms")
        if let late = rt.since(mark).first(where: { !($0.frame?.isHello ?? false) && $0.at - sentAt > .milliseconds(10) }) {
            throw CheckFailure("after Goodbye the peer still sent \(late.summary)")
        }
        return "new Hello after \(delay) ms"
    }

    static func liveness(_ run: ConformanceRun) throws -> String? {
        let rt = run.router
        let (hello, ack) = try run.establishedSession()
        _ = try run.peerHeartbeat()
        rt.keepAlive = false
        let silentFrom = rt.lastSentAt
        let timeout = Int(ack.livenessTimeoutMilliseconds)
        let (_, received) = try newHandshake(run, after: hello, within: .milliseconds(timeout) + run.scaled(400))
        let delay = (received.at - silentFrom).wholeMilliseconds
        let upper = timeout + run.scaled(150).wholeMilliseconds
        try demand(
            (timeout - 150...upper).contains(delay),
            "the new Hello came \(delay) ms after the kit's last frame; liveness \(timeout) ms, expected \(timeout - 150)…\(upper) ms")
        return "new Hello \(delay) ms after the kit went silent (liveness \(timeout) ms)"
    }

    static func refused(_ run: ConformanceRun) throws -> String? {
        let rt = run.router
        let (_, received) = try run.awaitHello()
        try rt.send(.reject(Reject(code: .versionMismatch, refusedType: 0x01, refusedSequence: received.frame!.sequence)))
        let sentAt = rt.lastSentAt
        let seen = try rt.frames(during: run.scaled(600), on: run.wire)
        // A Hello already on its way when the Reject left is no fault.
        if let again = seen.first(where: { ($0.frame?.isHello ?? false) && $0.at - sentAt > .milliseconds(10) }) {
            throw CheckFailure("\(again.summary) \((again.at - sentAt).wholeMilliseconds) ms after Reject(versionMismatch)")
        }
        guard let process = run.peerProcess else { return "no Hello for \(run.scaled(600).wholeMilliseconds) ms" }
        let exited = process.isRunning ? "still running (SPEC: it SHOULD exit with an error)" : "exited: \(process.status)"
        return "no Hello for \(run.scaled(600).wholeMilliseconds) ms; the process \(exited)"
    }
}
