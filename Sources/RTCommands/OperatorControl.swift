import Foundation
import RTCore
import SoCParameters
import SoCWire
import Synchronization
import ZeroMQ

/// `splitsoc-rt --control ENDPOINT`: the operator's REP socket (one JSON request, one JSON reply;
/// docs/process-interfaces.md). It is served between ticks by the thread that already owns the
/// inbound ring's producer side (the I/O thread, or the virtual-clock driver), so an operator input
/// reaches the tick as an ordinary `InboundEvent`: applied at the next tick and traced as an
/// `input` record, exactly like a `--stimuli` line, so a session can be replayed from its trace.
///
/// Not thread-safe: owned by the I/O thread (real clock) or the virtual-clock driver.
final class OperatorControl {
    private let endpoint: Endpoint
    private let buffer = UnsafeMutableRawBufferPointer.allocate(byteCount: 16 * 1024, alignment: 8)
    private let node: RTNode
    private let clockMode: ClockMode
    /// Virtual clock only: the driver holds the next quantum while this is set.
    private(set) var paused = false
    /// Quanta the operator asked for while paused (`step`).
    private(set) var stepsPending = 0
    /// Operator inputs handed to the tick so far.
    private(set) var inputsSent = 0

    /// The bound REP socket, opened with the run's other sockets (`RTRunResources`) before the
    /// node exists, so that a bad endpoint fails the start like a bad `--status` does.
    final class Endpoint {
        let socket: ZMQSocket

        init(_ endpoint: String, context: ZMQContext) throws(ZMQError) {
            let socket = try ZMQSocket(context: context, type: .reply)
            try socket.bind(endpoint)
            self.socket = socket
        }
    }

    init(_ endpoint: Endpoint, node: RTNode, clockMode: ClockMode) {
        self.endpoint = endpoint
        self.node = node
        self.clockMode = clockMode
    }

    deinit { buffer.deallocate() }

    /// Answers every waiting request (never blocks).
    func serve() {
        while case .received(let count)? = try? endpoint.socket.tryReceive(into: buffer) {
            let text = String(decoding: UnsafeRawBufferPointer(rebasing: buffer[0..<count]), as: UTF8.self)
            var reply = answer(text)
            reply.withUTF8 { bytes in _ = try? endpoint.socket.send(UnsafeRawBufferPointer(bytes), flags: .dontWait) }
        }
    }

    /// Virtual clock: returns once the next quantum may run (not paused, or a step was asked for),
    /// serving requests and keeping the link alive (`service`: heartbeats, a new session) meanwhile.
    func holdWhilePaused(until stop: () -> Bool, service: () throws -> Void) rethrows {
        while paused && stepsPending == 0 && !stop() {
            _ = try? endpoint.socket.poll(timeoutMilliseconds: 20)
            serve()
            try service()
        }
        if stepsPending > 0 { stepsPending -= 1 }
    }

    private func answer(_ text: String) -> String {
        let request = (try? JSONSerialization.jsonObject(with: Data(text.utf8))) as? [String: Any]
        let decision = OperatorRequest.decide(request ?? [:], board: node.board, clockMode: clockMode)
        switch decision {
        case .input(let event, let echo):
            guard node.inbound.tryPush(event) else { return Self.refusal("the tick's inbound ring is full; try again") }
            inputsSent += 1
            return Self.object(["ok": true, "input": echo, "tick": Int(node.telemetry.tick.load(ordering: .relaxed))])
        case .pause:
            paused = true
            return status()
        case .resume:
            paused = false
            stepsPending = 0
            return status()
        case .step(let quanta):
            stepsPending += quanta
            return status()
        case .status:
            return status()
        case .refused(let why):
            return Self.refusal(why)
        }
    }

    private func status() -> String {
        Self.object([
            "ok": true, "clock": clockMode == .virtual ? "virtual" : "real", "paused": paused,
            "steps_pending": stepsPending, "tick": Int(node.telemetry.tick.load(ordering: .relaxed)),
            "inputs": inputsSent, "board": node.board.name,
        ])
    }

    static func refusal(_ why: String) -> String { object(["ok": false, "error": why]) }

