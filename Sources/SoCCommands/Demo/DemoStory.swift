/// The story `splitsoc demo` tells, phase by phase, in the words a newcomer reads.
///
/// The schedule is a pure function of the run's duration so that the live view, the report and the
/// tests agree on when each phase starts without sharing any clock.
package enum DemoPhase: String, Codable, Sendable, CaseIterable {
    case regulation
    case hotSwap = "hot-swap"
    case moduleFault = "module-fault"
    case appKilled = "app-killed"
    case recovery

    /// A short title for headings, the live view and the report's timeline.
    package var title: String {
        switch self {
        case .regulation: "Normal regulation"
        case .hotSwap: "Hot swap of the regulator (thermostat 1.0 -> 1.1)"
        case .moduleFault: "Injected module fault (thermostat-faulty traps)"
        case .appKilled: "Application core killed (SIGKILL)"
        case .recovery: "Application core restarted"
        }
    }

    /// A label short enough for a chart band.
    package var shortTitle: String {
        switch self {
        case .regulation: "1 regulation"
        case .hotSwap: "2 hot swap 1.0→1.1"
        case .moduleFault: "3 module fault"
        case .appKilled: "4 app core killed"
        case .recovery: "5 app core restarted"
        }
    }

    /// What happens in this phase, in plain words.
    package var story: String {
        switch self {
        case .regulation:
            "The real-time core samples the temperature and drives the heater. The application core runs the "
                + "thermostat as a sandboxed Wasm module and sends heater commands back over the link."
        case .hotSwap:
            "We replace the running thermostat module with version 1.1 (stronger gains) while everything keeps "
                + "running. The new module is loaded and checked before it takes over."
        case .moduleFault:
            "We load a broken thermostat that crashes (a Wasm trap) after 20 batches. The application core "
                + "catches the trap, and because the new module is still on probation it puts the previous "
                + "version back automatically."
        case .appKilled:
            "We kill the application core with SIGKILL, as if it crashed hard. The real-time core stops hearing "
                + "heartbeats and, on its own, switches to fail-safe: a simple, conservative on-off "
                + "thermostat of its own (low duty, around the setpoint, never above a safe ceiling) replaces the module's commands."
        case .recovery:
            "We start a fresh application core with its configured modules (thermostat 1.0 again). It says hello, "
                + "the real-time core counts a resynchronisation, the session is re-established and regulation resumes."
        }
    }

    /// What to watch for on screen during this phase.
    package var watchFor: String {
        switch self {
        case .regulation: "temperature moving toward the setpoint, heater duty settling, round trips in microseconds"
        case .hotSwap: "regulator version 1.0 -> 1.1, link stays up, safety stays normal"
        case .moduleFault: "a trap counted, then 'rolled back' to 1.1; the real-time core stays normal"
        case .appKilled: "link down, safety FAIL-SAFE, heater duty switching to the local fallback (on/off, low duty)"
        case .recovery: "link up again, session number +1, resyncs +1, safety back to normal"
        }
    }

    /// The share of the run's duration this phase gets. The shares sum to 1.
    var share: Double {
        switch self {
        case .regulation: 0.25
        case .hotSwap: 0.15
        case .moduleFault: 0.20
        case .appKilled: 0.15
        case .recovery: 0.25
        }
    }
}

/// When each phase starts and ends (seconds since the demo started).
package struct DemoSchedule: Sendable, Equatable {
    /// One scheduled phase.
    package struct Slot: Sendable, Equatable {
        /// The phase.
        package var phase: DemoPhase
        /// Start, seconds since the demo started.
        package var start: Double
        /// End, seconds since the demo started.
        package var end: Double
    }

    /// The phases in story order.
    package var slots: [Slot]

    /// Splits `duration` seconds among `phases` by their shares (the last one takes the rest).
    package init(duration: Double, phases: [DemoPhase] = DemoPhase.allCases) {
        var start = 0.0
        var slots: [Slot] = []
        let total = phases.reduce(0) { $0 + $1.share }
        for phase in phases {
            let end = phase == phases.last ? duration : start + duration * phase.share / total
            slots.append(Slot(phase: phase, start: start, end: end))
            start = end
        }
        self.slots = slots
    }

    /// The phase running at `elapsed` seconds (the last one after the end).
    package func phase(at elapsed: Double) -> DemoPhase {
        slots.first { elapsed < $0.end }?.phase ?? slots[slots.count - 1].phase
    }

    /// The slot of `phase`, nil when the schedule leaves it out (`--no-story`).
    package func slot(of phase: DemoPhase) -> Slot? {
        slots.first { $0.phase == phase }
    }
}
