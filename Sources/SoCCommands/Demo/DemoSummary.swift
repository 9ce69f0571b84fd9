import Foundation

/// The machine-readable result of a demo run, written as `summary.json`.
///
/// Keys are snake_case and sorted so that two runs diff cleanly. Version 1.
package struct DemoSummary: Codable, Sendable, Equatable {
    /// One phase as it ran.
    package struct Phase: Codable, Sendable, Equatable {
        package var name: String
        package var title: String
        package var startS: Double
        package var endS: Double

        enum CodingKeys: String, CodingKey {
            case name, title, startS = "start_s", endS = "end_s"
        }
    }

    /// One of the story's checks.
    package struct Check: Codable, Sendable, Equatable {
        package var name: String
        package var passed: Bool
        package var detail: String
    }

    /// Round-trip figures over the run, from the real-time core's 1-second windows.
    package struct RoundTrip: Codable, Sendable, Equatable {
        /// Number of status windows with a round trip measured.
        package var windows: Int
        /// The median of the windows' medians.
        package var p50Us: Int
        /// The median of the windows' 99th percentiles.
        package var p99Us: Int
        /// The worst window's 99th percentile.
        package var worstP99Us: Int
        /// The largest round trip seen.
        package var maxUs: Int
        /// Whole-run figures from the real-time core's own summary (every round trip, not windows),
        /// when it wrote one.
        package var runP50Us: Int?
        package var runP99Us: Int?
        package var runMaxUs: Int?
        package var runCount: Int?

        enum CodingKeys: String, CodingKey {
            case windows, p50Us = "p50_us", p99Us = "p99_us", worstP99Us = "worst_p99_us", maxUs = "max_us"
            case runP50Us = "run_p50_us", runP99Us = "run_p99_us", runMaxUs = "run_max_us", runCount = "run_count"
        }
    }

    /// Temperature minus setpoint while the real-time core regulated normally, from the first time
    /// the temperature came within 0.5 °C of the setpoint (the warm-up from ambient is not an error
    /// of the regulator).
    package struct TemperatureError: Codable, Sendable, Equatable {
        /// When the temperature first came within 0.5 °C of the setpoint (nil: never; then the
        /// figures cover every normal sample).
        package var reachedSetpointAtS: Double?
        package var samples: Int
        package var meanMilliC: Int
        package var meanAbsMilliC: Int
        package var rmsMilliC: Int
        package var maxAbsMilliC: Int
        /// The last normal sample's error.
        package var finalMilliC: Int

        enum CodingKeys: String, CodingKey {
            case reachedSetpointAtS = "reached_setpoint_at_s", samples, meanMilliC = "mean_mC", meanAbsMilliC = "mean_abs_mC", rmsMilliC = "rms_mC"
            case maxAbsMilliC = "max_abs_mC", finalMilliC = "final_mC"
        }
    }

    package var version = 1
    package var board: String
    package var transport: String
    package var startedAt: String
    package var durationS: Double
    package var phases: [Phase]
    /// Final counters of the real-time core (one process for the whole run).
    package var rtCounters: [String: Int]
    /// Counters of the application core, summed over its processes (it is restarted once).
    package var appCounters: [String: Int]
    package var failsafeEntries: Int
    /// Fail-safe entries the real-time core made while being stopped (the application core is
    /// stopped first, so its Goodbye can put the real-time core in fail-safe once more): counted in
    /// `rt-summary.json`'s `failsafe_entries`, not in `failsafeEntries`. Nil when there was none.
    package var failsafeEntriesAtStop: Int?
    package var resyncs: Int
    package var swaps: Int
    package var rollbacks: Int
    package var traps: Int
    package var rtt: RoundTrip
    package var temperatureError: TemperatureError
    package var events: [DemoEvent]
    package var checks: [Check]
    /// Child processes still alive after clean-up (must be 0).
    package var childrenLeft: Int
    package var passed: Bool

    enum CodingKeys: String, CodingKey {
        case version, board, transport, startedAt = "started_at", durationS = "duration_s", phases
        case rtCounters = "rt_counters", appCounters = "app_counters", failsafeEntries = "failsafe_entries"
        case failsafeEntriesAtStop = "failsafe_entries_at_stop"
        case resyncs, swaps, rollbacks, traps, rtt, temperatureError = "temperature_error", events, checks
        case childrenLeft = "children_left", passed
    }

    /// The JSON text of the summary (pretty, sorted keys).
    package func jsonData() throws -> Data {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
        return try encoder.encode(self)
    }
}

