import Synchronization
import CSystemShims
import Foundation
import RTCore
import SoCLink
import SoCWire

/// Everything a run needs, decided from the command line.
struct RTConfiguration {
    var board: BoardDescription
    var link: String
    var clockMode: ClockMode
    var quantum: Int
    var maxTicks: UInt64?
    var options: RTRunOptions
    var tracePath: String?
    var summaryPath: String?
    var statusEndpoint: String?
    var heartbeatMilliseconds: UInt16
    var livenessMilliseconds: UInt16
    var ackTimeoutMilliseconds: UInt32
    var threadSettings: ThreadSettings
    /// CURVE and the ipc directory rule (`--curve-*`, `--allow-shared-ipc-dir`).
    var linkSecurity = RTLinkSecurity()
    /// The operator's REP socket (`--control`; OperatorControl.swift).
    var controlEndpoint: String? = nil

    var modeName: String { clockMode == .virtual ? "virtual" : "real" }

    /// The link configuration the real-time core hands out in `HelloAck`. In virtual mode the
    /// liveness timeout is the ack timeout: the application core may legitimately be busy for a
    /// whole quantum, and the real-time core keeps heartbeating while it waits.
    var linkConfiguration: LinkConfiguration {
        let liveness = clockMode == .virtual
            ? UInt16(clamping: max(UInt32(livenessMilliseconds), ackTimeoutMilliseconds)) : livenessMilliseconds
        let parameters = SessionParameters(
            clockMode: clockMode, tickPeriodNanoseconds: UInt32(board.tickPeriodNanoseconds),
            quantumTicks: UInt16(quantum), heartbeatIntervalMilliseconds: heartbeatMilliseconds,
            livenessTimeoutMilliseconds: liveness, seed: UInt32(truncatingIfNeeded: options.seed))
        return LinkConfiguration(
            role: .realTime, capabilities: .all,
            requiredCapabilities: clockMode == .virtual ? [.lockstep] : [],  // SPEC §4.2: nothing else
            sessionParameters: parameters)
    }
}

/// Optional real-time settings of the tick thread; each reports whether it took effect.
struct ThreadSettings: Sendable {
    var priority: Int32?
    var cpu: Int32?
    var lockMemory: Bool

    /// What was applied, as `key=value` words for the `rt thread ...` line and the summary.
    struct Outcome: Sendable {
        var timerSlack = "default"
        var fifo = "off"
        var cpu = "any"
        var mlock = "off"
        var line: String { "rt thread timerslack=\(timerSlack) fifo=\(fifo) cpu=\(cpu) mlock=\(mlock)" }
        var json: String {
            "{\"timerslack\":\"\(timerSlack)\",\"fifo\":\"\(fifo)\",\"cpu\":\"\(cpu)\",\"mlock\":\"\(mlock)\"}"
        }
    }

    static func errorName(_ code: Int32) -> String {
        switch code {
        case EPERM: return "EPERM"
        case EINVAL: return "EINVAL"
        case ENOMEM: return "ENOMEM"
        default: return "errno\(code)"
        }
    }

    /// Locks memory (process-wide): call from the main thread before the tick thread starts.
    func applyProcessWide(_ outcome: inout Outcome) {
        guard lockMemory else { return }
        let rc = splitsoc_lock_memory()
        outcome.mlock = rc == 0 ? "on" : "refused(\(Self.errorName(rc)))"
    }

    /// Applies timer slack, affinity and SCHED_FIFO to the calling thread. Never fails: a refusal
    /// is reported in `outcome` and the thread runs without it.
    func applyToCurrentThread(_ outcome: inout Outcome) {
        let slack = splitsoc_set_timer_slack(1)
        outcome.timerSlack = slack == 0 ? "1ns" : "refused(\(Self.errorName(slack)))"
        if let cpu {
            let rc = splitsoc_pin_current_thread(cpu)
            outcome.cpu = rc == 0 ? "\(cpu)" : "refused(\(Self.errorName(rc)))"
        }
        if let priority {
            let rc = splitsoc_set_fifo_priority(priority)
            outcome.fifo = rc == 0 ? "\(priority)" : "refused(\(Self.errorName(rc)))"
        }
    }
}
