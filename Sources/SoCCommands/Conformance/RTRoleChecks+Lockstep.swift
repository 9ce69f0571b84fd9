import SoCWire

/// R-GRANT, R-EARLYACK, R-REGRANT: the time master's grants (SPEC §5.2).
extension RTRoleChecks {
    /// A session in which the kit answers grants itself: the keeper's auto-ack is off from the start,
    /// so a grant re-sent right after the `HelloAck` (SPEC §5.2 step 8) stays outstanding.
    static func lockstepSession(_ run: ConformanceRun, virtualOnly: Bool) throws -> (KitConnection, HelloAck) {
        let app = try run.connect("app")
        app.autoAck = false
        let (ack, _) = try run.handshake(app)
        if virtualOnly && ack.clockMode != .virtual {
            throw CheckSkipped("real clock mode: the core does not wait for acks (SPEC §5.1)")
        }
        guard ack.capabilities.contains(.lockstep) else { throw CheckSkipped("the session's capabilities have no lockstep") }
        return (app, ack)
    }

    /// How long the kit holds a grant unanswered to see that no time is released meanwhile: long
    /// against a core that does not wait (it runs a quantum in well under a millisecond per tick),
    /// short against the ack timeout, which ends the session (SPEC §5.2 step 7; default 2 s, and at
    /// most the announced liveness, §4.3).
    static func holdTime(_ ack: HelloAck) -> Duration {
        min(.milliseconds(150), .milliseconds(Int(ack.livenessTimeoutMilliseconds) / 4))
    }

    /// The next `TickGrant` beyond `after` (any when `nil`).
    static func nextGrant(
        _ app: KitConnection, _ run: ConformanceRun, after: UInt64? = nil, _ what: String = "TickGrant"
    ) throws -> (UInt64, Frame) {
        let (through, received) = try app.next(what, within: run.scaled(1000), on: run.wire) { message -> UInt64? in
            guard let through = Extract.tickGrant(message), through > (after ?? 0) || after == nil else { return nil }
            return through
        }
        return (through, received.frame!)
    }

    /// Acknowledges `grant` as an application core does (echoing its timestamp and flag, SPEC §5.3).
    static func acknowledge(_ through: UInt64, of grant: Frame, on app: KitConnection) throws {
        try app.send(.tickAck(throughTick: through), timestamp: grant.timestamp, flags: grant.flags.intersection(.virtualTime))
    }

    static func grant(_ run: ConformanceRun) throws -> String? {
        let (app, ack) = try lockstepSession(run, virtualOnly: false)
        let (first, firstFrame) = try nextGrant(app, run)
        guard ack.clockMode == .virtual else { return try realGrants(app, run, after: first) }
        try checkVirtualStamp(firstFrame, through: first, period: ack.tickPeriodNanoseconds)
        try app.expectNone("a TickGrant beyond \(first) before its TickAck", during: holdTime(ack), on: run.wire) {
            (Extract.tickGrant($0.message) ?? 0) > first
        }
        try acknowledge(first, of: firstFrame, on: app)
        let mark = app.mark
        let (second, secondFrame) = try nextGrant(app, run, after: first, "the TickGrant after TickAck(\(first))")
        try demand(second - first == UInt64(ack.quantumTicks), "grants \(first) then \(second), quantum \(ack.quantumTicks)")
        try checkVirtualStamp(secondFrame, through: second, period: ack.tickPeriodNanoseconds)
        for received in app.since(mark) {
            guard let frame = received.frame, case .sample = frame.message else { continue }
            let tick = frame.timestamp / UInt64(ack.tickPeriodNanoseconds)
            try demand(
                frame.flags.contains(.virtualTime) && (first..<second).contains(tick),
                "a Sample of the quantum \(first)..<\(second) has timestamp \(frame.timestamp) (tick \(tick))")
        }
        return "TickGrant(\(first)) held until its TickAck, then TickGrant(\(second))"
    }

    /// SPEC §5.2 step 3: `timestamp` = (throughTick − 1) × period, flag `virtualTime`.
    static func checkVirtualStamp(_ frame: Frame, through: UInt64, period: UInt32) throws {
        let expected = (through - 1) * UInt64(period)
        try demand(
            frame.flags.contains(.virtualTime) && frame.timestamp == expected,
            "TickGrant(\(through)) has timestamp \(frame.timestamp) flags 0x\(ReceivedFrame.hex(frame.flags.rawValue)), "
                + "expected \(expected) with virtualTime")
    }

    /// Real clock mode with lockstep: a grant per tick, increasing, stamped with the core's clock.
    static func realGrants(_ app: KitConnection, _ run: ConformanceRun, after first: UInt64) throws -> String {
        app.autoAck = true
        let grants = try app.frames(during: .milliseconds(100), on: run.wire).compactMap(\.frame).filter {
            Extract.tickGrant($0.message) != nil
        }
        let ticks = [first] + grants.map { Extract.tickGrant($0.message)! }
        try demand(ticks.count >= 3, "only \(ticks.count) TickGrants in 100 ms of real clock mode")
        try demand(zip(ticks, ticks.dropFirst()).allSatisfy { $0 < $1 }, "real-mode grants do not increase: \(ticks.prefix(10))")
        if let flagged = grants.first(where: { $0.flags.contains(.virtualTime) }) {
            throw CheckFailure("a real-mode TickGrant(\(Extract.tickGrant(flagged.message)!)) has the virtualTime flag")
        }
        return "\(ticks.count) increasing grants in 100 ms (real clock)"
    }

    static func earlyAck(_ run: ConformanceRun) throws -> String? {
        let (app, ack) = try lockstepSession(run, virtualOnly: true)
        let (granted, grantFrame) = try nextGrant(app, run)
        let beyond = granted + UInt64(ack.quantumTicks)
        try acknowledge(beyond, of: grantFrame, on: app)
        let what = "TickAck(\(beyond)) for time never granted released a quantum"
        try app.expectNone(what, during: holdTime(ack), on: run.wire) {
            (Extract.tickGrant($0.message) ?? 0) > granted
        }
        try acknowledge(granted, of: grantFrame, on: app)
        let (next, _) = try nextGrant(app, run, after: granted, "the TickGrant after the awaited TickAck(\(granted))")
        try demand(next == beyond, "after TickAck(\(granted)) the next grant is \(next), expected \(beyond)")
        app.autoAck = true
        return "TickAck(\(beyond)) ignored; TickAck(\(granted)) released TickGrant(\(next))"
    }

    static func regrant(_ run: ConformanceRun) throws -> String? {
        let (app, _) = try lockstepSession(run, virtualOnly: true)
        let (granted, grantFrame) = try nextGrant(app, run)
        let nonce = run.freshNonce()
        let (ack, received) = try run.handshake(app, nonce: nonce, within: run.scaled(500))
        try demand(received.frame!.sequence == 1, "the new session's HelloAck has sequence \(received.frame!.sequence)")
        let (again, againFrame) = try nextGrant(app, run, after: nil, "the outstanding TickGrant again in the new session")
        try demand(
            again == granted && againFrame.timestamp == grantFrame.timestamp,
            "the first grant of the new session is TickGrant(\(again)) at \(againFrame.timestamp), "
                + "expected the outstanding TickGrant(\(granted)) at \(grantFrame.timestamp)")
        try acknowledge(again, of: againFrame, on: app)
        app.autoAck = true
        return "TickGrant(\(granted)) granted again after the HelloAck (Q \(ack.quantumTicks))"
    }
}
