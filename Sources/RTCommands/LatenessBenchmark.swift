import SoCWire
import Synchronization
import Foundation
import RTCore

/// `splitsoc-rt --bench-lateness`: the real tick loop with the board's tasks, no link, on the
/// tick thread settings given; prints wake-up lateness percentiles.
enum LatenessBenchmark {
    static func run(_ configuration: RTConfiguration, seconds: Double) {
        let board = configuration.board
        let engine = RTEngine(board: board, options: configuration.options, clock: MonotonicClock(), traceTiming: false)
        let ticks = UInt64(seconds * Double(board.tickHz))
        var outcome = ThreadSettings.Outcome()
        configuration.threadSettings.applyProcessWide(&outcome)
        let box = HandOver(engine)
        let settings = configuration.threadSettings
        let result = SettingsBox(outcome)
        let thread = JoinableThread(name: "ssoc-bench") {
            var applied = result.value
            settings.applyToCurrentThread(&applied)
            result.set(applied)
            let engine = box.value
            engine.anchorNextTick(at: MonotonicClock.nanoseconds() &+ engine.scheduler.periodNanoseconds)
            while engine.nextTick < ticks && !stopRequested.load(ordering: .relaxed) {
                engine.step()
                while engine.node.outbound.tryPop() != nil {}
                while engine.node.trace.tryPop() != nil {}
            }
        }
        thread.join()
        let h = engine.scheduler.tickLateness
        let exec = engine.scheduler.statistics.map { $0.execution.value(atPercentile: 99) }.reduce(0, +)
        say(result.value.line)
        say(
            "bench lateness board=\(board.name) hz=\(board.tickHz) ticks=\(engine.nextTick) "
                + "p50_us=\(Double(h.value(atPercentile: 50)) / 1000) p99_us=\(Double(h.value(atPercentile: 99)) / 1000) "
                + "max_us=\(Double(h.maximum) / 1000) misses=\(engine.scheduler.deadlineMisses) "
                + "tasks_exec_p99_sum_us=\(Double(exec) / 1000)")
    }
}
