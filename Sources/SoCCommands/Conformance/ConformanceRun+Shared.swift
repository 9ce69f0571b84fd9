import SoCWire

/// Scenario steps both roles share (A-LOSS/R-LOSS, A-RATELIMIT/R-RATELIMIT).
extension ConformanceRun {
    /// Skips 5 of the kit's sequence numbers on `connection`, then expects the peer's next
    /// `Heartbeat` that acknowledges the skipped-to frame to report 5 more lost than `before` (SPEC §4.3).
    func expectReportedLoss(on connection: KitConnection, after before: Heartbeat) throws -> String {
        connection.nextSequence &+= 5
        let skipped = try connection.send(.heartbeat(Heartbeat(lastReceivedSequence: 0, framesLost: 0)))
        guard let interval = connection.session?.heartbeatInterval else { throw CheckFailure("the session ended unexpectedly") }
        let (after, _) = try connection.next(
            "Heartbeat with lastReceivedSequence ≥ \(skipped.sequence)", within: interval * 3 + scaled(100), on: wire
        ) { message -> Heartbeat? in
            guard case .heartbeat(let beat) = message, beat.lastReceivedSequence &- skipped.sequence < 1 << 31 else { return nil }
            return beat
        }
        let reported = after.framesLost &- before.framesLost
        try demand(reported == 5, "the kit skipped 5 sequence numbers; framesLost went \(before.framesLost) → \(after.framesLost)")
        return "framesLost \(before.framesLost) → \(after.framesLost)"
    }

    /// Sends 500 frames with a bad CRC on `connection` at once, watches 1 s, and judges the `Reject`s
    /// against the rate limit of SPEC §4.4: at least one, at most 20 + 20 per second.
    func floodAndJudgeRateLimit(on connection: KitConnection) throws -> String {
        let start = ContinuousClock.now
        let base = connection.nextSequence
        for index in 0..<500 { try connection.sendRaw(Garbage.corruptedHeartbeat(sequence: base &+ UInt32(index))) }
        let seen = try connection.frames(during: .seconds(1), on: wire)
        let elapsed = ContinuousClock.now - start
        let rejects = seen.filter { frame in
            if case .reject(let reject)? = frame.frame?.message { return reject.code == .malformedFrame }
            return false
        }
        let allowed = 20 + Int((20 * elapsed.inMilliseconds / 1000).rounded(.up))
        try demand(!rejects.isEmpty, "500 garbage frames got no Reject(malformedFrame) at all")
        try demand(
            rejects.count <= allowed,
            "500 garbage frames got \(rejects.count) Rejects in \(elapsed.wholeMilliseconds) ms; at most \(allowed) allowed (20 + 20/s)")
        return "\(rejects.count) Rejects in \(elapsed.wholeMilliseconds) ms (at most \(allowed))"
    }
}
