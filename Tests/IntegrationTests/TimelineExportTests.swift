import Foundation
import SoCCommands
import Testing

/// `splitsoc trace export`: Chrome trace JSON and VCD from real-time core traces, checked against
/// the formats (trace-event JSON: every event's phase and fields; VCD: IEEE 1364 §18 structure).
@Suite("Trace export: Chrome trace JSON and VCD")
struct TimelineExportTests {
    static let sampleTrace = """
        # splitsoc-rt trace v1
        # board=thermo-adc clock=virtual seed=1 tick_hz=1000 quantum=10
        0 session n=1
        0 state from=starting to=normal reason=session
        0 sample ch=0 status=ok value=20000
        9 sample ch=0 status=ok value=20100
        10 cmd-rx target=1 value=600 valid=0 from=9
        10 cmd-accept target=1 value=600 clamped=0
        10 actuator target=1 value=600
        20 cmd-rx target=1 value=-5 valid=0 from=19
        250 interlock over-temperature on
        300 state from=normal to=failsafe reason=silence
        301 actuator target=1 value=0
        400 state from=failsafe to=normal reason=recovered
        450 some-future-kind x=1
        """

    /// Checks the trace-event rules a viewer relies on; returns the events.
    static func checkChromeTrace(_ json: String) throws -> [[String: Any]] {
        let object = try #require(try JSONSerialization.jsonObject(with: Data(json.utf8)) as? [String: Any])
        let events = try #require(object["traceEvents"] as? [[String: Any]])
        for event in events {
            let phase = try #require(event["ph"] as? String)
            #expect(["M", "X", "C", "i"].contains(phase), "\(event)")
            #expect(event["pid"] is Int && event["tid"] is Int && event["name"] is String, "\(event)")
            if phase != "M" { #expect((event["ts"] as? Double).map { $0 >= 0 } == true, "\(event)") }
            if phase == "X" { #expect((event["dur"] as? Double).map { $0 >= 0 } == true, "\(event)") }
            if phase == "C" { #expect((event["args"] as? [String: Any])?["value"] is Int, "\(event)") }
        }
        return events
    }

    /// A small VCD reader: header declarations, then time stamps and value changes, every change
    /// naming a declared identifier with a value that fits its width, times strictly increasing.
    static func checkVCD(_ text: String) throws -> (signals: [String: (name: String, width: Int)], changes: Int) {
        var signals: [String: (name: String, width: Int)] = [:]
        let lines = text.split(separator: "\n").map(String.init)
        let end = try #require(lines.firstIndex(of: "$enddefinitions $end"))
        #expect(lines.contains { $0.hasPrefix("$timescale ") })
        for line in lines[..<end] where line.hasPrefix("$var ") {
            let words = line.split(separator: " ")
            #expect(words.count == 6 && words[5] == "$end", "\(line)")
            signals[String(words[3])] = (String(words[4]), Int(words[2]) ?? 0)
        }
        var time = -1
        var changes = 0
        for line in lines[(end + 1)...] where !["$dumpvars", "$end"].contains(line) {
            if line.hasPrefix("#") {
                let next = try #require(Int(line.dropFirst()))
                #expect(next > time, "time goes forward: \(line)")
                time = next
            } else if line.hasPrefix("b") {
                let parts = line.dropFirst().split(separator: " ")
                let signal = try #require(signals[String(parts[1])], "\(line)")
                #expect(parts[0].allSatisfy { $0 == "0" || $0 == "1" } && parts[0].count <= signal.width, "\(line)")
                changes += 1
            } else {
                let signal = try #require(signals[String(line.dropFirst())], "\(line)")
                #expect(signal.width == 1 && (line.first == "0" || line.first == "1"), "\(line)")
                changes += 1
            }
        }
        return (signals, changes)
    }

    @Test("A trace becomes trace-event JSON with the real-time core, the bridge and the application core")
    func chromeExport() throws {
        let timeline = TraceTimeline.parse(Self.sampleTrace)
        let events = try Self.checkChromeTrace(ChromeTraceExport.json(timeline))
        let processes = Set(events.filter { $0["name"] as? String == "process_name" }.map { $0["pid"] as? Int })
        #expect(processes == [1, 2, 3])
        let states = events.filter { $0["ph"] as? String == "X" && $0["pid"] as? Int == 1 }
        #expect(states.map { $0["name"] as? String } == ["normal", "failsafe", "normal"])
        let flights = events.filter { $0["pid"] as? Int == 2 && $0["ph"] as? String == "X" }
        #expect(flights.count == 2)
        // Computed from ticks ≤ 9, granted at 10, arrived at 10 (virtual time: 10 000 µs).
        #expect(flights.first?["ts"] as? Double == 10_000)
        #expect(events.contains { ($0["name"] as? String)?.hasPrefix("interlock over-temperature on") == true })
    }

    @Test("A trace becomes a VCD with state, actuator, relay, interlock and command signals")
    func vcdExport() throws {
        let text = VCDExport.vcd(TraceTimeline.parse(Self.sampleTrace))
        let (signals, changes) = try Self.checkVCD(text)
        #expect(Set(signals.values.map(\.name)) == [
            "supervisor_state", "actuator_target1_permille", "relay_on", "interlock_over_temperature", "command_target1",
        ])
        #expect(changes >= 8)
        // −5 as a 32-bit two's complement value.
        #expect(text.contains("b11111111111111111111111111111011 "))
        #expect(text.contains("#300\nb10 !"))
    }

    @Test("A real run's trace exports: both cores and the bridge present, commands carry their origin tick",
          .timeLimit(.minutes(2)))
    func realRunExports() throws {
        let pair = try CorePair()
        #expect(pair.waitUntilRegulating(timeout: .seconds(20)) != nil)
        let trace = try pair.stopAndReadTrace()
        let timeline = TraceTimeline.parse(trace)
        #expect(timeline.commands.count > 100)
        let latencies = timeline.commands.compactMap { command in command.fromTick.map { Int(command.tick) - Int($0) } }
        #expect(latencies.count == timeline.commands.count, "every cmd-rx says which samples it answered")
        #expect(latencies.allSatisfy { $0 >= 0 && $0 < 1_000 }, "a command never arrives before its samples")
        let events = try Self.checkChromeTrace(ChromeTraceExport.json(timeline))
        for pid in [1, 2, 3] { #expect(events.contains { $0["pid"] as? Int == pid && $0["ph"] as? String != "M" }) }
        let (_, changes) = try Self.checkVCD(VCDExport.vcd(timeline))
        #expect(changes > 10)
    }

    @Test("splitsoc trace export writes the files and refuses a file that is not a trace")
    func command() throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("export-\(getpid())")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        let trace = directory.appendingPathComponent("rt.trace")
        try Self.sampleTrace.write(to: trace, atomically: true, encoding: .utf8)
        let splitsoc = Executables.url("splitsoc").path
        for format in ["chrome", "vcd"] {
            let out = directory.appendingPathComponent("out.\(format)").path
            let child = ChildProcess(
                name: "export-\(format)", executable: URL(fileURLWithPath: splitsoc),
                arguments: ["trace", "export", trace.path, "--format", format, "-o", out], logDirectory: directory)
            try child.start()
            #expect(child.waitForExit(timeout: .seconds(20)) == 0)
            #expect(FileManager.default.fileExists(atPath: out))
        }
        let notATrace = directory.appendingPathComponent("x.txt")
        try "hello".write(to: notATrace, atomically: true, encoding: .utf8)
        let bad = ChildProcess(
            name: "export-bad", executable: URL(fileURLWithPath: splitsoc),
            arguments: ["trace", "export", notATrace.path, "-o", directory.appendingPathComponent("y").path],
            logDirectory: directory)
        try bad.start()
        #expect(bad.waitForExit(timeout: .seconds(20)) == 64)
        #expect(bad.stderrText().contains("is not a splitsoc-rt trace"))
    }
}