/// Event-kind predicates shared by the summary and the report (the application core may spell
/// kinds with `_`, `-` or camel case; these compare letters only).
package enum EventKind {
    static func letters(_ kind: String) -> String { kind.lowercased().filter(\.isLetter) }
    /// A completed hot swap.
    package static func isSwap(_ event: DemoEvent) -> Bool {
        event.source == .app && letters(event.kind) == "swapped"
    }
    /// An automatic rollback.
    package static func isRollback(_ event: DemoEvent) -> Bool {
        event.source == .app && letters(event.kind).hasPrefix("rolled")
    }
    /// A module fault the application core caught: a trap, running out of fuel, a missed deadline
    /// or a module-reported fault.
    package static func isTrap(_ event: DemoEvent) -> Bool {
        guard event.source == .app else { return false }
        let kind = letters(event.kind)
        return kind.hasPrefix("trap") || kind == "fault" || kind == "outoffuel" || kind == "deadlineexceeded"
    }
}

extension DemoSummary {
    /// Builds the summary of `recording`.
    ///
    /// - Parameters:
    ///   - recording: what the demo observed.
    ///   - board: the board name.
    ///   - transport: `ipc` or `tcp`.
    ///   - startedAt: the wall-clock start, ISO 8601.
    ///   - childrenLeft: child processes found alive after clean-up.
    package static func make(
        recording: DemoRecording,
        board: String,
        transport: String,
        startedAt: String,
        childrenLeft: Int,
        planned: Set<DemoPhase> = Set(DemoPhase.allCases),
        rtSummary: [String: Any]? = nil
    ) -> DemoSummary {
        let events = recording.allEvents
        let phases = recording.phaseSpans.map {
            Phase(name: $0.phase.rawValue, title: $0.phase.title, startS: round3($0.start), endS: round3($0.end))
        }
        let lastRT = recording.rt.last?.value ?? RTStatus()
        let rtCounters: [String: Int] = [
            "ticks": lastRT.tick, "rx_frames": lastRT.rxFrames, "tx_frames": lastRT.txFrames,
            "rx_rejected": lastRT.rxRejected, "tx_dropped": lastRT.txDropped, "frames_lost": lastRT.framesLost,
            "commands_applied": lastRT.commandsApplied, "commands_clamped": lastRT.commandsClamped,
            "commands_expired": lastRT.commandsExpired, "failsafe_entries": lastRT.failsafeEntries,
            "resyncs": lastRT.resyncs, "deadline_misses": lastRT.deadlineMisses,
        ]
        let appCounters = summedAppCounters(recording.app.map(\.value))
        let swaps = events.filter(EventKind.isSwap).count
        let rollbacks = events.filter(EventKind.isRollback).count
        let trapEvents = events.filter(EventKind.isTrap).count
        let traps = max(trapEvents, appCounters["traps"] ?? 0)

        var summary = DemoSummary(
            board: board,
            transport: transport,
            startedAt: startedAt,
            durationS: round3(recording.endedAt),
            phases: phases,
            rtCounters: rtCounters,
            appCounters: appCounters,
            failsafeEntries: lastRT.failsafeEntries,
            resyncs: lastRT.resyncs,
            swaps: swaps,
            rollbacks: rollbacks,
            traps: traps,
            rtt: roundTrip(recording.rt.map(\.value)),
            temperatureError: temperatureError(recording),
            events: events.map { var e = $0; e.at = round3(e.at); return e },
            checks: [],
            childrenLeft: childrenLeft,
            passed: false
        )
        if let total = rtSummary?["failsafe_entries"] as? Int, total > lastRT.failsafeEntries {
            summary.failsafeEntriesAtStop = total - lastRT.failsafeEntries
        }
        if let rtt = rtSummary?["rtt_us"] as? [String: Any] {
            summary.rtt.runP50Us = rtt["p50"] as? Int
            summary.rtt.runP99Us = rtt["p99"] as? Int
            summary.rtt.runMaxUs = rtt["max"] as? Int
            summary.rtt.runCount = rtt["count"] as? Int
        }
        summary.checks = DemoChecks.evaluate(
            recording: recording, events: events, childrenLeft: childrenLeft, planned: planned)
        summary.passed = !summary.checks.isEmpty && summary.checks.allSatisfy(\.passed)
        return summary
    }

