import SoCWire
import Synchronization
import Foundation
import RTCore
import SoCLink

/// The end-of-run report: stdout lines and the `--summary` JSON file.
struct RunSummary {
    var configuration: RTConfiguration
    var digest: String
    var ticks: UInt64
    var wallSeconds: Double
    var traceRecords: UInt64
    var settings: ThreadSettings.Outcome
    var tickLateness: LatencyHistogram
    var roundTrip: LatencyHistogram
    var deadlineMisses: UInt64
    var overruns: UInt64
    /// Per-task statistics, indexed by `TaskKind.rawValue`.
    var tasks: [TaskStatistics] = []

    func write(node: RTNode, link: RTLink?) {
        let virtualSeconds = Double(ticks) / Double(configuration.board.tickHz)
        let speed = wallSeconds > 0 ? virtualSeconds / wallSeconds : 0
        let s = node.supervisor
        let g = node.gate.counters
        say(
            "run summary mode=\(configuration.modeName) board=\(configuration.board.name) ticks=\(ticks) "
                + "state=\(s.state.name) failsafe_entries=\(s.failSafeEntries) failsafe_exits=\(s.failSafeExits) "
                + "commands_applied=\(g.accepted) commands_clamped=\(g.clamped) commands_rejected=\(g.rejected) "
                + "commands_expired=\(g.expired) deadline_misses=\(deadlineMisses) trace_lost=\(node.trace.overruns) "
                + String(format: "wall_s=%.3f speed=%.1fx", wallSeconds, speed))
        if configuration.clockMode == .real {
            say(
                "lateness_us p50=\(tickLateness.value(atPercentile: 50).microseconds) "
                    + "p99=\(tickLateness.value(atPercentile: 99).microseconds) max=\(tickLateness.maximum.microseconds)"
                    + " rtt_us p50=\(roundTrip.value(atPercentile: 50).microseconds) "
                    + "p99=\(roundTrip.value(atPercentile: 99).microseconds) max=\(roundTrip.maximum.microseconds)")
        }
        say("trace digest sha256:\(digest)")
        guard let path = configuration.summaryPath else { return }
        func hist(_ h: LatencyHistogram) -> String {
            "{\"p50\":\(h.value(atPercentile: 50).microseconds),\"p99\":\(h.value(atPercentile: 99).microseconds),\"max\":\(h.maximum.microseconds),\"count\":\(h.totalCount)}"
        }
        let c = link?.machine.counters ?? LinkCounters()
        let taskJSON = tasks.enumerated().map { index, t in
            let name = TaskKind(rawValue: index)?.name ?? "task\(index)"
            return "\"\(name)\":{\"runs\":\(t.runs),\"exec_us\":\(hist(t.execution)),\"lateness_us\":\(hist(t.lateness)),"
                + "\"deadline_misses\":\(t.deadlineMisses),\"overruns\":\(t.overruns)}"
        }.joined(separator: ",")
        let json = """
            {"board":"\(configuration.board.name)","mode":"\(configuration.modeName)","seed":\(configuration.options.seed),\
            "quantum":\(configuration.quantum),"ticks":\(ticks),"tick_hz":\(configuration.board.tickHz),\
            "wall_s":\(String(format: "%.6f", wallSeconds)),"speed_x":\(String(format: "%.2f", speed)),\
            "trace_sha256":"\(digest)","trace_records":\(traceRecords),"trace_lost":\(node.trace.overruns),\
            "state":"\(s.state.name)","failsafe_entries":\(s.failSafeEntries),"failsafe_exits":\(s.failSafeExits),\
            "sessions":\(s.sessions),"commands":{"received":\(g.received),"applied":\(g.accepted),"clamped":\(g.clamped),\
            "rejected":\(g.rejected),"expired":\(g.expired),"ignored":\(node.commandsIgnored)},\
            "interlock_trips":\(node.interlockTrips),"deadline_misses":\(deadlineMisses),"overruns":\(overruns),\
            "recoveries":\(s.recoveries),"catch_up_ticks":\(node.catchUpTicks),\
            "link":{\(c.jsonMembers),"acks_ignored":\(link?.acksIgnored ?? 0),"ack_timeouts":\(link?.ackTimeouts ?? 0),\
            "sessions_ended_by_supervisor":\(link?.sessionsEndedBySupervisor ?? 0),\
            "tx_dropped":\((link?.txDropped ?? 0) &+ node.outbound.overruns),"inbound_overruns":\(node.inbound.overruns)},\
            "link_security":\(configuration.linkSecurity.summaryJSON),\
            "tasks":{\(taskJSON)},\
            "lateness_us":\(hist(tickLateness)),"rtt_us":\(hist(roundTrip)),"thread":\(settings.json),\
            "final_process_milli":\(Int(node.trueProcessValue.rounded()))}
            """
        do {
            try (json + "\n").write(toFile: path, atomically: true, encoding: .utf8)
        } catch {
            warn("splitsoc-rt: cannot write summary \(path): \(error)")
        }
    }
}
