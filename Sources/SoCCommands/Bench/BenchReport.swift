import Foundation

/// The HTML page of a run (`report.html`): targets with their verdicts, plots of every
/// measurement, the machine's conditions, skipped measurements and the exact external commands.
/// Self-contained: inline SVG, no scripts.
struct BenchReport {
    let results: BenchResults
    /// Where the `.hgrm` files are, for the percentile curves (nil: summaries only).
    var directory: URL?

    static let palette = ["#1f77b4", "#d62728", "#2ca02c", "#ff7f0e", "#9467bd", "#8c564b", "#e377c2", "#17becf"]

    func render() -> String {
        var html = """
            <!doctype html><html><head><meta charset="utf-8"><title>splitsoc bench: \(htmlEscaped(results.experiment.name))</title>
            <style>
            body{font-family:sans-serif;max-width:1150px;margin:20px auto;color:#222}
            table{border-collapse:collapse;font-size:13px;margin:8px 0}
            td,th{border:1px solid #ccc;padding:3px 7px;text-align:left;vertical-align:top}
            th{background:#f3f3f3} .PASS{background:#d9f2d9} .MISS{background:#f8d7d7} .NA{background:#eee}
            code{background:#f5f5f5;padding:1px 3px} h2{border-bottom:1px solid #ddd;padding-bottom:3px;margin-top:32px}
            .small{font-size:12px;color:#555}
            </style></head><body>
            <h1>splitsoc bench: \(htmlEscaped(results.experiment.name))</h1>
            <p>\(htmlEscaped(results.experiment.description ?? ""))</p>
            <p class="small">Run took \(String(format: "%.1f", results.durationSeconds)) s. \
            Every ratio below compares two figures measured in this same run on this machine; \
            figures from different machines or runs are not comparable.</p>

            """
        html += machineSection()
        html += targetsSection()
        html += bridgeSection()
        html += throughputSection()
        html += wasmSection()
        html += rtLoopSection()
        html += controlSection()
        html += tableSection()
        if !results.skipped.isEmpty {
            html += "<h2>Not measured</h2><ul>"
            for s in results.skipped { html += "<li>\(htmlEscaped(s))</li>" }
            html += "</ul>"
        }
        if !results.commands.isEmpty {
            html += "<h2>External commands</h2><ul>"
            for c in results.commands { html += "<li><code>\(htmlEscaped(c))</code></li>" }
            html += "</ul>"
        }
        html += "</body></html>\n"
        return html
    }

    private func machineSection() -> String {
        let m = results.machine
        let rows: [(String, String)] = [
            ("CPU", "\(m.cpuModel), \(m.onlineCPUs) online, allowed \(m.allowedCPUs)\(m.isVirtualMachine ? ", virtual machine" : "")"),
            ("kernel", "\(m.kernel)\(m.preemptRT ? " (PREEMPT_RT)" : "")"), ("clock source", m.clockSource),
            ("load average", "start \(m.loadAverageAtStart.map { String($0) }.joined(separator: " / "))"
                + (m.loadAverageAtEnd.map { ", end " + $0.map { String($0) }.joined(separator: " / ") } ?? "")),
            ("libzmq", m.libzmqVersion), ("build", m.buildConfiguration),
            ("real-time priority allowed", String(m.realtimePriorityAllowed)),
            ("scheduler (bench process)", m.schedulerPolicy ?? "?"), ("cpufreq governor", m.cpuGovernor ?? "?"), ("started", m.startedAt),
            ("host", m.hostname),
        ]
        var html = "<h2>Machine</h2><table>"
        for (k, v) in rows { html += "<tr><th>\(htmlEscaped(k))</th><td>\(htmlEscaped(v))</td></tr>" }
        return html + "</table>"
    }

    private func targetsSection() -> String {
        var html = "<h2>Targets</h2>"
        guard !results.comparisons.isEmpty else { return html + "<p>No target could be evaluated.</p>" }
        html += "<table><tr><th>target</th><th>measured</th><th>baseline (same run)</th><th>ratio</th><th>limit</th><th>verdict</th></tr>"
        for c in results.comparisons {
            let cls = c.verdict == "N/A" ? "NA" : c.verdict
            html += "<tr class=\"\(cls)\"><td>\(htmlEscaped(c.target))</td><td>\(htmlEscaped(c.measured))</td>"
            html += "<td>\(htmlEscaped(c.baseline))</td><td>\(c.ratio.map { String($0) } ?? "–")</td><td>\(c.limit)</td>"
            html += "<td><b>\(c.verdict)</b><br><span class=\"small\">\(htmlEscaped(c.detail))</span></td></tr>"
        }
        return html + "</table>"
    }

