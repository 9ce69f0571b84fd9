import FirmwareBuild
import Foundation
import SoCTesting
import Testing

#if canImport(Glibc)
import Glibc
#endif

#if canImport(FoundationXML)
import FoundationXML
#endif

@testable import SoCCommands

/// A hand-made recording of the whole story, as a real run would produce it: 10 Hz status, the
/// orchestrator's actions, the application core's module events and a fail-safe episode.
func storyRecording(duration: Double = 20, failsafeOnKill: Bool = true, rollBack: Bool = true) -> DemoRecording {
    var recording = DemoRecording()
    let schedule = DemoSchedule(duration: duration)
    var temperature = 20_000.0
    var rx = 0, applied = 0, failsafes = 0, resyncs = 0, session = 1, batches = 0
    var state = "normal", link = "up", version = "1.0"
    var current: DemoPhase?
    var appAlive = true
    for index in 0..<Int(duration * 10) {
        let t = Double(index) / 10 + 0.03
        let phase = schedule.phase(at: t)
        if phase != current {
            current = phase
            recording.startPhase(phase, at: t)
            switch phase {
            case .regulation: break
            case .hotSwap:
                recording.note("swap-requested", "swap requested: regulator -> thermostat 1.1", at: t)
                recording.record(.event(AppEvent(kind: "swapped", slot: "regulator", from: "1.0", to: "1.1")), at: t + 0.05)
                version = "1.1"
            case .moduleFault:
                recording.note("swap-requested", "swap requested: regulator -> thermostat-faulty", at: t)
                recording.record(.event(AppEvent(kind: "swapped", slot: "regulator", from: "1.1", to: "1.2")), at: t + 0.05)
                recording.record(.event(AppEvent(kind: "trapped", slot: "regulator", from: "1.2", detail: "unreachable")), at: t + 0.3)
                if rollBack {
                    recording.record(.event(AppEvent(kind: "rolled-back", slot: "regulator", from: "1.2", to: "1.1")), at: t + 0.31)
                }
            case .appKilled:
                recording.note("app-killed", "SIGKILL sent to splitsoc-app (pid 1234)", at: t)
                appAlive = false
            case .recovery:
                recording.note("app-restarted", "splitsoc-app started again (pid 1240)", at: t)
                appAlive = true
                batches = 0
                version = "1.0"
            }
        }
        if failsafeOnKill, phase == .appKilled, t - (schedule.slot(of: .appKilled)?.start ?? 0) > 0.3, state != "failsafe" {
            state = "failsafe"
            link = "down"
            failsafes += 1
        }
        if phase == .recovery, t - (schedule.slot(of: .recovery)?.start ?? 0) > 0.4, link != "up" {
            state = "normal"
            link = "up"
            resyncs += 1
            session += 1
        }
        let setpoint = 22_000.0
        let duty = state == "normal" ? min(1000, max(0, 0.3 * (setpoint - temperature))) : 0
        temperature += duty * 0.02 - (temperature - 20_000) * 0.01
        rx += 1000
        if state == "normal" { applied += 100 }
        var status = RTStatus()
        status.tMs = Int(t * 1000)
        status.tick = index * 100
        status.state = state
        status.link = link
        status.session = session
        status.board = "thermo-adc"
        status.tempMilliC = Int(temperature)
        status.setpointMilliC = Int(setpoint)
        status.dutyPermille = Int(duty)
        status.rxFrames = rx
        status.txFrames = rx
        status.commandsApplied = applied
        status.failsafeEntries = failsafes
        status.resyncs = resyncs
        status.rttMicroseconds = link == "up" ? PublishedPercentiles(p50: 60 + index % 7, p99: 150 + index % 13, max: 900) : nil
        recording.record(.rt(status), at: t)
        if appAlive {
            batches += 100
            var telemetry = AppTelemetry()
            telemetry.state = "running"
            telemetry.link = link
            telemetry.batches = batches
            var regulator = AppModuleStatus(slot: "regulator", name: "thermostat", version: version)
            regulator.fuelTotal = batches * 800
            telemetry.modules = [AppModuleStatus(slot: "filter", name: "calibrate-filter", version: "1.0"), regulator]
            recording.record(.app(telemetry), at: t + 0.05)
        }
    }
    recording.endedAt = duration
    return recording
}

