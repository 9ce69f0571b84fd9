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
}