    private func measurements(_ kinds: Set<String>) -> [BenchMeasurement] {
        results.measurements.filter { kinds.contains($0.kind) }
    }

    private func latencyBars(_ title: String, _ items: [BenchMeasurement], label: (BenchMeasurement) -> String) -> String {
        var chart = BenchBarChart(title: title, unit: "µs", series: [("p50", "#1f77b4"), ("p99", "#d62728"), ("p99.9", "#9467bd")])
        chart.logScale = true
        // Measurements without a histogram (the real-time core's own p50/p99/max) have values only.
        chart.rows = items.map {
            .init(
                label: label($0),
                values: [$0.latency?.p50 ?? $0.values["p50_us"], $0.latency?.p99 ?? $0.values["p99_us"], $0.latency?.p999])
        }
        return chart.render()
    }

    private func percentileCurves(_ title: String, _ items: [BenchMeasurement]) -> String {
        guard let directory else { return "" }
        // The title goes in the page: the chart's legend takes its top row when there are many series.
        var chart = SVGLineChart(title: "", xLabel: "percentile: 0 = p0, 1 = p90, 2 = p99, 3 = p99.9, 4 = p99.99", yLabel: "µs")
        var maxY = 0.0
        var maxX = 1.0
        for (index, m) in items.enumerated() {
            guard let file = m.hgrmFile,
                let text = try? String(contentsOf: directory.appendingPathComponent(file), encoding: .utf8)
            else { continue }
            var points: [(x: Double, y: Double)] = []
            for point in HgrmCurve.parse(text) {
                let x = HgrmCurve.x(point.percentile)
                if x > 4.5 { break }
                if let last = points.last, x <= last.x { continue }
                points.append((x, point.value))
            }
            maxY = max(maxY, points.map(\.y).max() ?? 0)
            maxX = max(maxX, points.last?.x ?? 0)
            chart.series.append(.init(name: m.id, color: Self.palette[index % Self.palette.count], points: points))
        }
        guard !chart.series.isEmpty else { return "" }
        chart.xRange = 0...min(4.5, maxX.rounded(.up))
        chart.yRange = 0...max(1, maxY * 1.05)
        return "<h3>\(htmlEscaped(title))</h3>" + chart.render()
    }

    private func bridgeSection() -> String {
        let items = measurements(["bridge-rtt", "raw-zmq-rtt"]).sorted { $0.id < $1.id }
        guard !items.isEmpty else { return "" }
        var html = "<h2>Bridge round trip vs raw libzmq</h2>"
        html += "<p>rt → app → rt: Sample frames then a TickGrant, timed until the TickAck, through a real "
        html += "<code>splitsoc-app</code> running the module. Baseline: the same message sizes over the same DEALER "
        html += "sockets to a bare libzmq echo process. Fixed-rate sender, coordinated-omission corrected.</p>"
        html += latencyBars("Round trip (µs)", items) { $0.id }
        for transport in results.experiment.resolvedTransports {
            html += percentileCurves("Percentile distribution, \(transport)", items.filter { $0.parameters["transport"] == transport })
        }
        return html
    }

    private func throughputSection() -> String {
        let items = measurements(["throughput"])
        guard !items.isEmpty else { return "" }
        var chart = BenchBarChart(title: "Sustained stream (messages per second)", unit: "/s", series: [("rate", "#2ca02c")])
        chart.rows = items.map { .init(label: $0.id, values: [$0.values["samples_per_s"] ?? $0.values["msgs_per_s"]]) }
        return "<h2>Throughput</h2>" + chart.render()
    }

    private func wasmSection() -> String {
        let items = measurements(["wasm-batch"])
        guard !items.isEmpty else { return "" }
        var keys: [String] = []
        for m in items {
            let key = "\(m.parameters["module"] ?? "?") batch \(m.parameters["batch"] ?? "?")"
            if !keys.contains(key) { keys.append(key) }
        }
        let hosts = ["native-c", "bare-wasmkit", "app-core"]
        var chart = BenchBarChart(
            title: "Execution time per batch (median, ns)", unit: "ns",
            series: [("native C (cc -O2)", "#7f7f7f"), ("bare WasmKit", "#1f77b4"), ("app core host", "#d62728")])
        chart.logScale = true
        chart.rows = keys.map { key in
            .init(
                label: key,
                values: hosts.map { host in
                    items.first { "\($0.parameters["module"] ?? "?") batch \($0.parameters["batch"] ?? "?")" == key
                        && $0.parameters["host"] == host }?.values["p50_ns"]
                })
        }
        var fuel = "<table><tr><th>module</th><th>batch</th><th>fuel per batch</th></tr>"
        for m in items where m.parameters["host"] == "bare-wasmkit" {
            fuel += "<tr><td>\(htmlEscaped(m.parameters["module"] ?? ""))</td><td>\(m.parameters["batch"] ?? "")</td>"
            fuel += "<td>\(m.values["fuel_per_batch"].map { String(Int($0)) } ?? "–")</td></tr>"
        }
        return "<h2>Wasm execution per batch</h2>" + chart.render() + fuel + "</table>"
    }