@Suite("Demo story, live view and report (pure, no processes)")
struct DemoRenderingTests {
    @Test("The schedule splits the duration among the five phases in story order")
    func scheduleSplitsTheDuration() {
        let schedule = DemoSchedule(duration: 20)
        #expect(schedule.slots.map(\.phase) == DemoPhase.allCases)
        #expect(schedule.slots.first?.start == 0)
        #expect(schedule.slots.last?.end == 20)
        for (a, b) in zip(schedule.slots, schedule.slots.dropFirst()) { #expect(a.end == b.start) }
        #expect(schedule.phase(at: 0) == .regulation)
        #expect(schedule.phase(at: 5.5) == .hotSwap)
        #expect(schedule.phase(at: 19.9) == .recovery)
        #expect(schedule.phase(at: 25) == .recovery)
    }

    @Test("Phase announcements wrap at word boundaries within the width and keep every word")
    func announcementsWrapAtWords() {
        let view = LiveView(duration: 20, colour: false)
        for (index, phase) in DemoPhase.allCases.enumerated() {
            let lines = view.announcement(phase, index: index, at: 1, width: 60)
            let prose = lines.dropFirst(2).filter { !$0.isEmpty }
            #expect(prose.count >= 2)
            for line in prose {
                #expect(line.count <= 60, "\(line)")
                #expect(line.hasPrefix("  ") && !line.hasPrefix("   "), "\(line)")
            }
            let words = prose.flatMap { $0.split(separator: " ") }.map(String.init)
            let expected = (phase.story + " Watch for: " + phase.watchFor).split(separator: " ").map(String.init)
            #expect(words == expected)
        }
        #expect(LiveView.wrap("a b", width: 80, indent: "  ") == ["  a b"])
        #expect(LiveView.wrap(String(repeating: "x", count: 90), width: 40, indent: "") == [String(repeating: "x", count: 90)])
    }

    @Test("The status, telemetry and event examples of docs/process-interfaces.md parse")
    func contractExamplesParse() throws {
        let rt = try PublishedMessage.parse("""
            rt {"t_ms":1234,"tick":1234,"mode":"real","state":"normal","link":"up","session":3,\
            "board":"thermo-adc","temp_mC":21345,"setpoint_mC":22000,"duty_permille":412,\
            "motor_mrad_s":0,"rx_frames":1200,"tx_frames":2400,"rx_rejected":0,"tx_dropped":0,"frames_lost":0,\
            "commands_applied":1190,"commands_clamped":0,"commands_expired":0,"failsafe_entries":0,"resyncs":0,\
            "deadline_misses":0,"lateness_us":{"p50":14,"p99":40,"max":300},"rtt_us":{"p50":80,"p99":200,"max":900}}
            """)
        guard case .rt(let status) = rt else { Issue.record("not rt: \(rt)"); return }
        #expect(status.tempMilliC == 21345)
        #expect(status.dutyPermille == 412)
        #expect(status.commandsApplied == 1190)
        #expect(status.rttMicroseconds == PublishedPercentiles(p50: 80, p99: 200, max: 900))

        let app = try PublishedMessage.parse("""
            app {"t_ms":1234,"state":"running","session":3,"link":"up","rx_frames":2400,"tx_frames":1200,\
            "rx_rejected":0,"batches":1200,"modules":[{"slot":"filter","name":"ema-filter","version":"1.0",\
            "state":"active","calls":1200,"traps":0,"fuel_last":812,"fuel_total":974400,"batch_ns_p50":3000}]}
            """)
        guard case .app(let telemetry) = app else { Issue.record("not app: \(app)"); return }
        #expect(telemetry.batches == 1200)
        #expect(telemetry.fuelTotal == 974_400)
        #expect(telemetry.modules.first?.name == "ema-filter")

        let event = try PublishedMessage.parse(
            #"event {"t_ms":1500,"kind":"swapped","slot":"regulator","from":"1.0","to":"1.1","detail":"…"}"#)
        var expected = AppEvent(kind: "swapped", slot: "regulator", from: "1.0", to: "1.1", detail: "…")
        expected.tMs = 1500
        #expect(event == .event(expected))
    }

    @Test("Malformed messages are refused with a reason and counted by the recording")
    func malformedMessagesAreCounted() {
        #expect(throws: PublishedMessage.ParseError.self) { try PublishedMessage.parse("rt not-json") }
        #expect(throws: PublishedMessage.ParseError.self) { try PublishedMessage.parse("weather {}") }
        #expect(throws: PublishedMessage.ParseError.self) { try PublishedMessage.parse("no-space") }
        var recording = DemoRecording()
        recording.record(rawMessage: "rt {", at: 1)
        recording.record(rawMessage: #"rt {"state":"normal"}"#, at: 2)
        #expect(recording.unparsedMessages == 1)
        #expect(recording.rt.count == 1)
    }

    @Test("A full story passes every check and counts swaps, the trap, the rollback and the fail-safe episode")
    func fullStoryPassesEveryCheck() {
        let summary = DemoSummary.make(recording: storyRecording(), board: "thermo-adc", transport: "ipc",
                                       startedAt: "2026-01-01T00:00:00Z", childrenLeft: 0)
        for check in summary.checks { #expect(check.passed, "\(check.name): \(check.detail)") }
        #expect(summary.passed)
        #expect(summary.phases.map(\.name) == DemoPhase.allCases.map(\.rawValue))
        #expect(summary.swaps == 2)
        #expect(summary.traps == 1)
        #expect(summary.rollbacks == 1)
        #expect(summary.failsafeEntries == 1)
        #expect(summary.resyncs == 1)
        #expect(summary.appCounters["processes"] == 2)
        #expect(summary.rtt.p50Us >= 60 && summary.rtt.p50Us <= 66)
        #expect(summary.events.contains { $0.kind == "failsafe-entered" && $0.source == .rt })
        #expect(summary.events.contains { $0.kind == "failsafe-left" && $0.source == .rt })
    }

    @Test("A kill that does not trip the fail-safe and a fault without rollback fail their checks")
    func missingReactionsFailTheirChecks() {
        let summary = DemoSummary.make(recording: storyRecording(failsafeOnKill: false, rollBack: false),
                                       board: "thermo-adc", transport: "ipc", startedAt: "x", childrenLeft: 1)
        let failed = Set(summary.checks.filter { !$0.passed }.map(\.name))
        #expect(failed.contains("kill: real-time core entered fail-safe on its own"))
        #expect(failed.contains("fault: faulty module rolled back automatically"))
        #expect(failed.contains("clean-up: no child process left"))
        #expect(!summary.passed)
    }

    @Test("Without the story (--no-story) only the checks of the phases that ran are judged")
    func noStoryJudgesOnlyRegulation() {
        let summary = DemoSummary.make(recording: storyRecording(), board: "thermo-adc", transport: "ipc",
                                       startedAt: "x", childrenLeft: 0, planned: [.regulation])
        #expect(Set(summary.checks.map(\.name)) == [
            "both cores reported", "regulation: heater commands applied", "clean-up: no child process left",
        ])
        #expect(summary.passed)
    }

    @Test("The end-of-run text lists every check and where the report is")
    func summaryTextListsChecksAndFiles() {
        let summary = DemoSummary.make(recording: storyRecording(), board: "thermo-adc", transport: "ipc",
                                       startedAt: "x", childrenLeft: 0)
        let text = DemoSummaryText.render(summary, directory: "/tmp/out", colour: false)
        for check in summary.checks { #expect(text.contains("✔ \(check.name)")) }
        #expect(text.contains("All \(summary.checks.count) checks passed."))
        #expect(text.contains("/tmp/out/report.html"))
        #expect(!text.contains("\u{1B}"))
    }

    @Test("summary.json uses the documented snake_case keys and decodes back to the same summary")
    func summaryJSONRoundTrips() throws {
        let summary = DemoSummary.make(recording: storyRecording(), board: "thermo-i2c", transport: "tcp",
                                       startedAt: "2026-01-01T00:00:00Z", childrenLeft: 0)
        let data = try summary.jsonData()
        let object = try #require(try JSONSerialization.jsonObject(with: data) as? [String: Any])
        for key in ["phases", "rt_counters", "app_counters", "failsafe_entries", "resyncs", "swaps", "rollbacks",
                    "traps", "rtt", "temperature_error", "checks", "passed", "children_left"] {
            #expect(object[key] != nil, "missing \(key)")
        }
        #expect(try JSONDecoder().decode(DemoSummary.self, from: data) == summary)
    }

    @Test("The terminal frame shows the phase, the plant, the safety state and the modules")
    func terminalFrameShowsTheState() {
        let recording = storyRecording()
        let view = LiveView(duration: 20, colour: false)
        let normal = view.frame(recording, at: 6).joined(separator: "\n")
        #expect(normal.contains(DemoPhase.hotSwap.title))
        #expect(normal.contains("setpoint 22.00 °C"))
        #expect(normal.contains("NORMAL"))
        #expect(normal.contains("regulator=thermostat 1.1"))
        #expect(normal.contains("bridge RTT    p50"))
        let killed = view.frame(recording, at: 14).joined(separator: "\n")
        #expect(killed.contains("FAIL-SAFE"))
        #expect(killed.contains("silent"))
        #expect(!killed.contains("\u{1B}"), "no escapes without colour")
        let coloured = LiveView(duration: 20, colour: true).frame(recording, at: 14).joined()
        #expect(coloured.contains("\u{1B}[1;41;97mFAIL-SAFE"))
    }

    @Test("Plain lines are single-line key=value text without escapes")
    func plainLinesAreGreppable() {
        let line = LiveView(duration: 20, colour: true).plainLine(storyRecording(), at: 9)
        #expect(!line.contains("\n") && !line.contains("\u{1B}"))
        #expect(line.contains("phase=module-fault"))
        #expect(line.contains("rt=normal"))
        #expect(line.contains("regulator=thermostat@"))
    }

    @Test("The redrawer moves the cursor up over the previous frame and clears below")
    func redrawerRewritesInPlace() {
        final class Sink: @unchecked Sendable { var text = "" }
        let sink = Sink()
        let redrawer = TerminalRedrawer(width: 80) { sink.text += $0 }
        redrawer.draw(["a", "b", "c"])
        #expect(!sink.text.contains("\u{1B}[3A"))
        sink.text = ""
        redrawer.draw(["d"])
        #expect(sink.text.hasPrefix("\u{1B}[3A\r"))
        #expect(sink.text.hasSuffix("\u{1B}[J"))
        sink.text = ""
        redrawer.printAbove(["news"])
        #expect(sink.text == "\u{1B}[1A\r\u{1B}[Jnews\n")
    }

    @Test("Frame lines are cut to the terminal width, escape sequences taking no room")
    func linesFitTheTerminal() {
        #expect(TerminalRedrawer.fit("abcdef", width: 10) == "abcdef")
        #expect(TerminalRedrawer.fit("abcdefghijkl", width: 5) == "abcd…\u{1B}[0m")
        let coloured = "\u{1B}[32mabc\u{1B}[0mdef"
        #expect(TerminalRedrawer.fit(coloured, width: 10) == coloured)
    }

    @Test("The HTML report is self-contained and every chart is well-formed SVG")
    func reportIsSelfContained() throws {
        let recording = storyRecording()
        let summary = DemoSummary.make(recording: recording, board: "thermo-adc", transport: "ipc",
                                       startedAt: "2026-01-01T00:00:00Z", childrenLeft: 0)
        let html = DemoReportPage(summary: summary, recording: recording, files: [("rt.trace", "trace")]).render()
        #expect(!html.contains("<script"))
        #expect(!html.contains("<link"))
        #expect(!html.contains("https://"))
        #expect(!html.replacingOccurrences(of: "xmlns=\"http://www.w3.org/2000/svg\"", with: "").contains("http://"))
        for phase in DemoPhase.allCases { #expect(html.contains(htmlEscaped(phase.title))) }
        for check in summary.checks { #expect(html.contains(htmlEscaped(check.name))) }
        let svgs = html.components(separatedBy: "<svg").dropFirst().map { "<svg" + $0.components(separatedBy: "</svg>")[0] + "</svg>" }
        #expect(svgs.count == 5, "timeline, temperature, duty, RTT over time, RTT histogram")
        for svg in svgs {
            let parser = XMLParser(data: Data(svg.utf8))
            #expect(parser.parse(), "malformed SVG: \(parser.parserError.map(String.init(describing:)) ?? "")")
        }
    }

    @Test("A line chart breaks its line at gaps and stacks markers that are close together")
    func lineChartGapsAndMarkers() {
        var chart = SVGLineChart(title: "t", xLabel: "x", yLabel: "y")
        chart.gapThreshold = 0.5
        chart.series = [.init(name: "s", color: "#000", points: [(0, 1), (0.1, 2), (2, 3), (2.1, 4)])]
        chart.markers = [.init(x: 1, label: "1", title: "a"), .init(x: 1.01, label: "2", title: "b")]
        let svg = chart.render()
        let path = svg.components(separatedBy: "<path d=\"")[1].components(separatedBy: "\"")[0]
        #expect(path.filter { $0 == "M" }.count == 2)
        let circleYs = svg.components(separatedBy: "<circle").dropFirst().map {
            $0.components(separatedBy: "cy=\"")[1].components(separatedBy: "\"")[0]
        }
        #expect(circleYs.count == 2)
        #expect(Set(circleYs).count == 2, "the second marker is stacked below the first")
    }

    @Test("Application counters are summed over the processes: a counter going down means a restart")
    func appCountersAreSummedOverProcesses() {
        func telemetry(_ batches: Int, traps: Int) -> AppTelemetry {
            var t = AppTelemetry()
            t.batches = batches
            var module = AppModuleStatus(slot: "regulator", name: "thermostat", version: "1.0")
            module.traps = traps
            t.modules = [module]
            return t
        }
        let counters = DemoSummary.summedAppCounters([
            telemetry(100, traps: 0), telemetry(200, traps: 1), telemetry(300, traps: 1),
            telemetry(50, traps: 0), telemetry(150, traps: 0),
        ])
        #expect(counters["batches"] == 450)
        #expect(counters["traps"] == 1)
        #expect(counters["processes"] == 2)
    }

    @Test("Module events read as sentences without repeating the versions")
    func moduleEventsReadWell() {
        #expect(DemoRecording.describe(AppEvent(kind: "swapped", slot: "regulator", from: "1.0", to: "1.1",
                                                detail: "1.0 -> 1.1, probation 50 batches"))
            == "regulator: swapped 1.0 -> 1.1 (probation 50 batches)")
        #expect(DemoRecording.describe(AppEvent(kind: "trapped", slot: "regulator", from: "1.2", detail: "trap: unreachable"))
            == "regulator: 1.2 trapped (trap: unreachable)")
        #expect(DemoRecording.describe(AppEvent(kind: "rolled-back", slot: "regulator", from: "1.2", to: "1.1",
                                                detail: "1.2 faulted during probation (trap: unreachable); back to 1.1"))
            == "regulator: rolled back 1.2 -> 1.1 (1.2 faulted during probation (trap: unreachable))")
    }

    @Test("A logarithmic axis spans whole decades with 1-2-5 ticks")
    func logarithmicAxis() {
        #expect(ChartAxis.logRange(230...16_052) == 100...100_000)
        #expect(ChartAxis.logTicks(100...1000) == [100, 200, 500, 1000])
        var chart = SVGLineChart(title: "rtt", xLabel: "s", yLabel: "µs")
        chart.logarithmicY = true
        chart.series = [.init(name: "p50", color: "#000", points: [(0, 300), (1, 12_000)])]
        let svg = chart.render()
        #expect(svg.contains(">1000<") && svg.contains(">10k<"))
    }

    @Test("Histogram bins cover every value exactly once")
    func histogramBinsCoverEveryValue() {
        let values: [Double] = [41, 42, 55, 60, 61, 99, 120, 121, 400]
        let bins = SVGHistogram.bins(for: values, binCount: 10)
        #expect(bins.reduce(0) { $0 + $1.count } == values.count)
        #expect(SVGHistogram.bins(for: [], binCount: 10).isEmpty)
        let logBins = SVGHistogram.logBins(for: values)
        #expect(logBins.reduce(0) { $0 + $1.count } == values.count)
        #expect(logBins.first?.label == "30–50" && logBins.last?.label == "300–500")
        #expect(ChartAxis.ticks(0...100, count: 5) == [0, 20, 40, 60, 80, 100])
    }
}