    static func round3(_ value: Double) -> Double { (value * 1000).rounded() / 1000 }

    /// Sums the application core's counters over its processes: a counter that goes down means a
    /// new process started, so the previous process's last value is banked.
    static func summedAppCounters(_ telemetry: [AppTelemetry]) -> [String: Int] {
        func counters(_ t: AppTelemetry) -> [String: Int] {
            ["batches": t.batches, "rx_frames": t.rxFrames, "tx_frames": t.txFrames, "rx_rejected": t.rxRejected,
             "traps": t.traps, "fuel_total": t.fuelTotal]
        }
        var banked: [String: Int] = [:]
        var current: [String: Int] = [:]
        var processes = telemetry.isEmpty ? 0 : 1
        var previousBatches = -1
        for t in telemetry {
            if t.batches < previousBatches {
                banked.merge(current, uniquingKeysWith: +)
                current = [:]
                processes += 1
            }
            // Module counters restart on a swap; keep each counter's running maximum per process.
            current.merge(counters(t), uniquingKeysWith: { Swift.max($0, $1) })
            previousBatches = t.batches
        }
        banked.merge(current, uniquingKeysWith: +)
        banked["processes"] = processes
        return banked
    }

    static func roundTrip(_ statuses: [RTStatus]) -> RoundTrip {
        let windows = statuses.compactMap { s -> PublishedPercentiles? in
            guard s.link == "up", let rtt = s.rttMicroseconds, rtt.p50 > 0 else { return nil }
            return rtt
        }
        func median(_ values: [Int]) -> Int {
            guard !values.isEmpty else { return 0 }
            return values.sorted()[values.count / 2]
        }
        return RoundTrip(
            windows: windows.count,
            p50Us: median(windows.map(\.p50)),
            p99Us: median(windows.map(\.p99)),
            worstP99Us: windows.map(\.p99).max() ?? 0,
            maxUs: windows.map(\.max).max() ?? 0
        )
    }

    /// Within this distance the setpoint counts as reached (milli-°C).
    static let reachedBandMilliC = 500

    static func temperatureError(_ recording: DemoRecording) -> TemperatureError {
        let normal = recording.rt.filter { $0.value.state == "normal" && $0.value.link == "up" }
        let reached = normal.first { abs($0.value.tempMilliC - $0.value.setpointMilliC) <= reachedBandMilliC }
        let errors = normal.filter { $0.at >= (reached?.at ?? -Double.infinity) }
            .map { $0.value.tempMilliC - $0.value.setpointMilliC }
        guard !errors.isEmpty else {
            return TemperatureError(reachedSetpointAtS: nil, samples: 0, meanMilliC: 0, meanAbsMilliC: 0, rmsMilliC: 0,
                                    maxAbsMilliC: 0, finalMilliC: 0)
        }
        let n = Double(errors.count)
        let mean = Double(errors.reduce(0, +)) / n
        let meanAbs = Double(errors.reduce(0) { $0 + abs($1) }) / n
        let rms = (errors.reduce(0.0) { $0 + Double($1) * Double($1) } / n).squareRoot()
        return TemperatureError(
            reachedSetpointAtS: reached.map { round3($0.at) },
            samples: errors.count,
            meanMilliC: Int(mean.rounded()),
            meanAbsMilliC: Int(meanAbs.rounded()),
            rmsMilliC: Int(rms.rounded()),
            maxAbsMilliC: errors.map(abs).max() ?? 0,
            finalMilliC: errors.last ?? 0
        )
    }
}
