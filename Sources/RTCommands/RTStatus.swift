import SoCWire
import Synchronization
import Foundation
import RTCore
import SoCLink
import ZeroMQ

/// The status PUB socket (`--status`), owned by the I/O thread: one `rt {json}` message per 100 ms.
/// Publishing never blocks; a message that cannot be queued is dropped.
final class StatusPublisher {
    private let socket: ZMQSocket

    init(endpoint: String, context: ZMQContext) throws(ZMQError) {
        socket = try ZMQSocket(context: context, type: .publisher, lingerMilliseconds: 0)
        try socket.bind(endpoint)
    }

    func publish(_ json: String) {
        var text = "rt " + json
        text.withUTF8 { bytes in
            _ = try? socket.trySend(UnsafeRawBufferPointer(bytes))
        }
    }
}

/// Builds the status object of docs/process-interfaces.md.
struct StatusSnapshot {
    var tMilliseconds: UInt64
    var mode: String
    var boardName: String
    var lateness: LatencyHistogram
    var roundTrip: LatencyHistogram

    func json(node: RTNode, link: RTLink) -> String {
        let t = node.telemetry
        let state = SupervisorState(rawValue: UInt8(truncatingIfNeeded: t.state.load(ordering: .relaxed)))?.name ?? "starting"
        let c = link.machine.counters
        let rejected = c.malformed &+ c.unexpected &+ UInt64(t.commandsRejected.load(ordering: .relaxed))
        let txDropped = link.txDropped &+ node.outbound.overruns
        func us(_ h: LatencyHistogram) -> String {
            "{\"p50\":\(h.value(atPercentile: 50).microseconds),\"p99\":\(h.value(atPercentile: 99).microseconds),\"max\":\(h.maximum.microseconds)}"
        }
        let motor = node.board.plant == .motor
        var fields: [String] = []
        fields.append("\"t_ms\":\(tMilliseconds)")
        fields.append("\"tick\":\(t.tick.load(ordering: .relaxed))")
        fields.append("\"mode\":\"\(mode)\"")
        fields.append("\"state\":\"\(state)\"")
        fields.append("\"link\":\"\(link.isEstablished ? "up" : "down")\"")
        fields.append("\"session\":\(link.sessionCount)")
        fields.append("\"board\":\"\(boardName)\"")
        fields.append("\"temp_mC\":\(motor ? 0 : t.measured.load(ordering: .relaxed))")
        fields.append("\"setpoint_mC\":\(motor ? 0 : t.setpoint.load(ordering: .relaxed))")
        fields.append("\"duty_permille\":\(t.duty.load(ordering: .relaxed))")
        fields.append("\"motor_mrad_s\":\(t.motorSpeed.load(ordering: .relaxed))")
        fields.append("\"motor_setpoint_mrad_s\":\(motor ? t.setpoint.load(ordering: .relaxed) : 0)")
        fields.append("\"rx_frames\":\(c.framesReceived)")
        fields.append("\"tx_frames\":\(c.framesSent)")
        fields.append("\"rx_rejected\":\(rejected)")
        fields.append("\"tx_dropped\":\(txDropped)")
        fields.append("\"frames_lost\":\(c.framesLost)")
        fields.append("\"commands_applied\":\(t.commandsApplied.load(ordering: .relaxed))")
        fields.append("\"commands_clamped\":\(t.commandsClamped.load(ordering: .relaxed))")
        fields.append("\"commands_expired\":\(t.commandsExpired.load(ordering: .relaxed))")
        fields.append("\"failsafe_entries\":\(t.failSafeEntries.load(ordering: .relaxed))")
        fields.append("\"resyncs\":\(c.resynchronisations)")
        fields.append("\"deadline_misses\":\(t.deadlineMisses.load(ordering: .relaxed))")
        fields.append("\"peer_reported_lost\":\(c.peerReportedLost)")
        fields.append("\"recoveries\":\(node.supervisor.recoveries)")
        fields.append("\"catch_up_ticks\":\(node.catchUpTicks)")
        fields.append(
            "\"link_counters\":{\(c.jsonMembers),\"acks_ignored\":\(link.acksIgnored),\"ack_timeouts\":\(link.ackTimeouts),"
                + "\"sessions_ended_by_supervisor\":\(link.sessionsEndedBySupervisor)}")
        fields.append("\"lateness_us\":\(us(lateness))")
        fields.append("\"rtt_us\":\(us(roundTrip))")
        return "{" + fields.joined(separator: ",") + "}"
    }
}
