/// Statistics of one periodic task. Allocation-free to update.
public struct TaskStatistics: Sendable {
    public var runs: UInt64 = 0
    /// Start of the run minus its release time (ns).
    public var lateness = LatencyHistogram()
    /// Execution time (ns).
    public var execution = LatencyHistogram()
    /// Runs that completed after their deadline (release + period).
    public var deadlineMisses: UInt64 = 0
    /// Runs that took longer than the budget.
    public var overruns: UInt64 = 0

    public init() {}
}

/// What happened in one tick, for the caller's accounting.
public struct TickReport: Sendable, Equatable {
    /// Wake-up lateness: when the tick started minus its release time (ns).
    public var lateness: UInt64
    /// Time from the release to the end of the last task (ns).
    public var completion: UInt64
    /// Whether the tick's work ended after the next release (a tick-level deadline miss).
    public var missed: Bool
    /// Bit n set when task n missed its deadline; bit (n + 8) when it overran its budget.
    public var taskFlags: UInt16
}

/// What the scheduler runs: one call per released task. Generic (not an existential), so that the
/// call specialises and the tick does not box.
public protocol TaskBody: AnyObject {
    /// Runs task `kind` for `tick`.
    func run(_ kind: TaskKind, tick: UInt64)

    /// Called once per tick before its tasks. `catchUp` is true when the tick starts more than one
    /// period after its release: the core itself was stalled and is running missed ticks back to
    /// back (never on the virtual clock, where lateness is 0).
    func beginTick(_ tick: UInt64, catchUp: Bool)
}

extension TaskBody {
    public func beginTick(_ tick: UInt64, catchUp: Bool) {}
}

/// A table-driven cyclic executive with fixed priorities (docs/rt-determinism.md, "Scheduler").
///
/// The base tick is the minor frame. A task with period P and offset O is released at every tick
/// k with k ≥ O and (k − O) mod P = 0. Released tasks run to completion in descending priority
/// (rate-monotonic order by default: faster tasks get higher priority). There is no preemption,
/// so a task's deadline is the end of its period and a long task delays the others: that shows up
/// as lateness and misses, which are counted, never hidden. Late ticks are not skipped: every
/// tick runs (catching up back to back), so the tick count stays the model's time.
public struct CyclicScheduler<Clock: TickClock> {
    public var clock: Clock
    public let periodNanoseconds: UInt64
    /// Time of tick 0's release.
    public private(set) var origin: UInt64
    /// Tasks sorted by descending priority.
    public let tasks: [TaskSpec]
    /// Statistics storage, indexed by `TaskKind.rawValue`. A pointer-backed table rather than an
    /// array of structs: mutating `array[i].histogram` copies the element (and allocates) in debug
    /// builds, which the zero-allocation test runs.
    private let table: StatisticsTable

    /// Statistics, indexed by `TaskKind.rawValue` (a copy; not for the tick).
    public var statistics: [TaskStatistics] { (0..<table.count).map { table.pointer[$0] } }
    /// Tick-level wake-up lateness.
    public private(set) var tickLateness = LatencyHistogram()
    /// Ticks whose work ended after the next release.
    public private(set) var tickMisses: UInt64 = 0
    public private(set) var ticksRun: UInt64 = 0

    /// - Parameters:
    ///   - tasks: one spec per task (any order); priorities decide the order within a tick.
    ///   - periodNanoseconds: the base tick.
    ///   - clock: the time source; `origin` is its `now()` plus one period unless given.
    public init(tasks: [TaskSpec], periodNanoseconds: UInt64, clock: Clock, origin: UInt64? = nil) {
        var clock = clock
        self.tasks = tasks.sorted { $0.priority != $1.priority ? $0.priority > $1.priority : $0.kind.rawValue < $1.kind.rawValue }
        self.periodNanoseconds = periodNanoseconds
        self.origin = origin ?? (clock.now() &+ periodNanoseconds)
        self.clock = clock
        self.table = StatisticsTable(count: TaskKind.allCases.count)
    }

    /// Whether `spec` is released at `tick`.
    @inline(__always)
    public static func isReleased(_ spec: TaskSpec, at tick: UInt64) -> Bool {
        let offset = UInt64(spec.offsetTicks)
        return tick >= offset && (tick - offset) % UInt64(spec.periodTicks) == 0
    }

    /// The release time of `tick`.
    public func releaseTime(of tick: UInt64) -> UInt64 { origin &+ tick &* periodNanoseconds }

    /// Moves the origin so that `tick` is released at `time` (used when a real-mode run starts).
    public mutating func anchor(tick: UInt64, at time: UInt64) { origin = time &- tick &* periodNanoseconds }

    /// Sleeps until `tick`'s release, then runs its released tasks in priority order.
    public mutating func runTick<Body: TaskBody>(_ tick: UInt64, body: Body) -> TickReport {
        let release = releaseTime(of: tick)
        clock.sleep(until: release)
        let wake = clock.now()
        let lateness = wake > release ? wake - release : 0
        tickLateness.record(lateness)
        body.beginTick(tick, catchUp: lateness > periodNanoseconds)
        var flags: UInt16 = 0
        var end = wake
        // Index loop, not for-in: array iteration allocates an iterator box in debug builds.
        let stats = table.pointer
        for position in 0..<tasks.count {
            let spec = tasks[position]
            guard Self.isReleased(spec, at: tick) else { continue }
            let start = clock.now()
            body.run(spec.kind, tick: tick)
            end = clock.now()
            let index = spec.kind.rawValue
            let execution = end &- start
            stats[index].runs &+= 1
            stats[index].lateness.record(start > release ? start - release : 0)
            stats[index].execution.record(execution)
            if execution > spec.budgetNanoseconds {
                stats[index].overruns &+= 1
                flags |= 1 << UInt16(8 + index)
            }
            if end > release &+ UInt64(spec.periodTicks) &* periodNanoseconds {
                stats[index].deadlineMisses &+= 1
                flags |= 1 << UInt16(index)
            }
        }
        let completion = end > release ? end - release : 0
        let missed = completion > periodNanoseconds
        if missed { tickMisses &+= 1 }
        ticksRun &+= 1
        return TickReport(lateness: lateness, completion: completion, missed: missed, taskFlags: flags)
    }

    /// Total deadline misses over every task. Allocation-free.
    public var deadlineMisses: UInt64 {
        var total: UInt64 = 0
        for index in 0..<table.count { total &+= table.pointer[index].deadlineMisses }
        return total
    }

    /// Total budget overruns over every task. Allocation-free.
    public var overruns: UInt64 {
        var total: UInt64 = 0
        for index in 0..<table.count { total &+= table.pointer[index].overruns }
        return total
    }
}

/// Fixed storage for per-task statistics, updated in place through a pointer.
final class StatisticsTable {
    let pointer: UnsafeMutablePointer<TaskStatistics>
    let count: Int

    init(count: Int) {
        self.count = count
        pointer = .allocate(capacity: count)
        pointer.initialize(repeating: TaskStatistics(), count: count)
    }

    deinit {
        pointer.deinitialize(count: count)
        pointer.deallocate()
    }
}
