import RTCore
import SoCTesting
import Testing

/// Records which task ran at which tick, and can burn time on a manual clock.
final class RecordingBody: TaskBody {
    var runs: [(TaskKind, UInt64)] = []
    let clock: ManualClock
    var cost: [TaskKind: UInt64] = [:]

    init(clock: ManualClock) { self.clock = clock }

    func run(_ kind: TaskKind, tick: UInt64) {
        runs.append((kind, tick))
        clock.advance(by: cost[kind] ?? 0)
    }
}

@Suite("Cyclic scheduler on a manual clock")
struct SchedulerTests {
    static let ms: UInt64 = 1_000_000

    func spec(_ kind: TaskKind, period: Int = 1, offset: Int = 0, priority: Int, budget: UInt64 = 100_000) -> TaskSpec {
        TaskSpec(kind: kind, periodTicks: period, offsetTicks: offset, priority: priority, budgetNanoseconds: budget)
    }

    @Test("Released tasks run in descending priority, each at its period and offset")
    func releaseOrder() {
        let clock = ManualClock()
        let body = RecordingBody(clock: clock)
        var scheduler = CyclicScheduler(
            tasks: [spec(.plant, priority: 20), spec(.sense, priority: 50), spec(.housekeeping, period: 4, offset: 1, priority: 10)],
            periodNanoseconds: Self.ms, clock: clock, origin: 0)
        for tick in 0..<6 as Range<UInt64> { _ = scheduler.runTick(tick, body: body) }
        let flat = body.runs.map { "\($0.0.name)@\($0.1)" }
        #expect(flat == [
            "sense@0", "plant@0",
            "sense@1", "plant@1", "housekeeping@1",
            "sense@2", "plant@2", "sense@3", "plant@3", "sense@4", "plant@4",
            "sense@5", "plant@5", "housekeeping@5",
        ])
        #expect(clock.nanoseconds == 5 * Self.ms)
    }

    @Test("Ticks are released at absolute deadlines: tick k sleeps until origin + k periods")
    func absoluteDeadlines() {
        let clock = ManualClock(start: 0)
        let body = RecordingBody(clock: clock)
        body.cost[.sense] = 300_000
        var scheduler = CyclicScheduler(tasks: [spec(.sense, priority: 50)], periodNanoseconds: Self.ms, clock: clock, origin: 5 * Self.ms)
        for tick in 0..<10 as Range<UInt64> {
            let report = scheduler.runTick(tick, body: body)
            #expect(report.lateness == 0)
            #expect(report.completion == 300_000)
        }
        // No drift: work time does not push later releases.
        #expect(clock.nanoseconds == 5 * Self.ms + 9 * Self.ms + 300_000)
        #expect(scheduler.statistics[TaskKind.sense.rawValue].runs == 10)
    }

    @Test("A task longer than its budget counts an overrun; past its period, a deadline miss and late next tick")
    func overrunsAndMisses() {
        let clock = ManualClock()
        let body = RecordingBody(clock: clock)
        var scheduler = CyclicScheduler(
            tasks: [spec(.sense, priority: 50, budget: 200_000), spec(.plant, priority: 20, budget: 2 * Self.ms)],
            periodNanoseconds: Self.ms, clock: clock, origin: 0)
        body.cost[.sense] = 250_000  // over budget, within the period
        let first = scheduler.runTick(0, body: body)
        #expect(!first.missed)
        #expect(scheduler.statistics[TaskKind.sense.rawValue].overruns == 1)
        #expect(scheduler.statistics[TaskKind.sense.rawValue].deadlineMisses == 0)
        body.cost[.plant] = 1_500_000  // the tick's work ends 1.75 ms after release
        let second = scheduler.runTick(1, body: body)
        #expect(second.missed)
        #expect(scheduler.statistics[TaskKind.plant.rawValue].deadlineMisses == 1)
        #expect(scheduler.tickMisses == 1)
        body.cost[.plant] = 0
        let third = scheduler.runTick(2, body: body)
        #expect(third.lateness == 750_000)
        #expect(scheduler.statistics[TaskKind.sense.rawValue].lateness.maximum == 750_000)
    }

    @Test("The virtual clock makes lateness and execution time exactly zero")
    func virtualClockIsExact() throws {
        let board = try Boards.load("thermo-adc")
        let engine = RTEngine(board: board, options: RTRunOptions(seed: 1), clock: VirtualClock(), traceTiming: false, origin: 0)
        for _ in 0..<2000 { engine.step() }
        #expect(engine.scheduler.tickLateness.maximum == 0)
        #expect(engine.scheduler.deadlineMisses == 0)
        #expect(engine.scheduler.clock.nanoseconds == 1999 * 1_000_000)
    }
}

@Suite("Latency histogram")
struct LatencyHistogramTests {
    @Test("Percentiles are within 1/16 of the true value and the maximum is exact")
    func percentiles() {
        var h = LatencyHistogram()
        for v in 1...10_000 as ClosedRange<UInt64> { h.record(v * 1000) }
        let p50 = Double(h.value(atPercentile: 50))
        let p99 = Double(h.value(atPercentile: 99))
        #expect(abs(p50 - 5_000_000) / 5_000_000 < 1.0 / 16)
        #expect(abs(p99 - 9_900_000) / 9_900_000 < 1.0 / 16)
        #expect(h.maximum == 10_000_000)
        #expect(h.totalCount == 10_000)
        h.reset()
        #expect(h.value(atPercentile: 99) == 0)
    }

    @Test("Small values are exact")
    func smallValues() {
        var h = LatencyHistogram()
        for v in [3, 3, 3, 9] as [UInt64] { h.record(v) }
        #expect(h.value(atPercentile: 50) == 3)
        #expect(h.value(atPercentile: 100) == 9)
    }
}
