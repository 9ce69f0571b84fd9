import Foundation
import RTCore
import SoCTesting

extension ManualClock: TickClock {}

/// Board files of the repository, read from `firmware-mock/boards`.
enum Boards {
    static let directory = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        .appendingPathComponent("firmware-mock/boards")

    static func text(_ name: String) throws -> String {
        try String(contentsOf: directory.appendingPathComponent("\(name).toml"), encoding: .utf8)
    }

    static func load(_ name: String) throws -> BoardDescription {
        try BoardDescription.parse(text(name), source: "\(name).toml")
    }
}

/// A deterministic stand-in for the application core, run in lockstep on the virtual clock: it
/// reads the samples of each quantum and answers with a proportional heater (or motor) command,
/// then the ack. `silent` makes it stop answering (a crash); `hello()` queues a new handshake.
final class LockstepHarness {
    let engine: RTEngine<VirtualClock>
    let writer: TraceWriter
    let quantum: Int
    var appAnswers = true
    var commandTarget: UInt8 = 1
    var validTicks: UInt16 = 0
    var lastTemperature: Int32 = 0
    var lastSetpoint: Int32 = 0
    var lastSpeed: Int32 = 0
    var samplesSeen = 0
    var grants: [UInt64] = []
    var rejects = 0
    /// `endSession` requests from the supervisor (SPEC §4.8 way 3).
    var sessionEndRequests = 0
    /// Extra events to inject at the next quantum boundary.
    var pending: [InboundEvent] = []

    init(
        board: BoardDescription, seed: UInt64, quantum: Int = 10, tracePath: String? = nil, setpoint: Int32? = nil
    ) throws {
        engine = RTEngine(
            board: board, options: RTRunOptions(seed: seed, setpoint: setpoint), clock: VirtualClock(),
            traceTiming: false, origin: 0)
        writer = try TraceWriter(path: tracePath)
        writer.writeHeader(board: board.name, clock: "virtual", seed: seed, tickHz: board.tickHz, quantum: quantum)
        self.quantum = quantum
    }

    var node: RTNode { engine.node }

    func handshake() {
        engine.node.inbound.tryPush(InboundEvent(kind: .sessionEstablished))
    }

    /// Runs `count` quanta of `quantum` ticks with the stand-in application core in the loop.
    func run(quanta count: Int) {
        for _ in 0..<count {
            for _ in 0..<quantum { engine.step() }
            engine.drainTrace(into: writer)
            while let message = engine.node.outbound.tryPop() {
                switch message.kind {
                case .sample:
                    samplesSeen += 1
                    switch message.channel {
                    case 0: lastTemperature = message.value
                    case 1: lastSetpoint = message.value
                    case 3: lastSpeed = message.value
                    default: break
                    }
                case .tickGrant: grants.append(message.tick)
                case .reject: rejects += 1
                case .endSession: sessionEndRequests += 1
                }
            }
            for event in pending { engine.node.inbound.tryPush(event) }
            pending.removeAll()
            guard appAnswers else { continue }
            let value: Int32
            if commandTarget == 3 {
                value = Int32(clamping: (200_000 - Int(lastSpeed)) / 100)
            } else {
                value = Int32(clamping: (Int(lastSetpoint) - Int(lastTemperature)) / 2)
            }
            engine.node.inbound.tryPush(.command(target: commandTarget, value: value, validTicks: validTicks))
            engine.node.inbound.tryPush(InboundEvent(kind: .tickAck))
        }
    }

    func digest() -> String { writer.finish() }
}
