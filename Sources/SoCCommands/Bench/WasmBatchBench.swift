import Foundation

/// Wasm execution time per batch: the same module and batch on a bare WasmKit instance, in the
/// application core's host (when its API is available), and as native C compiled with `cc -O2`.
enum WasmBatchBench {
    /// The batch of round `round`: `size / 2` ticks of (temperature on channel 0, a filtered
    /// temperature on channel 16), the setpoint (channel 1) known from an earlier batch. The same
    /// batch AppCore's `ModuleBenchmark.batch` feeds the application core's host and the native
    /// harness below feeds the C, so the three figures compare.
    static func batch(size: Int, round: Int) -> [BareWasmHost.Sample] {
        let ticks = size / 2
        return (0..<ticks).flatMap { index -> [BareWasmHost.Sample] in
            let tick = round * ticks + index
            let temperature = 20_000 + Int32((tick * 37) % 900)
            return [
                .init(timestamp: Int64(tick) * 1_000_000, value: temperature, channel: 0, status: 0),
                .init(timestamp: Int64(tick) * 1_000_000, value: 20_450, channel: 16, status: 0),
            ]
        }
    }

    static let setpoint = BareWasmHost.Sample(timestamp: 0, value: 22_000, channel: 1, status: 0)

    struct Figures {
        var distribution: LatencyDistribution
        var meanNanoseconds: Double
        var p50Nanoseconds: Double
        var fuelPerBatch: Double
    }

    /// Times `iterations` batches of `batchSize` samples on a bare WasmKit instance with the
    /// application core's engine configuration (after 10 % warm-up, as ModuleBenchmark does).
    static func measureBare(bytes: [UInt8], batchSize: Int, iterations: Int) throws -> Figures {
        let host = try BareWasmHost(bytes: bytes)
        host.setLatest(setpoint)
        var distribution = LatencyDistribution()
        var total: UInt64 = 0
        var fuel: UInt64 = 0
        var times: [UInt64] = []
        times.reserveCapacity(iterations)
        let warmup = max(1, iterations / 10)
        let ticks = batchSize / 2
        for i in 0..<(warmup + iterations) {
            host.load(batch(size: batchSize, round: i))
            host.nowNanoseconds = Int64((i + 1) * ticks) * 1_000_000
            host.tick = Int64((i + 1) * ticks)
            let (elapsed, used) = try host.runBatch()
            if i >= warmup {
                distribution.record(elapsed)
                times.append(elapsed)
                total += elapsed
                fuel += used
            }
        }
        times.sort()
        return Figures(
            distribution: distribution, meanNanoseconds: Double(total) / Double(iterations),
            p50Nanoseconds: Double(times[times.count / 2]), fuelPerBatch: Double(fuel) / Double(iterations))
    }

    /// Native figures: mean and percentiles per batch, in ns.
    struct NativeFigures {
        var meanNanoseconds: Double
        var p50Nanoseconds: Double
        var p99Nanoseconds: Double
        var command: String
    }

    /// Compiles the module's C with `cc -O2` into a small harness that provides the ABI's host
    /// functions as plain C, and runs it. Returns nil with a reason when there is no C source or
    /// no compiler.
    static func measureNative(
        cSource: String, sdkDirectory: String, batchSize: Int, iterations: Int, workDirectory: URL
    ) -> Result<NativeFigures, BenchError> {
        let fileManager = FileManager.default
        try? fileManager.createDirectory(at: workDirectory, withIntermediateDirectories: true)
        let stem = URL(fileURLWithPath: cSource).deletingPathExtension().lastPathComponent
        let harness = workDirectory.appendingPathComponent("native-\(stem).c")
        let binary = workDirectory.appendingPathComponent("native-\(stem)")
        do {
            try Data(harnessSource(moduleSource: cSource).utf8).write(to: harness)
        } catch {
            return .failure(.setupFailed("cannot write the native harness: \(error)"))
        }
        let arguments = ["-O2", "-w", "-I", sdkDirectory, "-o", binary.path, harness.path]
        let command = "cc " + arguments.joined(separator: " ")
        let compile = runTool("/usr/bin/env", ["cc"] + arguments)
        guard compile.status == 0 else {
            return .failure(.setupFailed("`\(command)` failed: \(compile.output.suffix(400))"))
        }
        let run = runTool(binary.path, [String(batchSize), String(iterations)])
        guard run.status == 0 else { return .failure(.measurementFailed("the native harness failed: \(run.output)")) }
        var values: [String: Double] = [:]
        for pair in run.output.split(whereSeparator: { $0 == " " || $0 == "\n" }) {
            let parts = pair.split(separator: "=")
            if parts.count == 2, let value = Double(parts[1]) { values[String(parts[0])] = value }
        }
        guard let mean = values["mean_ns"], let p50 = values["p50_ns"], let p99 = values["p99_ns"] else {
            return .failure(.measurementFailed("unexpected native harness output: \(run.output)"))
        }
        return .success(NativeFigures(meanNanoseconds: mean, p50Nanoseconds: p50, p99Nanoseconds: p99, command: command))
    }

