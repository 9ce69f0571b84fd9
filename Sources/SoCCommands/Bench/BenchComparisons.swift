import Foundation

/// The issue's targets, each a ratio against a baseline measured in the same run.
enum BenchComparisons {
    static func evaluate(_ measurements: [BenchMeasurement]) -> [BenchComparison] {
        var comparisons: [BenchComparison] = []
        let byID = Dictionary(measurements.map { ($0.id, $0) }, uniquingKeysWith: { first, _ in first })

        func verdict(_ ratio: Double?, _ limit: Double, atLeast: Bool = false) -> String {
            guard let ratio, ratio.isFinite else { return "N/A" }
            return (atLeast ? ratio >= limit : ratio <= limit) ? "PASS" : "MISS"
        }
        func ratio(_ a: Double?, _ b: Double?) -> Double? {
            guard let a, let b, b > 0 else { return nil }
            return (a / b).benchRounded(toPlaces: 3)
        }

        // 1. Bridge RTT through pass-through vs raw libzmq, same transport and batch, same run.
        for bridge in measurements where bridge.kind == "bridge-rtt" && bridge.parameters["module"] == "passthrough" {
            let transport = bridge.parameters["transport"] ?? "?"
            let samples = bridge.parameters["samples_per_grant"] ?? "?"
            let raw = byID["raw-zmq-rtt/\(transport)/s\(samples)"]
            for (percentile, limit) in [("p50", 1.25), ("p99", 1.5)] {
                let measured = percentile == "p50" ? bridge.latency?.p50 : bridge.latency?.p99
                let base = percentile == "p50" ? raw?.latency?.p50 : raw?.latency?.p99
                let r = ratio(measured, base)
                comparisons.append(
                    BenchComparison(
                        target: "bridge RTT \(percentile) through pass-through ≤ \(limit)× raw libzmq (\(transport), \(samples) sample/grant)",
                        measured: "\(bridge.id) \(percentile)=\(measured.map { "\($0) µs" } ?? "n/a")",
                        baseline: "\(raw?.id ?? "raw-zmq-rtt missing") \(percentile)=\(base.map { "\($0) µs" } ?? "n/a")",
                        ratio: r, limit: limit, verdict: verdict(r, limit),
                        detail: r == nil ? "a side was not measured" : "ratio of \(percentile)s"))
            }
        }

        // 2. RT loop lateness p99 vs cyclictest's under the same load.
        for loop in measurements where loop.kind == "rt-lateness" {
            let rate = loop.parameters["rate_hz"].flatMap(Double.init).map { Int($0) } ?? 0
            let load = loop.parameters["load"] ?? "?"
            let cyclic = byID["rt-lateness/cyclictest/\(rate)hz/\(load)"]
            let p99 = loop.latency?.p99 ?? loop.values["p99_us"]
            let r = ratio(p99, cyclic?.latency?.p99)
            let source = loop.parameters["source"] == "splitsoc-rt" ? "splitsoc-rt tick loop" : "bench loop (same technique)"
            comparisons.append(
                BenchComparison(
                    target: "RT loop lateness p99 ≤ 1.2× cyclictest (\(source), \(rate) Hz, \(load))",
                    measured: "\(loop.id) p99=\(p99.map { "\($0) µs" } ?? "n/a")",
                    baseline: "\(cyclic?.id ?? "cyclictest not run") p99=\(cyclic?.latency.map { "\($0.p99) µs" } ?? "n/a")",
                    ratio: r, limit: 1.2, verdict: verdict(r, 1.2),
                    detail: r == nil ? "cyclictest was not measured" : "cyclictest resolution is 1 µs"))
        }

        // 3. A module's batch in the app core vs bare WasmKit; host overhead per batch.
        for bare in measurements where bare.kind == "wasm-batch" && bare.parameters["host"] == "bare-wasmkit" {
            let module = bare.parameters["module"] ?? "?"
            let batch = bare.parameters["batch"] ?? "?"
            let app = byID["wasm-batch/app-core/\(module)/b\(batch)"]
            // AppCore's ModuleBenchmark reports p50 and minimum: compare medians.
            let appMean = app?.values["p50_ns"]
            let bareMean = bare.values["p50_ns"]
            let r = ratio(appMean, bareMean)
            comparisons.append(
                BenchComparison(
                    target: "\(module) batch (\(batch) samples) in the app core ≤ 1.1× bare WasmKit",
                    measured: "app-core p50=\(appMean.map { "\($0) ns" } ?? "n/a")",
                    baseline: "bare-wasmkit p50=\(bareMean.map { "\($0) ns" } ?? "n/a")", ratio: r, limit: 1.1,
                    verdict: verdict(r, 1.1), detail: app == nil ? "the app core's in-process API was not measured" : "ratio of medians, same batch, same engine configuration"))
            let overhead = appMean.flatMap { a in bareMean.map { ((a - $0) / 1000).benchRounded(toPlaces: 3) } }
            comparisons.append(
                BenchComparison(
                    target: "host overhead per batch < 1 µs (\(module), \(batch) samples)",
                    measured: "app-core − bare = \(overhead.map { "\($0) µs" } ?? "n/a")", baseline: "bare WasmKit, same run",
                    ratio: overhead, limit: 1.0, verdict: overhead == nil ? "N/A" : (overhead! < 1.0 ? "PASS" : "MISS"),
                    detail: "value in µs, not a ratio"))
        }

        // 4. Sustained stream rt → app vs raw libzmq, with every frame accounted for.
        for bridge in measurements where bridge.kind == "throughput" && bridge.parameters["path"] == "bridge" {
            let transport = bridge.parameters["transport"] ?? "?"
            let raw = byID["throughput/\(transport)/raw-zmq"]
            let r = ratio(bridge.values["samples_per_s"], raw?.values["msgs_per_s"])
            let unaccounted = bridge.values["unaccounted"]
            var v = verdict(r, 0.5, atLeast: true)
            var detail = "ratio of messages per second (30-byte messages)"
            if let unaccounted, unaccounted != 0 {
                v = "MISS"
                detail += "; \(Int(unaccounted)) frame(s) unaccounted for"
            } else if unaccounted == nil {
                detail += "; accounted by acks only"
            } else {
                detail += "; sent = received + drops + lost"
            }
            comparisons.append(
                BenchComparison(
                    target: "sample stream rt → app ≥ 0.5× raw libzmq throughput (\(transport)), every frame accounted for",
                    measured: "\(bridge.values["samples_per_s"].map { "\(Int($0)) samples/s" } ?? "n/a")",
                    baseline: "\(raw?.values["msgs_per_s"].map { "\(Int($0)) msgs/s" } ?? "n/a")", ratio: r, limit: 0.5,
                    verdict: v, detail: detail))
        }
        return comparisons
    }
}
