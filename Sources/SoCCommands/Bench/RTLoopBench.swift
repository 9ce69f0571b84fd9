import CSystemShims
import Foundation

#if canImport(Glibc)
import Glibc
#endif

/// Wake-up lateness of a periodic real-time loop, measured the way the real-time core runs its
/// tick thread (a dedicated pthread, absolute CLOCK_MONOTONIC deadlines with
/// `clock_nanosleep(TIMER_ABSTIME)`, timer slack 1 ns, optional SCHED_FIFO and pinning), and the
/// same measurement by `cyclictest` with the same rate, priority, affinity and duration.
enum RTLoopBench {
    /// What the loop thread could set up (privileges may refuse some; never fatal).
    struct LoopSetup: Sendable {
        var fifo: String
        var pinned: String
        var timerSlack: String
    }

    /// Runs the loop on a new thread and returns the lateness distribution (ns).
    static func measureLoop(rateHz: Double, duration: Double, priority: Int, cpu: Int?) -> (LatencyDistribution, LoopSetup) {
        let period = UInt64(1e9 / rateHz)
        let cycles = max(1, Int(duration * rateHz))
        let box = LoopResultBox(capacity: cycles)
        let done = DispatchSemaphore(value: 0)
        let thread = Thread {
            var setup = LoopSetup(fifo: "not requested", pinned: "not requested", timerSlack: "?")
            let slack = splitsoc_set_timer_slack(1)
            setup.timerSlack = slack == 0 ? "1 ns" : "refused (errno \(slack))"
            if let cpu {
                let pinned = splitsoc_pin_current_thread(Int32(cpu))
                setup.pinned = pinned == 0 ? "cpu \(cpu)" : "refused (errno \(pinned))"
            }
            if priority > 0 {
                let fifo = splitsoc_set_fifo_priority(Int32(priority))
                setup.fifo = fifo == 0 ? "SCHED_FIFO \(priority)" : "refused (errno \(fifo)): SCHED_OTHER"
            }
            // Preallocated: the loop itself only stores into the buffer.
            let lateness = box.buffer
            var deadline = BenchClock.now() + period
            for i in 0..<cycles {
                BenchClock.sleep(until: deadline)
                let now = BenchClock.now()
                lateness[i] = now &- deadline
                deadline += period
                // A wake-up later than a whole period skips the missed deadlines, like cyclictest.
                while deadline <= now { deadline += period }
            }
            box.setup = setup
            done.signal()
        }
        thread.name = "bench-rt-loop"
        thread.stackSize = 1 << 20
        thread.start()
        done.wait()
        var distribution = LatencyDistribution()
        for value in box.buffer { distribution.record(value) }
        return (distribution, box.setup ?? LoopSetup(fifo: "?", pinned: "?", timerSlack: "?"))
    }

    /// The exact cyclictest command line for the same conditions.
    static func cyclictestArguments(rateHz: Double, duration: Double, priority: Int, cpu: Int?, histogramMicroseconds: Int)
        -> [String]
    {
        var arguments = [
            "--threads=1", "--interval=\(Int((1e6 / rateHz).rounded()))", "--duration=\(Int(duration.rounded(.up)))",
            "--quiet", "--histogram=\(histogramMicroseconds)",
        ]
        if priority > 0 { arguments.insert("--priority=\(priority)", at: 1) }
        if let cpu { arguments.append("--affinity=\(cpu)") }
        return arguments
    }

    /// Finds cyclictest, installing rt-tests with apt-get when it is missing (root only).
    /// - Returns: the path, or the reason it is unavailable.
    static func locateCyclictest(allowInstall: Bool) -> Result<String, BenchError> {
        for path in ["/usr/bin/cyclictest", "/usr/local/bin/cyclictest", "/usr/sbin/cyclictest"]
        where FileManager.default.isExecutableFile(atPath: path) {
            return .success(path)
        }
        guard allowInstall, getuid() == 0 else {
            return .failure(.setupFailed("cyclictest is not installed (apt-get install -y rt-tests, as root)"))
        }
        let install = WasmBatchBench.runTool("/usr/bin/env", ["apt-get", "install", "-y", "rt-tests"], timeout: 120)
        if install.status == 0, FileManager.default.isExecutableFile(atPath: "/usr/bin/cyclictest") {
            return .success("/usr/bin/cyclictest")
        }
        return .failure(
            .setupFailed("cyclictest is not installed and `apt-get install -y rt-tests` failed: \(install.output.suffix(200))"))
    }

    /// Runs cyclictest and converts its 1-µs histogram (plus overflows, recorded at its maximum).
    static func runCyclictest(path: String, arguments: [String]) -> Result<LatencyDistribution, BenchError> {
        let run = WasmBatchBench.runTool(path, arguments)
        guard run.status == 0 else {
            return .failure(.measurementFailed("cyclictest failed (exit \(run.status)): \(run.output.suffix(300))"))
        }
        return parseCyclictestOutput(run.output)
    }

    /// Converts cyclictest's `--histogram` output (one `BUCKET_US COUNT` line per µs) into a
    /// distribution; overflows are recorded at cyclictest's reported maximum.
    static func parseCyclictestOutput(_ output: String) -> Result<LatencyDistribution, BenchError> {
        var distribution = LatencyDistribution()
        var overflows: UInt64 = 0
        var maximum: UInt64 = 0
        for line in output.split(separator: "\n") {
            if line.hasPrefix("# Histogram Overflows:") {
                overflows = UInt64(line.split(separator: ":").last?.trimmingCharacters(in: .whitespaces) ?? "") ?? 0
            } else if line.hasPrefix("# Max Latencies:") {
                maximum = UInt64(line.split(separator: ":").last?.trimmingCharacters(in: .whitespaces) ?? "") ?? 0
            } else if !line.hasPrefix("#") {
                let parts = line.split(separator: " ")
                if parts.count >= 2, let bucket = UInt64(parts[0]), let count = UInt64(parts[1]) {
                    distribution.record(bucket * 1000, count: count)
                }
            }
        }
        distribution.record(maximum * 1000, count: overflows)
        guard !distribution.isEmpty else {
            return .failure(.measurementFailed("cyclictest printed no histogram: \(output.prefix(300))"))
        }
        return .success(distribution)
    }
}

/// The loop thread's preallocated output; read only after the thread signalled completion.
private final class LoopResultBox: @unchecked Sendable {
    // @unchecked: written by the loop thread, read by the caller only after `done.wait()`.
    let buffer: UnsafeMutableBufferPointer<UInt64>
    var setup: RTLoopBench.LoopSetup?
    init(capacity: Int) {
        buffer = .allocate(capacity: capacity)
        buffer.initialize(repeating: 0)
    }
    deinit { buffer.deallocate() }
}
