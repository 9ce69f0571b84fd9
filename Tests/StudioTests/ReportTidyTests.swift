import Foundation
import Testing

@testable import SoCCommands

/// What a new user sees in the terminal view and the report (issue 15, item 4).
@Suite("Terminal view and report, tidied")
struct ReportTidyTests {
    static func circles(_ svg: String) -> [(x: String, y: String)] {
        svg.components(separatedBy: "<circle").dropFirst().map {
            ($0.components(separatedBy: "cx=\"")[1].components(separatedBy: "\"")[0],
             $0.components(separatedBy: "cy=\"")[1].components(separatedBy: "\"")[0])
        }
    }

    @Test("a burst of eight events at one moment gets eight separate markers, and a later one goes back to the top row")
    func markersOfABurstDoNotOverlap() {
        var chart = SVGLineChart(title: "t", xLabel: "x", yLabel: "y")
        chart.series = [.init(name: "s", color: "#000", points: [(0, 1), (10, 2)])]
        chart.markers = (0..<8).map { .init(x: 5 + Double($0) * 0.001, label: "\($0 + 1)", title: "e\($0)") }
            + [.init(x: 9, label: "9", title: "later")]
        let circles = Self.circles(chart.render())
        #expect(circles.count == 9)
        #expect(Set(circles.prefix(8).map(\.y)).count == 8, "two markers of the burst share a row: \(circles)")
        #expect(circles[8].y == circles[0].y, "a marker with room goes to the top row")
    }

    @Test("splitsoc monitor's plain line has no story phase to claim")
    func monitorLineWithoutAPhase() {
        var recording = DemoRecording()
        var status = RTStatus()
        status.state = "normal"
        status.link = "up"
        recording.rt = [Timed(at: 1, status)]
        let line = LiveView(duration: 0, colour: false).plainLine(recording, at: 1.2)
        #expect(!line.contains("phase="), "\(line)")
        #expect(line.contains("rt=normal"))
        let frame = LiveView(duration: 0, colour: false).frame(recording, at: 1.2)
        #expect(frame[0].hasPrefix("SplitSoC monitor"))
        #expect(!frame.contains { $0.hasPrefix("phase") })
    }

    @Test("a fail-safe entry made while stopping is reported apart from the run's")
    func failSafeAtTheCleanStop() throws {
        var recording = DemoRecording()
        var status = RTStatus()
        status.failsafeEntries = 1
        recording.rt = [Timed(at: 1, status)]
        let summary = DemoSummary.make(
            recording: recording, board: "thermo-adc", transport: "ipc", startedAt: "now", childrenLeft: 0,
            rtSummary: ["failsafe_entries": 2])
        #expect(summary.failsafeEntries == 1)
        #expect(summary.failsafeEntriesAtStop == 1)
        let text = DemoSummaryText.render(summary, directory: "/tmp/x", colour: false)
        #expect(text.contains("1 fail-safe entry (+1 at the clean stop"))
        let clean = DemoSummary.make(
            recording: recording, board: "thermo-adc", transport: "ipc", startedAt: "now", childrenLeft: 0,
            rtSummary: ["failsafe_entries": 1])
        #expect(clean.failsafeEntriesAtStop == nil)
    }

    @Test("the live view and the report say what fuel, dropped, deadline misses and the fallback mean")
    func numbersAreExplainedWhereTheyAre() {
        var recording = DemoRecording()
        var status = RTStatus()
        status.state = "failsafe"
        recording.rt = [Timed(at: 1, status)]
        let frame = LiveView(duration: 10, colour: false).frame(recording, at: 1.1).joined(separator: "\n")
        #expect(frame.contains("dropped: frames the real-time core did not send"))
        #expect(frame.contains("deadline misses: ticks whose work ended after"))
        #expect(frame.contains("failsafe_hysteresis_mC"), "in fail-safe the view explains the fallback")
        let summary = DemoSummary.make(
            recording: recording, board: "thermo-adc", transport: "ipc", startedAt: "now", childrenLeft: 0)
        let page = DemoReportPage(summary: summary, recording: recording, files: []).render()
        for entry in MetricGlossary.all { #expect(page.contains(entry.components(separatedBy: ":")[0] + ":")) }
        #expect(page.contains("fuel: Wasm operators a module ran"))
    }
}
