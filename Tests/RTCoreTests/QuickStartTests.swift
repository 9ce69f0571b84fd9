import RTCore
import Testing

@Suite("RTCore DocC quick start")
struct QuickStartTests {
    /// The code of `Sources/RTCore/Docs.docc/RTCore.md`, kept runnable.
    @Test("The quick start runs: normal state, the commanded duty, a 64-digit digest")
    func quickStart() throws {
        let text = """
            [board]
            name = "demo"
            tick_hz = 1000
            plant = "thermal"
            sensor = "adc-thermistor"
            """
        let board = try BoardDescription.parse(text, source: "demo.toml")
        let engine = RTEngine(board: board, options: RTRunOptions(seed: 42), clock: VirtualClock(), traceTiming: false, origin: 0)
        let trace = try TraceWriter(path: nil)
        trace.writeHeader(board: board.name, clock: "virtual", seed: 42, tickHz: board.tickHz, quantum: 1)
        engine.node.inbound.tryPush(InboundEvent(kind: .sessionEstablished))
        engine.node.inbound.tryPush(.command(target: CommandTarget.heaterDuty, value: 400, validTicks: 2000))
        for _ in 0..<1000 {
            engine.node.inbound.tryPush(InboundEvent(kind: .tickAck))   // the application core is alive
            engine.step()
            engine.drainTrace(into: trace)
            while engine.node.outbound.tryPop() != nil {}
        }
        #expect(engine.node.supervisor.state == .normal)
        #expect(engine.node.appliedDuty == 400)
        #expect(trace.finish().count == 64)
    }
}