    private func rtLoopSection() -> String {
        let items = measurements(["rt-lateness", "cyclictest"]).sorted { $0.id < $1.id }
        guard !items.isEmpty else { return "" }
        var html = "<h2>Real-time loop wake-up lateness vs cyclictest</h2>"
        html += latencyBars("Wake-up lateness (µs)", items) { $0.id }
        html += percentileCurves("Lateness percentile distribution", items)
        return html
    }

    private func controlSection() -> String {
        let items = measurements(["control"]).sorted {
            ($0.values["quantum_ticks"] ?? 0) < ($1.values["quantum_ticks"] ?? 0)
        }
        guard !items.isEmpty else { return "" }
        var html = "<h2>Control quality vs sensor-to-actuator delay</h2>"
        html += "<p>Virtual-clock runs of the real cores: a command computed from tick k takes effect at the next quantum "
        html += "boundary, so the delay is 1…Q ticks.</p>"
        var boards: [String] = []
        for m in items where !boards.contains(m.parameters["board"] ?? "?") { boards.append(m.parameters["board"] ?? "?") }
        for (metric, unit) in [("overshoot_pct", "%"), ("settling_s", "s"), ("iae_degC_s", "°C·s"), ("rt_failsafe_entries", "")] {
            var chart = SVGLineChart(title: "", xLabel: "quantum (ticks) = largest sensor-to-actuator delay", yLabel: unit)
            chart.height = 220
            for (index, board) in boards.enumerated() {
                let points = items.filter { ($0.parameters["board"] ?? "?") == board }.compactMap { m -> (x: Double, y: Double)? in
                    guard let q = m.values["quantum_ticks"], let v = m.values[metric] else { return nil }
                    return (q, v)
                }
                if !points.isEmpty {
                    chart.series.append(.init(name: board, color: Self.palette[index % Self.palette.count], points: points))
                }
            }
            if !chart.series.isEmpty { html += "<h3>\(htmlEscaped(metric)) vs quantum</h3>" + chart.render() }
        }
        html += "<table><tr><th>board</th><th>quantum</th><th>overshoot %</th><th>settling s</th><th>IAE °C·s</th>"
        html += "<th>commands accepted</th><th>fail-safe entries</th></tr>"
        for m in items {
            func f(_ key: String) -> String { m.values[key].map { ChartAxis.label($0) } ?? "–" }
            html += "<tr><td>\(htmlEscaped(m.parameters["board"] ?? ""))</td><td>\(f("quantum_ticks"))</td>"
            html += "<td>\(f("overshoot_pct"))</td><td>\(f("settling_s"))</td><td>\(f("iae_degC_s"))</td>"
            html += "<td>\(f("commands_accepted"))</td><td>\(f("rt_failsafe_entries"))</td></tr>"
        }
        html += "</table>"
        return html
    }

    private func tableSection() -> String {
        var html = "<h2>All measurements</h2><table><tr><th>id</th><th>n</th><th>p50</th><th>p90</th><th>p99</th>"
        html += "<th>p99.9</th><th>max</th><th>values</th><th>note</th></tr>"
        for m in results.measurements {
            let l = m.latency
            func f(_ v: Double?) -> String { v.map { String($0) } ?? "" }
            html += "<tr><td>\(htmlEscaped(m.id))</td><td>\(l.map { String($0.count) } ?? "")</td><td>\(f(l?.p50))</td>"
            html += "<td>\(f(l?.p90))</td><td>\(f(l?.p99))</td><td>\(f(l?.p999))</td><td>\(f(l?.max))</td>"
            let values = m.values.sorted { $0.key < $1.key }.map { "\($0.key)=\(ChartAxis.label($0.value))" }.joined(separator: " ")
            html += "<td class=\"small\">\(htmlEscaped(values))</td><td class=\"small\">\(htmlEscaped(m.note ?? ""))</td></tr>"
        }
        return html + "</table><p class=\"small\">Latency columns in µs. Each distribution is also in its .hgrm file.</p>"
    }
}