    static func object(_ value: [String: Any]) -> String {
        let data = (try? JSONSerialization.data(withJSONObject: value, options: [.sortedKeys])) ?? Data("{}".utf8)
        return String(decoding: data, as: UTF8.self)
    }
}

/// What one operator request asks for, decided without any socket (unit-testable): the ranges are
/// the board file's (`SoCParameters`, `BoardDescription.operatorSetpointRange`), so the control
/// socket refuses exactly what a board file, a flag or a stimuli line refuses.
enum OperatorRequest: Equatable {
    /// An input for the tick, and its stimuli-file form (`setpoint 35000`) for the reply.
    case input(InboundEvent, echo: String)
    case pause, resume, status
    case step(quanta: Int)
    case refused(String)

    static func == (a: Self, b: Self) -> Bool { "\(a)" == "\(b)" }

    /// The largest `step` one request may ask for (a typo of 1e9 quanta would never end).
    static let maximumStep = 10_000

    /// Decides a decoded request object (`{"op":"setpoint","value":35000}` …).
    static func decide(_ request: [String: Any], board: BoardDescription, clockMode: ClockMode) -> OperatorRequest {
        guard let op = request["op"] as? String else { return .refused("expected a JSON object with an \"op\"") }
        let value = (request["value"] as? NSNumber).flatMap { Int32(exactly: $0.doubleValue) }
        switch op {
        case "setpoint":
            guard let value else { return .refused("setpoint needs an integer \"value\" (milli-units)") }
            if let refusal = board.operatorSetpointRange.refusal(of: value, as: "setpoint") { return .refused(refusal) }
            return input(.operatorSetpoint, value)
        case "ambient":
            guard board.plant == .thermal else { return .refused("board \(board.name) has no thermal plant: no ambient") }
            guard let value else { return .refused("ambient needs an integer \"value\" (milli-°C)") }
            if let refusal = Parameter.ambientTemperature.refusal(of: value, as: "ambient") { return .refused(refusal) }
            return input(.ambient, value)
        case "i2c-nack":
            guard board.sensor == .i2cTMP117 else { return .refused("board \(board.name) has no I2C sensor: no NACK rate") }
            guard let value else { return .refused("i2c-nack needs an integer \"value\" (‰)") }
            if let refusal = Parameter.i2cNack.refusal(of: value, as: "i2c-nack") { return .refused(refusal) }
            return input(.i2cNack, value)
        case "sensor":
            let name = request["mode"] as? String ?? ""
            guard let mode = SensorFaultMode.allCases.first(where: { $0.name == name }) else {
                return .refused("unknown sensor fault '\(name)' (ok, stuck, noisy, out-of-range)")
            }
            return .input(InboundEvent(kind: .sensorFault, value: Int32(mode.rawValue)), echo: "sensor \(mode.name)")
        case "pause", "resume", "step":
            return clockDecision(op, request: request, clockMode: clockMode)
        case "status":
            return .status
        default:
            return .refused("unknown op '\(op)' (setpoint, ambient, sensor, i2c-nack, pause, resume, step, status)")
        }
    }

    private static func input(_ kind: InboundKind, _ value: Int32) -> OperatorRequest {
        let word = kind == .operatorSetpoint ? "setpoint" : kind == .ambient ? "ambient" : "i2c-nack"
        return .input(InboundEvent(kind: kind, value: value), echo: "\(word) \(value)")
    }

    /// Pause, resume and step stop the virtual clock between quanta; the real clock cannot stop.
    private static func clockDecision(_ op: String, request: [String: Any], clockMode: ClockMode) -> OperatorRequest {
        guard clockMode == .virtual else {
            return .refused("\(op) needs splitsoc-rt --clock virtual: the real clock does not stop")
        }
        switch op {
        case "pause": return .pause
        case "resume": return .resume
        default:
            let quanta = (request["quanta"] as? NSNumber)?.intValue ?? 1
            guard (1...maximumStep).contains(quanta) else {
                return .refused("step quanta \(quanta) is out of range: must be 1...\(maximumStep)")
            }
            return .step(quanta: quanta)
        }
    }
}
