import RTCore
import Testing

@Suite("Command gate: validation, clamping, expiry")
struct CommandGateTests {
    @Test("A heater duty within limits is accepted unchanged; outside, clamped and counted")
    func clamping() throws {
        var gate = CommandGate(board: try Boards.load("thermo-i2c"))  // heater max 800 ‰
        #expect(gate.receive(target: 1, value: 500, validTicks: 0, tick: 0) == .accepted(value: 500, clamped: false))
        #expect(gate.receive(target: 1, value: 950, validTicks: 0, tick: 1) == .accepted(value: 800, clamped: true))
        #expect(gate.receive(target: 1, value: -3, validTicks: 0, tick: 2) == .accepted(value: 0, clamped: true))
        #expect(gate.receive(target: 2, value: 99_000, validTicks: 0, tick: 3) == .accepted(value: 70_000, clamped: true))
        #expect(gate.counters.clamped == 3)
        #expect(gate.counters.accepted == 4)
    }

    @Test("Unknown targets and targets the board lacks are rejected and counted")
    func rejection() throws {
        var gate = CommandGate(board: try Boards.load("thermo-adc"))
        #expect(gate.receive(target: 9, value: 1, validTicks: 0, tick: 0) == .rejected(.unknownTarget))
        #expect(gate.receive(target: 3, value: 1, validTicks: 0, tick: 0) == .rejected(.unsupportedTarget))
        var motorGate = CommandGate(board: try Boards.load("motor-1k"))
        #expect(motorGate.receive(target: 1, value: 1, validTicks: 0, tick: 0) == .rejected(.unsupportedTarget))
        #expect(motorGate.receive(target: 3, value: -1500, validTicks: 0, tick: 0) == .accepted(value: -1000, clamped: true))
        #expect(gate.counters.rejected == 2)
        #expect(!gate.heater.active)
    }

    @Test("A command holds for validTicks ticks, or the board's default when 0, then expires once")
    func expiry() throws {
        var gate = CommandGate(board: try Boards.load("thermo-adc"))  // default 500 ticks
        _ = gate.receive(target: 1, value: 100, validTicks: 10, tick: 100)
        #expect(gate.expire(tick: 109) == 0)
        #expect(gate.heater.active)
        #expect(gate.expire(tick: 110) == 1 << 1)
        #expect(!gate.heater.active)
        #expect(gate.expire(tick: 111) == 0)
        _ = gate.receive(target: 2, value: 30_000, validTicks: 0, tick: 200)
        #expect(gate.expire(tick: 699) == 0)
        #expect(gate.expire(tick: 700) == 1 << 2)
        #expect(gate.counters.expired == 2)
    }
}
