import SoCWire

/// A-GRANT, A-REGRANT, A-CAPS: the kit grants virtual time like a real-time core in virtual mode.
extension AppRoleChecks {
    /// The tick period the kit announces (1 kHz).
    static let period: UInt64 = 1_000_000

    /// A virtual-clock session, or SKIP when the peer does not offer `lockstep`.
    static func lockstepSession(_ run: ConformanceRun, capabilities: LinkCapabilities? = nil) throws {
        let (hello, received) = try run.awaitHello()
        guard hello.capabilities.contains(.lockstep) else {
            throw CheckSkipped("the peer's Hello does not offer lockstep, so no session has grants")
        }
        try run.acceptSession(hello, received, clock: .virtual, capabilities: capabilities)
    }

    /// Runs one quantum `tick ..< tick+10`: its samples (temperature well below the setpoint, so a
    /// controller has something to say), then `TickGrant(tick+10)`; waits for the `TickAck`.
    /// - Returns: the grant frame sent, when, and every frame the peer sent until and including the ack.
    static func quantum(
        _ run: ConformanceRun, from tick: UInt64
    ) throws -> (grant: Frame, sentAt: ContinuousClock.Instant, answer: ArraySlice<ReceivedFrame>) {
        let rt = run.router
        for t in tick..<(tick + 10) {
            try rt.send(.sample(Sample(channel: 0, status: .ok, milliValue: 15_000)), timestamp: t * period, flags: .virtualTime)
            try rt.send(.sample(Sample(channel: 1, status: .ok, milliValue: 60_000)), timestamp: t * period, flags: .virtualTime)
        }
        let through = tick + 10
        let mark = rt.mark
        let grant = try rt.send(.tickGrant(throughTick: through), timestamp: (through - 1) * period, flags: .virtualTime)
        let sentAt = rt.lastSentAt
        try rt.next("TickAck(\(through))", within: run.scaled(1000), on: run.wire) { Extract.tickAck($0.message) == through }
        return (grant, sentAt, rt.since(mark))
    }

    /// The ack (last of `answer`) and every `Command` before it echo the grant's timestamp and flags.
    static func checkEcho(of grant: Frame, in answer: ArraySlice<ReceivedFrame>) throws {
        for received in answer {
            guard let frame = received.frame else { continue }
            switch frame.message {
            case .command, .tickAck:
                try demand(
                    frame.timestamp == grant.timestamp && frame.flags == grant.flags,
                    "\(received.summary) has timestamp \(frame.timestamp) flags 0x\(ReceivedFrame.hex(frame.flags.rawValue)), "
                        + "the grant had \(grant.timestamp) and 0x\(ReceivedFrame.hex(grant.flags.rawValue))")
            default: continue
            }
        }
    }

    static func grant(_ run: ConformanceRun) throws -> String? {
        try lockstepSession(run)
        let (grant, sentAt, answer) = try quantum(run, from: 0)
        try checkEcho(of: grant, in: answer)
        let commands = answer.filter { if case .command? = $0.frame?.message { return true } else { return false } }.count
        let delay = (answer.last!.at - sentAt).wholeMilliseconds
        return "TickAck(10) echoing timestamp \(grant.timestamp) and virtualTime, \(commands) Commands, within \(delay) ms"
    }

    static func regrant(_ run: ConformanceRun) throws -> String? {
        let rt = run.router
        try lockstepSession(run)
        let (grant, _, _) = try quantum(run, from: 0)
        let mark = rt.mark
        try rt.send(grant.message, timestamp: grant.timestamp, flags: grant.flags)
        try rt.next("a second TickAck(10) for the repeated grant", within: run.scaled(500), on: run.wire) {
            Extract.tickAck($0.message) == 10
        }
        let again = rt.since(mark)
        try checkEcho(of: grant, in: again)
        if let command = again.first(where: { if case .command? = $0.frame?.message { return true } else { return false } }) {
            throw CheckFailure("the repeated grant was processed again: \(command.summary) before its TickAck")
        }
        return "acknowledged again, without new Commands"
    }

    static func capabilities(_ run: ConformanceRun) throws -> String? {
        let rt = run.router
        let (hello, received) = try run.awaitHello()
        let allowed = hello.capabilities.intersection([.samples, .lockstep])
        let mark = rt.mark
        if hello.capabilities.contains(.lockstep) {
            try run.acceptSession(hello, received, clock: .virtual, capabilities: allowed)
            for index in 0..<5 { _ = try quantum(run, from: UInt64(index) * 10) }
        } else {
            try run.acceptSession(hello, received, capabilities: allowed)
            _ = try rt.frames(during: .milliseconds(300), on: run.wire)
        }
        let offending = rt.since(mark).first { received in
            switch received.frame?.message {
            case .command?, .moduleEvent?: return true
            default: return false
            }
        }
        if let offending {
            throw CheckFailure("session capabilities \(allowed.hex), yet the peer sent \(offending.summary)")
        }
        let offered = hello.capabilities.contains(.commands) ? "" : " (the peer does not offer commands at all)"
        return "no Command or ModuleEvent in a session with capabilities \(allowed.hex)\(offered)"
    }
}
