import RTCore
import Testing

@Suite("Safety supervisor transitions (pure, on tick numbers)")
struct SupervisorTests {
    func make() -> SafetySupervisor { SafetySupervisor(silenceTicks: 100, invalidLimit: 3, invalidWindowTicks: 50) }

    @Test("starting → normal on the first session; silence alone never leaves starting")
    func startingToNormal() {
        var s = make()
        #expect(s.check(tick: 10_000) == .none)
        #expect(s.state == .starting)
        #expect(s.sessionEstablished(tick: 10_000) == .sessionStarted)
        #expect(s.state == .normal)
    }

    @Test("normal → fail-safe exactly when silence exceeds silenceTicks")
    func silence() {
        var s = make()
        _ = s.sessionEstablished(tick: 0)
        s.validFrameSeen(tick: 40)
        #expect(s.check(tick: 140) == .none)
        #expect(s.check(tick: 141) == .enteredFailSafe(.silence))
        #expect(s.state == .failSafe)
        #expect(s.failSafeEntries == 1)
        #expect(s.check(tick: 500) == .none)  // latched, entered once
    }

    @Test("K invalid commands within the window enter fail-safe; spread-out ones do not")
    func invalidCommands() {
        var s = make()
        _ = s.sessionEstablished(tick: 0)
        #expect(s.invalidCommandSeen(tick: 10) == .none)
        #expect(s.invalidCommandSeen(tick: 20) == .none)
        #expect(s.invalidCommandSeen(tick: 70) == .none)  // window reopened at 70
        #expect(s.invalidCommandSeen(tick: 80) == .none)
        #expect(s.state == .normal)
        #expect(s.invalidCommandSeen(tick: 90) == .enteredFailSafe(.invalidCommands))
    }

    @Test("An expired duty command, a lost peer and a Goodbye each enter fail-safe", arguments: [1, 2, 3] as [Int])
    func otherCauses(cause: Int) {
        var s = make()
        _ = s.sessionEstablished(tick: 0)
        let transition: SupervisorTransition
        switch cause {
        case 1: transition = s.commandExpired(tick: 5)
        case 2: transition = s.peerLost(tick: 5)
        default: transition = s.peerLeft(tick: 5)
        }
        let expected: FailSafeReason = cause == 1 ? .commandExpired : cause == 2 ? .peerLost : .peerLeft
        #expect(transition == .enteredFailSafe(expected))
        #expect(s.lastReason == expected)
    }

    @Test("fail-safe is latched until a new session, which returns to normal and resets silence")
    func recovery() {
        var s = make()
        _ = s.sessionEstablished(tick: 0)
        _ = s.peerLost(tick: 10)
        s.validFrameSeen(tick: 20)
        #expect(s.state == .failSafe)
        #expect(s.sessionEstablished(tick: 300) == .leftFailSafe)
        #expect(s.state == .normal)
        #expect(s.failSafeExits == 1)
        #expect(s.check(tick: 400) == .none)
        #expect(s.check(tick: 401) == .enteredFailSafe(.silence))
        #expect(s.sessions == 2)
    }

    @Test("A resynchronising session while normal stays normal")
    func resyncWhileNormal() {
        var s = make()
        _ = s.sessionEstablished(tick: 0)
        #expect(s.sessionEstablished(tick: 50) == .none)
        #expect(s.state == .normal)
    }

    // MARK: SPEC §4.8 (revision 1.1): every way in has a way out

    /// A peer heard every `spacing` ticks from `from` through `to` (heartbeats), checked every tick.
    func healthy(_ s: inout SafetySupervisor, from: UInt64, to: UInt64, spacing: UInt64 = 10) -> [SupervisorTransition] {
        var transitions: [SupervisorTransition] = []
        for tick in from...to {
            if (tick - from) % spacing == 0 { s.validFrameSeen(tick: tick) }
            let t = s.check(tick: tick)
            if t != .none { transitions.append(t) }
        }
        return transitions
    }