    /// Runs a tool and returns its exit status and combined output.
    static func runTool(_ path: String, _ arguments: [String], timeout: Double = 120) -> (status: Int32, output: String) {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: path)
        process.arguments = arguments
        let pipe = Pipe()
        process.standardOutput = pipe
        process.standardError = pipe
        process.standardInput = FileHandle.nullDevice
        do { try process.run() } catch { return (-1, "cannot run \(path): \(error)") }
        let data = pipe.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return (process.terminationStatus, String(decoding: data, as: UTF8.self))
    }

    /// The harness: the module's C included as is (its imports become these plain functions), no
    /// system headers (splitsoc.h defines its own integer types).
    static func harnessSource(moduleSource: String) -> String {
        """
        /* Generated by `splitsoc bench`: native baseline for one module. */
        #include "splitsoc.h"
        #include "\(moduleSource)"

        struct h_timespec { long tv_sec; long tv_nsec; };
        int clock_gettime(int, struct h_timespec *);
        int printf(const char *, ...);
        long atol(const char *);
        void *malloc(unsigned long);
        void qsort(void *, unsigned long, unsigned long, int (*)(const void *, const void *));

        #define H_CAP 8192
        static ssoc_sample h_batch[H_CAP];
        static int32_t h_count, h_hardware;
        static ssoc_sample h_latest[256];
        static int32_t h_have_latest[256];
        static int64_t h_now, h_tick;
        static volatile int32_t h_commands;

        int32_t ssoc_sample_count(void) { return h_count; }
        int32_t ssoc_read_samples(int32_t first, ssoc_sample *out, int32_t max) {
            int32_t n = 0;
            if (first >= 0 && max > 0 && first < h_count) {
                n = h_count - first < max ? h_count - first : max;
                for (int32_t i = 0; i < n; i++) out[i] = h_batch[first + i];
            }
            return n;
        }
        int32_t ssoc_latest(int32_t channel, ssoc_sample *out) {
            channel &= 0xFF;
            for (int32_t i = h_count - 1; i >= 0; i--) if (h_batch[i].channel == channel) { *out = h_batch[i]; return 1; }
            if (h_have_latest[channel]) { *out = h_latest[channel]; return 1; }
            return 0;
        }
        int32_t ssoc_write_sample(int32_t channel, int32_t milli_value) {
            if (channel < 16 || channel > 255 || h_count >= H_CAP) return -1;
            ssoc_sample s = { h_now, milli_value, (uint8_t)channel, 0, 0 };
            h_batch[h_count++] = s;
            return 0;
        }
        int32_t ssoc_emit_command(int32_t target, int32_t milli_value, int32_t valid_ticks) {
            (void)target; (void)milli_value; (void)valid_ticks; h_commands++; return 0;
        }
        int32_t ssoc_publish(const char *key, int32_t key_len, int64_t value) { (void)key; (void)key_len; (void)value; return 0; }
        void ssoc_log(int32_t level, const char *message, int32_t len) { (void)level; (void)message; (void)len; }
        int64_t ssoc_now_ns(void) { return h_now; }
        int64_t ssoc_tick(void) { return h_tick; }

        static ssoc_sample h_sample(long tick, int channel) {
            ssoc_sample s;
            s.timestamp_ns = (int64_t)tick * 1000000;
            s.status = 0; s.reserved = 0; s.channel = (uint8_t)channel;
            s.milli_value = channel == 0 ? 20000 + (int32_t)((tick * 37) % 900) : 20450;
            return s;
        }
        static long h_ns(void) { struct h_timespec ts; clock_gettime(1, &ts); return ts.tv_sec * 1000000000L + ts.tv_nsec; }
        static int h_cmp(const void *a, const void *b) { long x = *(const long *)a, y = *(const long *)b; return (x > y) - (x < y); }

        int main(int argc, char **argv) {
            long size = argc > 1 ? atol(argv[1]) : 10, iterations = argc > 2 ? atol(argv[2]) : 10000;
            long warmup = iterations / 10 > 1 ? iterations / 10 : 1;
            long *times = malloc(sizeof(long) * (unsigned long)iterations);
            long total = 0;
            long ticks = size / 2;
            ssoc_init();
            h_latest[1].channel = 1; h_latest[1].milli_value = 22000; h_have_latest[1] = 1;
            for (long i = 0; i < warmup + iterations; i++) {
                for (long k = 0; k < ticks; k++) {
                    h_batch[2 * k] = h_sample(i * ticks + k, 0);
                    h_batch[2 * k + 1] = h_sample(i * ticks + k, 16);
                }
                h_count = h_hardware = (int32_t)(2 * ticks);
                h_now = (i + 1) * ticks * 1000000; h_tick = (i + 1) * ticks;
                long start = h_ns();
                ssoc_on_batch(h_hardware);
                long elapsed = h_ns() - start;
                for (int32_t k = 0; k < h_count; k++) { h_latest[h_batch[k].channel] = h_batch[k]; h_have_latest[h_batch[k].channel] = 1; }
                if (i >= warmup) { times[i - warmup] = elapsed; total += elapsed; }
            }
            qsort(times, (unsigned long)iterations, sizeof(long), h_cmp);
            printf("mean_ns=%.1f p50_ns=%ld p99_ns=%ld\\n", (double)total / (double)iterations,
                   times[iterations / 2], times[(iterations * 99) / 100]);
            return 0;
        }
        """
    }
}
