import CAllocationCounter
import RTCore
import Testing

/// The tick must not allocate (STYLE.md §5). Counting is per thread (CAllocationCounter.h), so the
/// measured code is synchronous and runs on the test's thread.
@Suite("Zero-allocation tick")
struct AllocationTests {
    @Test("The allocation counter is linked and counts")
    func counterWorks() {
        #expect(splitsoc_alloc_is_interposed())
        splitsoc_alloc_enable()
        let array = [Int](repeating: 1, count: Int(splitsoc_alloc_is_enabled() ? 512 : 8))
        let counted = splitsoc_alloc_count()
        splitsoc_alloc_disable()
        #expect(array.count == 512)
        #expect(counted >= 1)
    }

    @Test("Thousands of steady-state ticks with commands and ring traffic allocate nothing", arguments: ["thermo-adc", "thermo-i2c", "motor-1k"])
    func steadyStateTick(board name: String) throws {
        let board = try Boards.load(name)
        let engine = RTEngine(
            board: board, options: RTRunOptions(seed: 5), clock: VirtualClock(), traceTiming: false, origin: 0)
        let node = engine.node
        let target: UInt8 = board.plant == .thermal ? 1 : 3
        // Warm up: first session, first command, first expiry paths, lazy globals.
        node.inbound.tryPush(InboundEvent(kind: .sessionEstablished))
        for _ in 0..<100 {
            node.inbound.tryPush(.command(target: target, value: 300, validTicks: 50))
            engine.step()
            while node.outbound.tryPop() != nil {}
            while node.trace.tryPop() != nil {}
        }
        splitsoc_alloc_enable()
        for i in 0..<5_000 {
            node.inbound.tryPush(.command(target: target, value: Int32(i % 700), validTicks: 50))
            node.inbound.tryPush(InboundEvent(kind: .tickAck))
            if i % 499 == 0 { node.inbound.tryPush(.command(target: 77, value: 1)) }  // rejected path, under the invalid limit
            engine.step()
            while node.outbound.tryPop() != nil {}
            while node.trace.tryPop() != nil {}
            _ = node.uart.ring.tryPop()
        }
        let allocations = splitsoc_alloc_count()
        splitsoc_alloc_disable()
        #expect(allocations == 0)
        #expect(node.supervisor.state == .normal)
        #expect(node.gate.counters.rejected > 0)
    }

    /// A thermo-adc engine on the virtual clock whose first tick has established a session.
    static func engineInSession() throws -> (BoardDescription, RTEngine<VirtualClock>) {
        let board = try Boards.load("thermo-adc")
        let engine = RTEngine(
            board: board, options: RTRunOptions(seed: 5), clock: VirtualClock(), traceTiming: false, origin: 0)
        engine.node.inbound.tryPush(InboundEvent(kind: .sessionEstablished))
        engine.step()
        return (board, engine)
    }

    @Test("Entering fail-safe and recovering in the tick allocates nothing")
    func transitions() throws {
        let (_, engine) = try Self.engineInSession()
        let node = engine.node
        // Warm-up cycle: first-use runtime work (type metadata, lazy globals) is not the tick's.
        node.inbound.tryPush(InboundEvent(kind: .peerLost))
        engine.step()
        node.inbound.tryPush(InboundEvent(kind: .sessionEstablished))
        engine.step()
        while node.uart.ring.tryPop() != nil {}
        splitsoc_alloc_enable()
        for cycle in 0..<20 {
            node.inbound.tryPush(InboundEvent(kind: cycle % 2 == 0 ? .peerLost : .peerLeft))
            for _ in 0..<50 { engine.step() }
            node.inbound.tryPush(InboundEvent(kind: .sessionEstablished))
            for _ in 0..<50 { engine.step() }
            while node.outbound.tryPop() != nil {}
            while node.trace.tryPop() != nil {}
            while node.uart.ring.tryPop() != nil {}
        }
        let allocations = splitsoc_alloc_count()
        splitsoc_alloc_disable()
        #expect(allocations == 0)
        #expect(node.supervisor.failSafeEntries == 21)
    }

    @Test("Fail-safe by invalid commands, validated commands in fail-safe and recovery by the streak allocate nothing")
    func recoveryStreak() throws {
        let (board, engine) = try Self.engineInSession()
        let node = engine.node
        func cycle() {
            // Invalid targets (motor duty on a thermal board) until fail-safe, then valid heartbeats
            // and commands (validated, not applied) until the streak recovers.
            for _ in 0..<board.invalidCommandLimit { node.inbound.tryPush(.command(target: 3, value: 1, sequence: 1)) }
            engine.step()
            for _ in 0..<(board.recoveryTicks + 5) {
                node.inbound.tryPush(InboundEvent(kind: .alive))
                node.inbound.tryPush(.command(target: 1, value: 400))
                engine.step()
            }
            while node.outbound.tryPop() != nil {}
            while node.trace.tryPop() != nil {}
            while node.uart.ring.tryPop() != nil {}
        }
        cycle()  // warm-up: first-use runtime work is not the tick's
        splitsoc_alloc_enable()
        for _ in 0..<10 { cycle() }
        let allocations = splitsoc_alloc_count()
        splitsoc_alloc_disable()
        #expect(allocations == 0)
        #expect(node.supervisor.recoveries == 11)
        #expect(node.supervisor.state == .normal)
    }
}