    @Test("Within a session, fail-safe from silence, invalid frames or expiry ends after recoveryTicks healthy ticks",
          arguments: [1, 2, 3] as [Int])
    func recoveryWithinSession(cause: Int) {
        var s = SafetySupervisor(silenceTicks: 100, invalidLimit: 3, invalidWindowTicks: 50, recoveryTicks: 40)
        _ = s.sessionEstablished(tick: 0)
        switch cause {
        case 1: _ = s.check(tick: 101)
        case 2: for tick in 10...12 { _ = s.invalidCommandSeen(tick: UInt64(tick)) }
        default: _ = s.commandExpired(tick: 101)
        }
        #expect(s.state == .failSafe)
        let start: UInt64 = 200
        let transitions = healthy(&s, from: start, to: start + 60)
        #expect(transitions == [.recovered])
        #expect(s.state == .normal)
        #expect(s.recoveries == 1)
        #expect(s.failSafeExits == 1)
    }

    @Test("Recovery happens exactly recoveryTicks after the first healthy frame, not before")
    func recoveryBound() {
        var s = SafetySupervisor(silenceTicks: 100, invalidLimit: 3, invalidWindowTicks: 50, recoveryTicks: 40)
        _ = s.sessionEstablished(tick: 0)
        _ = s.commandExpired(tick: 5)
        s.validFrameSeen(tick: 50)
        #expect(s.check(tick: 89) == .none)
        #expect(s.check(tick: 90) == .recovered)
    }

    @Test("An invalid frame breaks the healthy streak; a peer that keeps sending them never recovers")
    func invalidBreaksStreak() {
        var s = SafetySupervisor(silenceTicks: 100, invalidLimit: 3, invalidWindowTicks: 50, recoveryTicks: 40)
        _ = s.sessionEstablished(tick: 0)
        _ = s.commandExpired(tick: 5)
        for tick in UInt64(10)...UInt64(200) {
            s.validFrameSeen(tick: tick)
            if tick % 30 == 0 { _ = s.invalidCommandSeen(tick: tick) }
            let t = s.check(tick: tick)
            #expect(t != .recovered, "tick \(tick)")
        }
        #expect(s.state == .failSafe)
    }

    @Test("A peer that talks but never recovers makes the supervisor end the session once")
    func endSessionAfterLimit() {
        var s = SafetySupervisor(silenceTicks: 100, invalidLimit: 3, invalidWindowTicks: 50, recoveryTicks: 40)
        _ = s.sessionEstablished(tick: 0)
        _ = s.commandExpired(tick: 0)
        var ends: [UInt64] = []
        for tick in UInt64(1)...UInt64(1000) {
            s.validFrameSeen(tick: tick)
            if tick % 20 == 0 { _ = s.invalidCommandSeen(tick: tick) }
            if s.check(tick: tick) == .endSession { ends.append(tick) }
        }
        #expect(ends == [s.endSessionTicks])
        // The new session the peer then opens starts clean.
        #expect(s.sessionEstablished(tick: 1001) == .leftFailSafe)
        #expect(s.state == .normal)
    }

    @Test("Without a session (peer lost or left) only a new handshake ends fail-safe")
    func noRecoveryWithoutSession() {
        var s = SafetySupervisor(silenceTicks: 100, invalidLimit: 3, invalidWindowTicks: 50, recoveryTicks: 40)
        _ = s.sessionEstablished(tick: 0)
        _ = s.peerLost(tick: 10)
        #expect(healthy(&s, from: 20, to: 400).isEmpty)
        #expect(s.state == .failSafe)
        #expect(s.sessionEstablished(tick: 401) == .leftFailSafe)
    }

    @Test("Catch-up ticks of the core's own stall are not silence; on-time ticks still are")
    func catchUpTicksExcused() {
        var s = make()
        _ = s.sessionEstablished(tick: 0)
        s.validFrameSeen(tick: 10)
        // 500 catch-up ticks in a burst: the core was stopped, the peer had no chance.
        for tick in UInt64(11)...UInt64(510) {
            s.excuse(tick: tick)
            #expect(s.check(tick: tick) == .none)
        }
        #expect(s.state == .normal)
        // Then on time: silence counts again, 100 ticks after the last excused one.
        #expect(s.check(tick: 610) == .none)
        #expect(s.check(tick: 611) == .enteredFailSafe(.silence))
    }
}
