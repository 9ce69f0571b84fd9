import Synchronization

/// A node plus its scheduler: what the tick thread (real clock) or the lockstep driver (virtual
/// clock) advances one tick at a time.
///
/// Not thread-safe: owned by the thread that calls `step()`.
public final class RTEngine<Clock: TickClock> {
    public let node: RTNode
    public var scheduler: CyclicScheduler<Clock>
    /// The tick `step()` runs next.
    public private(set) var nextTick: UInt64 = 0
    /// Whether misses and overruns go into the trace. They carry wall-clock durations, so the
    /// virtual clock (where they cannot happen anyway) leaves this off to keep the trace pure.
    public let traceTiming: Bool

    /// - Parameters:
    ///   - origin: the release time of tick 0 (default: one period after `clock.now()`).
    public init(board: BoardDescription, options: RTRunOptions, clock: Clock, traceTiming: Bool, origin: UInt64? = nil) {
        node = RTNode(board: board, options: options)
        scheduler = CyclicScheduler(
            tasks: board.tasks, periodNanoseconds: board.tickPeriodNanoseconds, clock: clock, origin: origin)
        self.traceTiming = traceTiming
    }

    /// Sleeps until the next tick's release and runs it. Allocation-free.
    @discardableResult
    public func step() -> TickReport {
        let tick = nextTick
        let report = scheduler.runTick(tick, body: node)
        nextTick &+= 1
        if report.taskFlags != 0 {
            if traceTiming {
                for index in 0..<5 {  // TaskKind's cases (allCases would allocate)
                    let bit = UInt16(1) << UInt16(index)
                    if report.taskFlags & bit != 0 {
                        node.trace.tryPush(
                            TraceRecord(
                                tick: tick, kind: .deadlineMiss, a: UInt8(index),
                                extra: Int64(truncatingIfNeeded: report.completion)))
                    }
                    if report.taskFlags & (bit << 8) != 0 {
                        node.trace.tryPush(TraceRecord(tick: tick, kind: .overrun, a: UInt8(index)))
                    }
                }
            }
            node.telemetry.deadlineMisses.store(Int64(truncatingIfNeeded: scheduler.deadlineMisses), ordering: .relaxed)
            node.telemetry.overruns.store(Int64(truncatingIfNeeded: scheduler.overruns), ordering: .relaxed)
        }
        return report
    }

    /// Moves the schedule so that the next tick is released at `time` (real mode: call it right
    /// before the first `step()`, so start-up work does not count as lateness).
    public func anchorNextTick(at time: UInt64) { scheduler.anchor(tick: nextTick, at: time) }

    /// Pops every pending trace record into `writer`. Not for the tick thread.
    public func drainTrace(into writer: TraceWriter) {
        while let record = node.trace.tryPop() { writer.write(record) }
    }
}
