import SoCWire

/// The lifecycle state of a pipeline slot.
public enum SlotState: Sendable, Hashable, CustomStringConvertible {
    /// Running normally.
    case active
    /// A swapped-in version on trial: `remaining` clean batches to go before the previous version
    /// is dropped; a fault before that rolls back.
    case probation(remaining: Int)
    /// Stopped after repeated faults; the pipeline skips it until a swap brings a new version.
    case quarantined
    /// Faulted; a fresh instance is being built off the guest thread. Skipped until it is ready.
    case restarting

    public var description: String {
        switch self {
        case .active: return "active"
        case .probation: return "probation"
        case .quarantined: return "quarantined"
        case .restarting: return "restarting"
        }
    }
}

/// One position of the pipeline (`--module SLOT=PATH`): the running module, the previous version
/// during probation, and the slot's counters.
///
/// Not thread-safe: owned by the guest thread.
final class ModuleSlot {
    let name: String
    let index: Int
    var active: SandboxedModule?
    var previous: SandboxedModule?
    /// The last module the slot ran, kept while quarantined so status can still name it.
    var lastManifest: ModuleManifest
    var state: SlotState = .active
    /// Why the pending restart was requested (for its event).
    var restartReason = ""

    var calls: UInt64 = 0
    var faults: UInt64 = 0
    var restarts: UInt64 = 0
    var rollbacks: UInt64 = 0
    /// Faults since the last forgiving run of clean batches.
    var recentFaults = 0
    var cleanStreak = 0
    var fuelLast: UInt64 = 0
    var fuelTotal: UInt64 = 0
    /// The last 128 call durations, for the median in status.
    private var durations = [UInt64](repeating: 0, count: 128)
    private var durationCount = 0

    init(name: String, index: Int, module: SandboxedModule) {
        self.name = name
        self.index = index
        self.active = module
        self.lastManifest = module.compiled.manifest
    }

    func record(duration: UInt64) {
        durations[durationCount % durations.count] = duration
        durationCount += 1
    }

    /// Median of the recent call durations (0 before the first call).
    var medianDuration: UInt64 {
        let count = min(durationCount, durations.count)
        guard count > 0 else { return 0 }
        return durations[0..<count].sorted()[count / 2]
    }

    var status: ModuleStatus {
        let manifest = active?.compiled.manifest ?? lastManifest
        return ModuleStatus(
            slot: name, name: manifest.name, version: manifest.version, state: state, calls: calls, traps: faults,
            restarts: restarts, rollbacks: rollbacks, fuelLast: fuelLast, fuelTotal: fuelTotal,
            batchNanosecondsP50: medianDuration, memoryGrowthRefusals: active?.memoryGrowthRefusals ?? 0)
    }
}

/// A snapshot of one slot for status and telemetry.
public struct ModuleStatus: Sendable, Hashable {
    public var slot: String
    public var name: String
    public var version: ModuleVersion
    public var state: SlotState
    public var calls: UInt64
    /// Every fault: traps, out of fuel, over deadline, host-refused calls, nonzero status.
    public var traps: UInt64
    public var restarts: UInt64
    public var rollbacks: UInt64
    public var fuelLast: UInt64
    public var fuelTotal: UInt64
    public var batchNanosecondsP50: UInt64
    public var memoryGrowthRefusals: Int
}

/// A snapshot of the application core for status and telemetry.
public struct AppCoreStatus: Sendable, Hashable {
    /// Grants processed (pipeline runs).
    public var batches: UInt64
    /// Grants that repeated an already processed tick and were only re-acknowledged.
    public var grantsRepeated: UInt64
    public var samplesReceived: UInt64
    /// Samples dropped because a batch was full.
    public var samplesDropped: UInt64
    public var commandsSent: UInt64
    /// Frames `receive` ignored (not samples or grants).
    public var framesIgnored: UInt64
    public var modules: [ModuleStatus]
}

/// A module lifecycle or fault event: reported to the real-time core as a `ModuleEvent` frame and
/// published on the `event` telemetry topic.
public struct AppEvent: Sendable, Hashable {
    public var kind: ModuleEventKind
    public var slotIndex: Int
    public var slot: String
    /// The module's manifest name.
    public var module: String
    /// The version that was running before (swaps, rollbacks) or that faulted.
    public var from: ModuleVersion?
    /// The version running after the event (loaded, swapped, rolled back to, restarted).
    public var to: ModuleVersion?
    /// A sentence for people.
    public var detail: String
    /// The wire detail (fuel used, nanoseconds, previous version...).
    public var wireDetail: UInt32
}
