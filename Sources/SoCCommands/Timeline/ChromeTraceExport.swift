import Foundation

/// A timeline as Chrome trace-event JSON (the "JSON Array/Object Format" that chrome://tracing,
/// Perfetto's UI and speedscope open): the real-time core, the bridge and the application core as
/// three processes on one time axis, in microseconds of the run's clock (virtual time in
/// virtual-clock runs, so the file is deterministic too).
package enum ChromeTraceExport {
    /// Process ids of the three lanes.
    package enum Lane: Int {
        case realTime = 1, bridge = 2, application = 3
    }

    package static func json(_ timeline: TraceTimeline) -> String {
        var events: [[String: Any]] = metadata(timeline)
        let us = Double(timeline.periodNanoseconds) / 1000
        func ts(_ tick: UInt64) -> Double { Double(tick) * us }
        events += stateSlices(timeline, ts: ts)
        for (tick, target, value) in timeline.actuators {
            events.append(counter("actuator target \(target) (‰)", tick: ts(tick), tid: 2, value: value))
        }
        for (tick, channel, value) in timeline.samples {
            events.append(counter("sample ch \(channel) (milli-units)", tick: ts(tick), tid: 3, value: value))
        }
        for point in timeline.points {
            events.append(instant(point.name, detail: point.detail, tick: ts(point.tick), pid: .realTime, tid: 4))
        }
        for interlock in timeline.interlocks {
            events.append(instant("interlock \(interlock.name) \(interlock.on ? "on" : "off")", detail: "", tick: ts(interlock.tick), pid: .realTime, tid: 4))
        }
        events += commandEvents(timeline, ts: ts, us: us)
        let object: [String: Any] = [
            "traceEvents": events, "displayTimeUnit": "ms",
            "otherData": ["board": timeline.board, "clock": timeline.clock, "tick_hz": timeline.tickHz],
        ]
        let data = (try? JSONSerialization.data(withJSONObject: object, options: [.sortedKeys])) ?? Data("{}".utf8)
        return String(decoding: data, as: UTF8.self)
    }

    static func metadata(_ timeline: TraceTimeline) -> [[String: Any]] {
        let processes: [(Lane, String, [(Int, String)])] = [
            (.realTime, "real-time core (splitsoc-rt, \(timeline.board))",
             [(1, "supervisor"), (2, "actuators"), (3, "sensors"), (4, "events")]),
            (.bridge, "bridge (link)", [(1, "commands in flight app → rt")]),
            (.application, "application core (splitsoc-app)", [(1, "batches")]),
        ]
        var events: [[String: Any]] = []
        for (lane, name, threads) in processes {
            events.append(["ph": "M", "pid": lane.rawValue, "tid": 0, "name": "process_name", "args": ["name": name]])
            for (tid, thread) in threads {
                events.append(["ph": "M", "pid": lane.rawValue, "tid": tid, "name": "thread_name", "args": ["name": thread]])
            }
        }
        return events
    }

    /// One complete ("X") slice per supervisor state, from its change to the next.
    static func stateSlices(_ timeline: TraceTimeline, ts: (UInt64) -> Double) -> [[String: Any]] {
        var events: [[String: Any]] = []
        for (index, change) in timeline.states.enumerated() {
            let end = index + 1 < timeline.states.count ? timeline.states[index + 1].tick : timeline.lastTick + 1
            events.append([
                "ph": "X", "pid": Lane.realTime.rawValue, "tid": 1, "name": change.state, "ts": ts(change.tick),
                "dur": max(ts(end) - ts(change.tick), 0), "args": ["reason": change.reason],
            ])
        }
        return events
    }

    /// Each command as a slice on the bridge lane from the tick it was computed from to its
    /// arrival, and the batches (one per grant) on the application lane.
    static func commandEvents(_ timeline: TraceTimeline, ts: (UInt64) -> Double, us: Double) -> [[String: Any]] {
        var events: [[String: Any]] = []
        var lastGrant: UInt64?
        for command in timeline.commands {
            let from = command.fromTick ?? command.tick
            let start = ts(from + 1)
            events.append([
                "ph": "X", "pid": Lane.bridge.rawValue, "tid": 1, "name": "command target \(command.target)",
                "ts": start, "dur": max(ts(command.tick) - start, us / 10),
                "args": ["value": command.value, "computed_from_tick": from, "arrived_tick": command.tick],
            ])
            if from != lastGrant {
                lastGrant = from
                events.append(instant("batch through tick \(from)", detail: "grant \(from + 1)", tick: start, pid: .application, tid: 1))
            }
        }
        return events
    }

    static func counter(_ name: String, tick: Double, tid: Int, value: Int) -> [String: Any] {
        ["ph": "C", "pid": Lane.realTime.rawValue, "tid": tid, "name": name, "ts": tick, "args": ["value": value]]
    }

    static func instant(_ name: String, detail: String, tick: Double, pid: Lane, tid: Int) -> [String: Any] {
        ["ph": "i", "s": "t", "pid": pid.rawValue, "tid": tid, "name": name, "ts": tick, "args": ["detail": detail]]
    }
}