/// Runs the real `splitsoc demo` binary: both cores as processes, the whole story shortened.
@Suite("splitsoc demo end to end (real processes)", .serialized)
struct DemoEndToEndTests {
    static func packageRoot() throws -> String {
        try #require(FirmwareBuilder.packageRoot(containing: #filePath))
    }

    /// True when `pid` no longer exists (signal 0 probes without signalling).
    static func isGone(_ pid: Int32) -> Bool { kill(pid, 0) != 0 && errno == ESRCH }

    @Test("A 10-second demo tells the whole story and leaves no process behind", .timeLimit(.minutes(3)))
    func shortDemoTellsTheWholeStory() throws {
        let splitsoc = try ProcessHarness.executablePath(named: "splitsoc")
        let out = FileManager.default.temporaryDirectory.appendingPathComponent("demo-test-\(getpid())-\(UInt32.random(in: 0...UInt32.max))")
        defer { try? FileManager.default.removeItem(at: out) }
        try withProcessHarness(hardTimeout: .seconds(150)) { harness in
            let demo = try harness.spawn(splitsoc, ["demo", "--duration", "10", "--out", out.path])
            let status = try demo.waitForExit(timeout: .seconds(140))
            let data = try Data(contentsOf: out.appendingPathComponent("summary.json"))
            let summary = try JSONDecoder().decode(DemoSummary.self, from: data)
            // "Stayed normal" during a swap depends on the machine: compiling the new module stalls the
            // application core's guest thread, and on a loaded 2-core VM running a debug build that
            // stall can exceed the 250 ms liveness budget, so the real-time core rightly goes
            // fail-safe. Those two checks are reported, not required here; every other one is.
            let tolerated: Set<String> = ["hot swap: real-time core stayed normal", "fault: real-time core stayed normal"]
            let failed = summary.checks.filter { !$0.passed && !tolerated.contains($0.name) }
                .map { "\($0.name): \($0.detail)" }
            #expect(failed.isEmpty, "failed checks: \(failed)\n\(demo.report())")
            #expect(status == (summary.passed ? 0 : 1), "the exit status says whether every check passed")
            #expect(summary.phases.map(\.name) == DemoPhase.allCases.map(\.rawValue))
            #expect(summary.swaps >= 2, "1.0 -> 1.1 and 1.1 -> faulty")
            #expect(summary.traps >= 1)
            #expect(summary.rollbacks >= 1)
            #expect(summary.failsafeEntries >= 1)
            #expect(summary.events.contains { $0.kind == "failsafe-entered" })
            #expect(summary.events.contains { $0.kind == "failsafe-left" })
            #expect(summary.resyncs >= 1)
            #expect(summary.childrenLeft == 0)
            #expect(summary.rtt.windows > 0 && summary.rtt.p50Us > 0)
            for file in ["report.html", "rt.stdout.log", "app.stdout.log"] {
                #expect(FileManager.default.fileExists(atPath: out.appendingPathComponent(file).path), "\(file) missing")
            }
            // Every core the demo started is gone, the killed one included.
            let stdout = demo.stdout
            let pids = stdout.split(separator: "\n").flatMap { line in
                line.components(separatedBy: "pid ").dropFirst().compactMap { Int32($0.prefix { $0.isNumber }) }
            }
            #expect(pids.count >= 3, "rt, first app, restarted app: \(stdout)")
            for pid in pids { #expect(Self.isGone(pid), "pid \(pid) still alive") }
        }
    }

    @Test("splitsoc monitor shows a running system's status as plain lines", .timeLimit(.minutes(2)))
    func monitorPrintsPlainLines() throws {
        let splitsoc = try ProcessHarness.executablePath(named: "splitsoc")
        let out = FileManager.default.temporaryDirectory.appendingPathComponent("demo-mon-\(getpid())-\(UInt32.random(in: 0...UInt32.max))")
        defer { try? FileManager.default.removeItem(at: out) }
        try withProcessHarness(hardTimeout: .seconds(100)) { harness in
            let demo = try harness.spawn(splitsoc, ["demo", "--no-story", "--duration", "30", "--out", out.path])
            let statusLine = try demo.waitForLine(containing: "rt status", timeout: .seconds(90))
            let telemetryLine = try demo.waitForLine(containing: "app telemetry", timeout: .seconds(5))
            func endpoint(_ line: String) throws -> String {
                try #require(line.split(separator: " ").first { $0.hasPrefix("ipc://") }.map(String.init), "\(line)")
            }
            let monitor = try harness.spawn(
                splitsoc, ["monitor", "--status", try endpoint(statusLine), "--telemetry", try endpoint(telemetryLine),
                           "--duration", "3"])
            #expect(try monitor.waitForExit(timeout: .seconds(30)) == 0, "\(monitor.report())")
            let lines = monitor.stdout.split(separator: "\n").filter { $0.contains("rt=") }
            #expect(lines.count >= 2, "\(monitor.stdout)")
            #expect(lines.contains { $0.contains("rt=normal") && $0.contains("regulator=thermostat@1.0") }, "\(monitor.stdout)")
            demo.send(signal: SIGINT)
            #expect(try demo.waitForExit(timeout: .seconds(20)) == 128 + SIGINT)
        }
    }

    @Test("Ctrl-C during the demo stops both cores", .timeLimit(.minutes(2)))
    func interruptStopsTheCores() throws {
        let splitsoc = try ProcessHarness.executablePath(named: "splitsoc")
        let out = FileManager.default.temporaryDirectory.appendingPathComponent("demo-int-\(getpid())-\(UInt32.random(in: 0...UInt32.max))")
        defer { try? FileManager.default.removeItem(at: out) }
        try withProcessHarness(hardTimeout: .seconds(100)) { harness in
            let demo = try harness.spawn(splitsoc, ["demo", "--duration", "30", "--out", out.path])
            let line = try demo.waitForLine(containing: "Both cores are up", timeout: .seconds(90))
            let pids = line.components(separatedBy: "pid ").dropFirst().compactMap { Int32($0.prefix { $0.isNumber }) }
            #expect(pids.count == 2, "\(line)")
            demo.send(signal: SIGINT)
            let status = try demo.waitForExit(timeout: .seconds(20))
            #expect(status == 128 + SIGINT)
            for pid in pids { #expect(Self.isGone(pid), "pid \(pid) still alive after Ctrl-C") }
            // Interrupted, the demo still writes its report, which says so.
            let summary = try String(contentsOf: out.appendingPathComponent("summary.json"), encoding: .utf8)
            #expect(summary.contains("interrupted (Ctrl-C)"))
            #expect(FileManager.default.fileExists(atPath: out.appendingPathComponent("report.html").path))
        }
    }
}
