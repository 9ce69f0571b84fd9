import SoCWire

/// One sample as the pipeline holds it: the wire sample plus its timestamp.
public struct BatchSample: Sendable, Hashable {
    public var timestampNanoseconds: UInt64
    public var channel: UInt8
    public var status: SampleStatus
    public var milliValue: Int32

    public init(timestampNanoseconds: UInt64, channel: UInt8, status: SampleStatus, milliValue: Int32) {
        self.timestampNanoseconds = timestampNanoseconds
        self.channel = channel
        self.status = status
        self.milliValue = milliValue
    }
}

/// A command a module emitted in the current batch.
public struct EmittedCommand: Sendable, Hashable {
    /// The pipeline slot index that emitted it.
    public var slot: Int
    public var command: Command
}

/// A telemetry value a module published.
public struct ModuleTelemetry: Sendable, Hashable {
    public var slot: String
    public var key: String
    public var value: Int64
    /// The grant's time (ns since session start).
    public var timestampNanoseconds: UInt64
}

/// A log line a module wrote.
public struct ModuleLogLine: Sendable, Hashable {
    public var slot: String
    public var level: Int32
    public var message: String
    public var timestampNanoseconds: UInt64
}

/// Errors a host function raises to abort the guest's call: the call is then treated as a trap.
struct HostFault: Error, CustomStringConvertible {
    var description: String
}

/// Which batch state and wall clock a module's host functions and budget use. A module built on
/// the builder thread runs its `ssoc_init` against a private context; when the guest thread adopts
/// it, it points the binding at the pipeline's context.
///
/// Not thread-safe: used by whichever thread owns the module at the time.
final class HostBinding {
    var context: BatchContext

    init(context: BatchContext) { self.context = context }
}

/// The state host functions read and write during one batch. Shared by every module of the
/// pipeline (derived samples written by one are read by later ones).
///
/// Not thread-safe: owned by the guest thread.
final class BatchContext {
    /// The batch: hardware samples received since the previous grant, then derived samples.
    var samples: [BatchSample] = []
    let capacity: Int
    /// The newest sample per channel, across batches (`ssoc_latest`).
    var latest: [BatchSample?] = Array(repeating: nil, count: 256)
    /// Outputs of the current batch, flushed by the core after the pipeline ran.
    var commands: [EmittedCommand] = []
    var telemetry: [ModuleTelemetry] = []
    var logs: [ModuleLogLine] = []
    /// The grant being processed.
    var nowNanoseconds: UInt64 = 0
    var throughTick: UInt64 = 0
    /// The module being called, and what it has spent of its per-batch quotas.
    var currentSlotIndex = 0
    var currentSlotName = ""
    var commandsThisCall = 0
    var derivedThisCall = 0
    var telemetryThisCall = 0
    var logsThisCall = 0
    /// Dropped because the batch was full.
    var samplesDropped = 0

    init(capacity: Int) {
        self.capacity = capacity
        samples.reserveCapacity(capacity)
    }

    /// Appends a sample; returns false (and counts it) when the batch is full.
    @discardableResult
    func append(_ sample: BatchSample) -> Bool {
        guard samples.count < capacity else {
            samplesDropped += 1
            return false
        }
        samples.append(sample)
        return true
    }

    /// The newest sample of `channel`: in this batch (including derived samples written so far),
    /// else from an earlier batch. `latest` is only updated when a batch commits, so a failed call
    /// that is rolled back leaves no trace.
    func latestSample(channel: Int) -> BatchSample? {
        var index = samples.count - 1
        while index >= 0 {
            if Int(samples[index].channel) == channel { return samples[index] }
            index -= 1
        }
        return latest[channel]
    }

    /// Folds the batch into `latest` and empties it for the next grant.
    func commitBatch() {
        for sample in samples { latest[Int(sample.channel)] = sample }
        samples.removeAll(keepingCapacity: true)
        commands.removeAll(keepingCapacity: true)
        telemetry.removeAll(keepingCapacity: true)
        logs.removeAll(keepingCapacity: true)
    }

    /// What a call can be rolled back to.
    struct Mark {
        var samples: Int
        var commands: Int
        var telemetry: Int
        var logs: Int
    }

    /// Marks the outputs before a call.
    var mark: Mark { Mark(samples: samples.count, commands: commands.count, telemetry: telemetry.count, logs: logs.count) }

    /// Discards what a failed call wrote (its derived samples, commands, telemetry), keeping its
    /// log lines: they help explain the failure.
    func rollBack(to mark: Mark) {
        samples.removeLast(samples.count - mark.samples)
        commands.removeLast(commands.count - mark.commands)
        telemetry.removeLast(telemetry.count - mark.telemetry)
    }
}
