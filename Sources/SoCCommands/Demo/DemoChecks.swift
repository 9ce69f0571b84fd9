/// The story's checks: each phase should show what its announcement promised.
///
/// Pure functions of the recording, so a test can feed a hand-made recording and a real run is
/// judged by exactly the same rules.
package enum DemoChecks {
    /// Evaluates every check. A phase that never started fails its checks with a detail saying so.
    package static func evaluate(
        recording: DemoRecording,
        events: [DemoEvent],
        childrenLeft: Int,
        planned: Set<DemoPhase> = Set(DemoPhase.allCases)
    ) -> [DemoSummary.Check] {
        let spans = recording.phaseSpans
        func span(_ phase: DemoPhase) -> (start: Double, end: Double)? {
            spans.first { $0.phase == phase }.map { ($0.start, $0.end) }
        }
        func rtSamples(in range: (start: Double, end: Double)?) -> [RTStatus] {
            guard let range else { return [] }
            return recording.rt.filter { $0.at >= range.start && $0.at < range.end }.map(\.value)
        }
        func eventsIn(_ range: (start: Double, end: Double)?, _ predicate: (DemoEvent) -> Bool) -> [DemoEvent] {
            guard let range else { return [] }
            return events.filter { $0.at >= range.start && $0.at < range.end && predicate($0) }
        }
        func missing(_ phase: DemoPhase) -> String { "phase \(phase.rawValue) did not run" }
        var checks: [DemoSummary.Check] = []
        func check(_ name: String, _ passed: Bool, _ detail: String) {
            // A phase left out of the plan (`--no-story`) has no checks; one planned but not run fails.
            let phase: DemoPhase? =
                name.hasPrefix("hot swap") ? .hotSwap
                : name.hasPrefix("fault") ? .moduleFault
                : name.hasPrefix("kill") ? .appKilled
                : name.hasPrefix("recovery") ? .recovery
                : name.hasPrefix("regulation") ? .regulation : nil
            if let phase, !planned.contains(phase) { return }
            checks.append(DemoSummary.Check(name: name, passed: passed, detail: detail))
        }

        // Both cores were heard from.
        check("both cores reported", !recording.rt.isEmpty && !recording.app.isEmpty,
              "\(recording.rt.count) rt status messages, \(recording.app.count) app telemetry messages")

        // Regulation: commands reached the real-time core.
        let regulation = rtSamples(in: span(.regulation))
        let applied = (regulation.last?.commandsApplied ?? 0) - (regulation.first?.commandsApplied ?? 0)
        check("regulation: heater commands applied", applied > 0,
              span(.regulation) == nil ? missing(.regulation) : "\(applied) commands applied during the phase")

        // Hot swap.
        let hotSwap = span(.hotSwap)
        let swapped = eventsIn(hotSwap, EventKind.isSwap)
        check("hot swap: regulator swapped to 1.1", swapped.contains { $0.text.contains("1.1") },
              hotSwap == nil ? missing(.hotSwap) : (swapped.map(\.text).first ?? "no swap event"))
        let hotSwapFailsafes = failsafeEntries(rtSamples(in: hotSwap))
        check("hot swap: real-time core stayed normal", hotSwap != nil && hotSwapFailsafes == 0,
              hotSwap == nil ? missing(.hotSwap) : "\(hotSwapFailsafes) fail-safe entries during the swap")

        // Injected fault: trapped, rolled back, contained.
        let fault = span(.moduleFault)
        let faultEnd = fault.map { (start: $0.start, end: $0.end + 1.0) }
        let traps = eventsIn(faultEnd, EventKind.isTrap)
        let rollbacks = eventsIn(faultEnd, EventKind.isRollback)
        check("fault: trap caught by the application core", !traps.isEmpty,
              fault == nil ? missing(.moduleFault) : (traps.first?.text ?? "no trap event"))
        check("fault: faulty module rolled back automatically", !rollbacks.isEmpty,
              fault == nil ? missing(.moduleFault) : (rollbacks.first?.text ?? "no rollback event"))
        let faultFailsafes = failsafeEntries(rtSamples(in: fault))
        check("fault: real-time core stayed normal", fault != nil && faultFailsafes == 0,
              fault == nil ? missing(.moduleFault) : "\(faultFailsafes) fail-safe entries during the fault")

        // Kill and recovery.
        let killed = span(.appKilled)
        let recovery = span(.recovery)
        let entered = eventsIn(killed.map { ($0.start, recovery?.end ?? $0.end) }) { $0.kind == "failsafe-entered" }
        check("kill: real-time core entered fail-safe on its own", !entered.isEmpty,
              killed.map { start in
                  entered.first.map { "after \(ms($0.at - start.start)) ms" } ?? "no fail-safe entry seen"
              } ?? missing(.appKilled))
        let left = eventsIn(recovery.map { ($0.start, $0.end + 1.0) }) { $0.kind == "failsafe-left" }
        check("recovery: fail-safe left after the restart", !left.isEmpty,
              recovery.map { start in
                  left.first.map { "after \(ms($0.at - start.start)) ms" } ?? "still in fail-safe"
              } ?? missing(.recovery))
        let resyncs = eventsIn(recovery.map { ($0.start, $0.end + 1.0) }) { $0.kind == "resync" }
        let finalRT = recording.rt.last?.value
        check("recovery: resynchronisation counted and link up",
              !resyncs.isEmpty && finalRT?.link == "up",
              recovery == nil ? missing(.recovery)
                : "\(resyncs.count) resync(s); final link \(finalRT?.link ?? "unknown")")

        check("clean-up: no child process left", childrenLeft == 0, "\(childrenLeft) left")
        return checks
    }

    /// Fail-safe entries counted by the real-time core over a run of samples.
    static func failsafeEntries(_ samples: [RTStatus]) -> Int {
        guard let first = samples.first, let last = samples.last else { return 0 }
        let counted = last.failsafeEntries - first.failsafeEntries
        // Also a sample already in fail-safe counts: entry may predate the counter's first sample.
        return max(counted, samples.contains { $0.state == "failsafe" } ? 1 : 0)
    }

    static func ms(_ seconds: Double) -> Int { Int((seconds * 1000).rounded()) }
}
