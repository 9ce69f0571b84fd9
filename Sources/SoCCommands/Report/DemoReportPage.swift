import Foundation

/// Renders `report.html`: one self-contained page (inline CSS and SVG, no scripts, nothing fetched)
/// that explains a demo run to someone who did not watch it.
package struct DemoReportPage: Sendable {
    package var summary: DemoSummary
    package var recording: DemoRecording
    /// Files written next to the report (name, what it is), listed at the end.
    package var files: [(name: String, about: String)]

    /// A page for one run.
    package init(summary: DemoSummary, recording: DemoRecording, files: [(name: String, about: String)] = []) {
        self.summary = summary
        self.recording = recording
        self.files = files
    }

    /// Background colour of each phase (light, so the lines stay readable on top).
    package static func phaseColor(_ phase: DemoPhase) -> String {
        switch phase {
        case .regulation: "#eef5ff"
        case .hotSwap: "#eafbea"
        case .moduleFault: "#fff4e0"
        case .appKilled: "#fde8e8"
        case .recovery: "#f1ecfb"
        }
    }

    /// Marker colour of an event kind.
    static func markerColor(_ event: DemoEvent) -> String {
        if EventKind.isTrap(event) || EventKind.isRollback(event) { return "#e67e00" }
        if EventKind.isSwap(event) { return "#1f77b4" }
        switch event.kind {
        case "swap-requested": return "#1f77b4"
        case "app-killed", "failsafe-entered", "link-down": return "#c0392b"
        case "app-restarted", "failsafe-left", "link-up", "resync": return "#2e8b57"
        default: return "#555"
        }
    }

    /// The events worth a marker on the charts (phase starts are already the shaded bands).
    var markedEvents: [DemoEvent] {
        summary.events.filter { $0.kind != "phase" }
    }

    var bands: [SVGLineChart.Band] {
        summary.phases.compactMap { phase in
            guard let p = DemoPhase(rawValue: phase.name) else { return nil }
            return .init(from: phase.startS, to: phase.endS, label: p.shortTitle, color: Self.phaseColor(p))
        }
    }

    var markers: [SVGLineChart.Marker] {
        markedEvents.enumerated().map { index, event in
            .init(x: event.at, label: "\(index + 1)", title: String(format: "%.2f s: ", event.at) + event.text,
                  color: Self.markerColor(event))
        }
    }

    var xRange: ClosedRange<Double> { 0...max(summary.durationS, recording.rt.last?.at ?? 1, 1) }

    func temperatureChart() -> String {
        var chart = SVGLineChart(title: "Temperature and setpoint", xLabel: "time since start (s)", yLabel: "°C")
        chart.xRange = xRange
        chart.gapThreshold = 0.5
        chart.bands = bands
        chart.markers = markers
        chart.series = [
            .init(name: "setpoint", color: "#555555",
                  points: recording.rt.map { ($0.at, Double($0.value.setpointMilliC) / 1000) }, dashed: true, stepped: true),
            .init(name: "temperature (measured)", color: "#d62728",
                  points: recording.rt.map { ($0.at, Double($0.value.tempMilliC) / 1000) }),
        ]
        return chart.render()
    }

    func dutyChart() -> String {
        var chart = SVGLineChart(title: "Heater duty applied by the real-time core", xLabel: "time since start (s)",
                                 yLabel: "duty (%)")
        chart.xRange = xRange
        chart.yRange = 0...100
        chart.height = 240
        chart.gapThreshold = 0.5
        chart.bands = bands
        chart.markers = markers
        chart.series = [
            .init(name: "heater duty", color: "#ff7f0e",
                  points: recording.rt.map { ($0.at, Double($0.value.dutyPermille) / 10) }, stepped: true),
        ]
        return chart.render()
    }

    func rttChart() -> String {
        var chart = SVGLineChart(title: "Bridge round trip (sample → command), per 1 s window",
                                 xLabel: "time since start (s)", yLabel: "µs")
        chart.xRange = xRange
        chart.height = 240
        chart.gapThreshold = 0.5
        chart.bands = bands
        chart.markers = markers
        let windows = recording.rt.compactMap { sample -> (Double, PublishedPercentiles)? in
            guard sample.value.link == "up", let rtt = sample.value.rttMicroseconds, rtt.p50 > 0 else { return nil }
            return (sample.at, rtt)
        }
        chart.series = [
            .init(name: "p99", color: "#9467bd", points: windows.map { ($0.0, Double($0.1.p99)) }),
            .init(name: "p50", color: "#2ca02c", points: windows.map { ($0.0, Double($0.1.p50)) }),
        ]
        // Logarithmic: the median sits at hundreds of microseconds while stalls (a module being
        // compiled during a swap, the VM) reach milliseconds; a linear axis would flatten the median.
        chart.logarithmicY = true
        chart.yLabel = "µs (log scale)"
        if windows.isEmpty { chart.yRange = 10...1000 }
        return chart.render()
    }

    func rttHistogram() -> String {
        var histogram = SVGHistogram(title: "Round-trip medians: how the 1 s windows are distributed",
                                     xLabel: "window median round trip (µs; bins grow ×1.5–2 so a long tail stays readable)",
                                     yLabel: "status samples")
        histogram.height = 260
        histogram.color = "#2ca02c"
        let values = recording.rt.compactMap { s -> Double? in
            guard s.value.link == "up", let rtt = s.value.rttMicroseconds, rtt.p50 > 0 else { return nil }
            return Double(rtt.p50)
        }
        histogram.bins = SVGHistogram.logBins(for: values)
        return histogram.render()
    }

    func timeline() -> String {
        let width = 1100.0, height = 56.0
        let total = max(xRange.upperBound, 1e-9)
        var svg = "<svg xmlns=\"http://www.w3.org/2000/svg\" viewBox=\"0 0 \(Int(width)) \(Int(height))\" "
            + "width=\"\(Int(width))\" height=\"\(Int(height))\" font-family=\"system-ui, sans-serif\" font-size=\"12\">"
        for (index, phase) in summary.phases.enumerated() {
            let x = phase.startS / total * width, w = max(0, (phase.endS - phase.startS) / total * width)
            let color = DemoPhase(rawValue: phase.name).map(Self.phaseColor) ?? "#eee"
            svg += "<rect x=\"\(x)\" y=\"4\" width=\"\(w)\" height=\"32\" fill=\"\(color)\" stroke=\"#999\"/>"
            svg += "<text x=\"\(x + 6)\" y=\"25\" font-weight=\"600\">\(index + 1). "
                + "\(htmlEscaped(phase.name))</text>"
            svg += "<text x=\"\(x + 2)\" y=\"52\" fill=\"#555\">\(String(format: "%.1f s", phase.startS))</text>"
        }
        svg += "</svg>"
        return svg
    }

    static let style = """
        body { font-family: system-ui, -apple-system, "Segoe UI", sans-serif; color: #222; margin: 24px auto;
               max-width: 1140px; line-height: 1.45; }
        h1 { margin-bottom: 4px; } h2 { margin-top: 32px; border-bottom: 1px solid #ddd; padding-bottom: 4px; }
        .meta { color: #555; }
        .badge { display: inline-block; padding: 4px 12px; border-radius: 4px; font-weight: 700; color: #fff; }
        .pass { background: #2e8b57; } .fail { background: #c0392b; }
        table { border-collapse: collapse; margin: 8px 0; }
        th, td { border: 1px solid #ddd; padding: 4px 10px; text-align: left; vertical-align: top; }
        th { background: #f4f4f4; } td.num { text-align: right; white-space: nowrap; font-variant-numeric: tabular-nums; }
        .ok { color: #2e8b57; font-weight: 700; } .bad { color: #c0392b; font-weight: 700; }
        .chart { margin: 12px 0; border: 1px solid #e4e4e4; }
        .kpis { display: flex; gap: 12px; flex-wrap: wrap; margin: 16px 0; }
        .kpi { border: 1px solid #ddd; border-radius: 6px; padding: 8px 14px; min-width: 150px; }
        .kpi b { display: block; font-size: 22px; } .kpi span { color: #555; font-size: 13px; }
        .glossary { color: #555; font-size: 13px; }
        .swatch { display: inline-block; width: 12px; height: 12px; border: 1px solid #999; margin-right: 6px; }
        .dot { display: inline-block; width: 20px; height: 20px; border-radius: 10px; color: #fff; text-align: center;
               font-size: 12px; font-weight: 700; line-height: 20px; }
        .columns { display: flex; gap: 32px; flex-wrap: wrap; align-items: flex-start; }
        code { background: #f4f4f4; padding: 1px 4px; border-radius: 3px; }
        """

    /// The whole page.
    package func render() -> String {
        let s = summary
        var html = "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">"
        html += "<title>SplitSoC demo report: \(htmlEscaped(s.board))</title><style>\(Self.style)</style></head><body>\n"
        html += "<h1>SplitSoC demo report</h1>\n"
        html += "<p class=\"meta\">board <b>\(htmlEscaped(s.board))</b> · link over <b>\(htmlEscaped(s.transport))://</b>"
            + " · started \(htmlEscaped(s.startedAt)) · ran \(String(format: "%.1f", s.durationS)) s · "
            + "<span class=\"badge \(s.passed ? "pass" : "fail")\">"
            + "\(s.passed ? "ALL CHECKS PASSED" : "\(s.checks.filter { !$0.passed }.count) CHECK(S) FAILED")</span></p>\n"
        html += "<p>Two OS processes: the <b>real-time core</b> (<code>splitsoc-rt</code>: sensors, plant, heater, "
            + "safety supervisor) and the <b>application core</b> (<code>splitsoc-app</code>: the thermostat as a "
            + "sandboxed WebAssembly module), joined by a binary protocol over ZeroMQ. The demo swaps modules, "
            + "injects a crashing module and kills the application core, and shows that the real-time core stays "
            + "safe throughout.</p>\n"

        html += "<div class=\"kpis\">"
        func kpi(_ value: String, _ label: String) -> String { "<div class=\"kpi\"><b>\(value)</b><span>\(label)</span></div>" }
        if let p50 = s.rtt.runP50Us, let p99 = s.rtt.runP99Us {
            html += kpi("\(p50) µs", "round trip p50 (all \(s.rtt.runCount ?? 0) commands)")
            html += kpi("\(p99) µs", "round trip p99 (max \(s.rtt.runMaxUs ?? 0) µs)")
        } else {
            html += kpi("\(s.rtt.p50Us) µs", "round trip, median of 1 s windows")
            html += kpi("\(s.rtt.p99Us) µs", "round trip p99 (median window)")
        }
        html += kpi("\(s.swaps)", "hot swaps")
        html += kpi("\(s.traps) / \(s.rollbacks)", "traps / automatic rollbacks")
        html += kpi("\(s.failsafeEntries)", "fail-safe entries")
        html += kpi("\(s.resyncs)", "resynchronisations")
        html += kpi(String(format: "%.2f °C", Double(s.temperatureError.meanAbsMilliC) / 1000),
                    "mean |temperature − setpoint| once reached")
        html += "</div>\n"
        html += "<ul class=\"glossary\">" + MetricGlossary.all.map { "<li>\(htmlEscaped($0))</li>" }.joined() + "</ul>\n"
        if let atStop = s.failsafeEntriesAtStop {
            html += "<p class=\"glossary\">\(atStop) more fail-safe entr\(atStop == 1 ? "y" : "ies") while stopping (the "
                + "application core is stopped first, and its Goodbye puts the real-time core in fail-safe): counted in "
                + "rt-summary.json, not above.</p>\n"
        }

        html += "<h2>Story</h2>\n" + timeline() + "\n<table><tr><th>#</th><th>phase</th><th>from</th><th>to</th>"
            + "<th>what happens</th><th>watch for</th></tr>\n"
        for (index, phase) in s.phases.enumerated() {
            let p = DemoPhase(rawValue: phase.name)
            html += "<tr><td>\(index + 1)</td><td><span class=\"swatch\" style=\"background:"
                + "\(p.map(Self.phaseColor) ?? "#eee")\"></span>\(htmlEscaped(phase.title))</td>"
                + "<td class=\"num\">\(String(format: "%.1f s", phase.startS))</td>"
                + "<td class=\"num\">\(String(format: "%.1f s", phase.endS))</td>"
                + "<td>\(htmlEscaped(p?.story ?? ""))</td><td>\(htmlEscaped(p?.watchFor ?? ""))</td></tr>\n"
        }
        html += "</table>\n"

        html += "<h2>Checks</h2>\n<table><tr><th>check</th><th>result</th><th>detail</th></tr>\n"
        for check in s.checks {
            html += "<tr><td>\(htmlEscaped(check.name))</td><td class=\"\(check.passed ? "ok" : "bad")\">"
                + "\(check.passed ? "pass" : "FAIL")</td><td>\(htmlEscaped(check.detail))</td></tr>\n"
        }
        html += "</table>\n"

        html += "<h2>What the plant did</h2>\n<p>Shaded bands are the story's phases; numbered markers are the "
            + "events listed below the charts. Gaps in a line mean no status arrived.</p>\n"
        html += "<div class=\"chart\">\(temperatureChart())</div>\n<div class=\"chart\">\(dutyChart())</div>\n"
        html += "<h2>Events</h2>\n<table><tr><th>#</th><th>time</th><th>from</th><th>event</th></tr>\n"
        for (index, event) in markedEvents.enumerated() {
            html += "<tr><td><span class=\"dot\" style=\"background:\(Self.markerColor(event))\">\(index + 1)</span></td>"
                + "<td class=\"num\">\(String(format: "%.2f s", event.at))</td>"
                + "<td>\(Self.sourceName(event.source))</td><td>\(htmlEscaped(event.text))</td></tr>\n"
        }
        html += "</table>\n"

        html += "<h2>The bridge</h2>\n<p>The round trip is measured by the real-time core from the timestamp of "
            + "the tick grant to the command that answers it (protocol SPEC §5.3): sample out, Wasm pipeline, "
            + "command back, across two processes. The status messages carry the percentiles of the last second, "
            + "ten times a second; the charts show those windows.\(s.rtt.runCount.map { " Over the whole run, the real-time core measured \($0) round trips: p50 \(s.rtt.runP50Us ?? 0) µs, p99 \(s.rtt.runP99Us ?? 0) µs, max \(s.rtt.runMaxUs ?? 0) µs." } ?? "")</p>\n"
        html += "<div class=\"chart\">\(rttChart())</div>\n<div class=\"chart\">\(rttHistogram())</div>\n"

        html += "<h2>Counters</h2>\n<div class=\"columns\">"
        html += counterTable("real-time core (one process)", s.rtCounters)
        html += counterTable("application core (summed over its processes)", s.appCounters)
        html += "<table><tr><th colspan=\"2\">temperature − setpoint (regulating, once reached)</th></tr>"
        let t = s.temperatureError
        let reached = t.reachedSetpointAtS.map { String(format: "%.1f s", $0) } ?? "never"
        for (name, value) in [("setpoint first reached", reached), ("samples", "\(t.samples)"), ("mean", Self.mC(t.meanMilliC)),
                              ("mean |error|", Self.mC(t.meanAbsMilliC)), ("rms", Self.mC(t.rmsMilliC)),
                              ("max |error|", Self.mC(t.maxAbsMilliC)), ("final", Self.mC(t.finalMilliC))] {
            html += "<tr><td>\(name)</td><td class=\"num\">\(value)</td></tr>"
        }
        html += "</table></div>\n"

        if !files.isEmpty {
            html += "<h2>Files</h2>\n<table><tr><th>file</th><th>what</th></tr>\n"
            for file in files {
                html += "<tr><td><a href=\"\(htmlEscaped(file.name))\">\(htmlEscaped(file.name))</a></td>"
                    + "<td>\(htmlEscaped(file.about))</td></tr>\n"
            }
            html += "</table>\n"
        }
        html += "<p class=\"meta\">Generated by <code>splitsoc demo</code>. Machine-readable: "
            + "<a href=\"summary.json\">summary.json</a>.</p>\n</body></html>\n"
        return html
    }

    static func mC(_ value: Int) -> String { String(format: "%.3f °C", Double(value) / 1000) }

    static func sourceName(_ source: DemoEvent.Source) -> String {
        switch source {
        case .demo: "demo (orchestrator)"
        case .rt: "real-time core"
        case .app: "application core"
        }
    }

    func counterTable(_ title: String, _ counters: [String: Int]) -> String {
        var html = "<table><tr><th colspan=\"2\">\(htmlEscaped(title))</th></tr>"
        for key in counters.keys.sorted() {
            html += "<tr><td>\(htmlEscaped(key.replacingOccurrences(of: "_", with: " ")))</td>"
                + "<td class=\"num\">\(counters[key] ?? 0)</td></tr>"
        }
        return html + "</table>"
    }
}
