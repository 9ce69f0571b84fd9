import Foundation

/// Runs checks one after the other, each with a clean inbox; with `--exec` it restarts the peer
/// before a check that needs a fresh one and after a failed check (so one failure does not cascade).
///
/// Not thread-safe: owned by the command's thread.
final class ConformanceRunner {
    let run: ConformanceRun
    let checks: [ConformanceCheck]
    /// The peer must be restarted before the next check (`--exec`).
    private var peerDirty = false

    init(run: ConformanceRun, checks: [ConformanceCheck]) {
        self.run = run
        self.checks = checks
    }

    /// Runs every check, calling `output` with each line as soon as the check ends.
    func runAll(output: (String) -> Void) -> ConformanceReport {
        var report = ConformanceReport(role: run.role)
        for check in checks {
            let result = runOne(check)
            report.append(result)
            output(ConformanceReport.line(for: result))
        }
        return report
    }

    private func runOne(_ check: ConformanceCheck) -> CheckResult {
        let start = ContinuousClock.now
        if let problem = preparePeer(for: check) { return CheckResult(check: check, outcome: problem, seconds: 0) }
        run.startCheck()
        var outcome = Self.outcome { try check.body(run) }
        let undecodable = run.wire.connections.flatMap(\.undecodableFrames)
        if case .passed = outcome, let first = undecodable.first {
            outcome = .failed("the peer sent \(undecodable.count) frame(s) that do not decode, first \(first.summary)")
        }
        if run.role == .rt { run.endCheck() }
        if case .failed(let reason) = outcome, let process = run.peerProcess, !process.isRunning {
            outcome = .failed(reason + " (the peer process ended: \(process.status); stderr: \(process.stderrTail()))")
        }
        if case .failed = outcome { peerDirty = true }
        if check.needsFreshPeer { peerDirty = true }
        return CheckResult(check: check, outcome: outcome, seconds: (ContinuousClock.now - start).inMilliseconds / 1000)
    }

    /// Runs `body` and maps what it throws to an outcome.
    static func outcome(_ body: () throws -> String?) -> CheckOutcome {
        do {
            return .passed(note: try body())
        } catch let skipped as CheckSkipped {
            return .skipped(skipped.description)
        } catch let failure as CheckFailure {
            return .failed(failure.description)
        } catch {
            return .failed("the kit failed: \(error)")
        }
    }

    /// Restarts the peer when the check needs a fresh one or the last check left it dirty.
    /// - Returns: an outcome when the check cannot run (SKIP without `--exec`, FAIL when the start fails).
    private func preparePeer(for check: ConformanceCheck) -> CheckOutcome? {
        guard let process = run.peerProcess else {
            return check.needsFreshPeer ? .skipped("needs a freshly started peer: run the kit with --exec \"COMMAND …\"") : nil
        }
        guard check.needsFreshPeer || peerDirty || !process.isRunning else { return nil }
        do {
            try restart(process)
        } catch {
            return .failed("cannot start the peer (\(process.words.joined(separator: " "))): \(error)")
        }
        return nil
    }

    private func restart(_ process: PeerProcess) throws {
        process.stop()
        // Frames the old process left in the socket belong to nobody now.
        try run.wire.pump(for: .milliseconds(20))
        run.router.forgetPeer()
        try process.restart()
        peerDirty = false
    }
}
