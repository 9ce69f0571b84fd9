import ArgumentParser
import Foundation
import SoCCommandLine
import SoCParameters

#if canImport(Glibc)
import Glibc
#endif

/// `splitsoc monitor`: subscribes to a running real-time core's status and/or application core's
/// telemetry and shows them live (the demo's live view without the story).
struct MonitorCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "monitor",
        abstract: "Show a running core's status and telemetry live.",
        discussion: """
            Subscribes to the PUB endpoints given to `splitsoc-rt --status` and `splitsoc-app --telemetry` \
            (docs/process-interfaces.md). On a terminal the view is redrawn 5 times a second; otherwise one \
            plain line is printed per second. Module events are printed as they arrive. Stops after \
            --duration seconds, or on Ctrl-C.
            """
    )

    @Option(name: .customLong("status"), help: "The real-time core's status endpoint (splitsoc-rt --status).")
    var rtStatus: String?

    @Option(name: .customLong("telemetry"), help: "The application core's telemetry endpoint (splitsoc-app --telemetry).")
    var appTelemetry: String?

    @Option(parsing: .unconditional, help: "Stop after this many seconds (\(Parameter.duration.span); default: until Ctrl-C).")
    var duration: Double?

    @Flag(help: "Print plain lines even on a terminal.")
    var plain = false

    @Flag(help: "Print every received message as received (topic and JSON), nothing else.")
    var raw = false

    func validate() throws {
        guard rtStatus != nil || appTelemetry != nil else {
            throw ValidationError("give --status ENDPOINT, --telemetry ENDPOINT or both")
        }
        try Parameter.duration.validate(duration, flag: "--duration")
    }

    func run() throws {
        let terminal = isatty(STDOUT_FILENO) != 0 && !plain && !raw
        let colour = terminal && ProcessInfo.processInfo.environment["NO_COLOR"] == nil
        let collector = StatusCollector(rtStatus: rtStatus, appTelemetry: appTelemetry)
        defer { collector.stop() }
        let view = LiveView(duration: duration ?? 0, colour: colour)
        let redrawer = terminal ? TerminalRedrawer() : nil
        var printedEvents = 0
        var printedRT = 0, printedApp = 0
        var nextLine = 1.0
        while duration.map({ collector.elapsed < $0 }) ?? true {
            let snapshot = collector.snapshot()
            var recording = DemoRecording()
            recording.rt = snapshot.rt.map { Timed(at: $0.time, $0.status) }
            recording.app = snapshot.app.map { Timed(at: $0.time, $0.telemetry) }
            for entry in snapshot.events { recording.record(.event(entry.event), at: entry.time) }
            let now = collector.elapsed
            if raw {
                // Re-encoded from the parsed form: the collector keeps values, not bytes.
                for entry in snapshot.rt.dropFirst(printedRT) { emit(String(format: "%8.3f ", entry.time) + Self.json("rt", entry.status)) }
                for entry in snapshot.app.dropFirst(printedApp) { emit(String(format: "%8.3f ", entry.time) + Self.json("app", entry.telemetry)) }
                for entry in snapshot.events.dropFirst(printedEvents) { emit(String(format: "%8.3f ", entry.time) + Self.json("event", entry.event)) }
                (printedRT, printedApp, printedEvents) = (snapshot.rt.count, snapshot.app.count, snapshot.events.count)
                Thread.sleep(forTimeInterval: 0.1)
                continue
            }
            if let redrawer {
                redrawer.draw(view.frame(recording, at: now))
                Thread.sleep(forTimeInterval: 0.2)
            } else {
                for event in recording.events.dropFirst(printedEvents) {
                    emit(String(format: "[%5.1fs] event ", event.at) + event.text)
                }
                printedEvents = recording.events.count
                if now >= nextLine {
                    emit(view.plainLine(recording, at: now))
                    nextLine += 1
                }
                Thread.sleep(forTimeInterval: 0.1)
            }
        }
        if snapshot(collector).malformed > 0 {
            FileHandle.standardError.write(Data("splitsoc monitor: \(collector.snapshot().malformed) messages ignored (other topics such as module values, or malformed)\n".utf8))
        }
    }

    /// Writes a line unbuffered, so a pipe sees it at once.
    private func emit(_ line: String) { FileHandle.standardOutput.write(Data((line + "\n").utf8)) }

    private func snapshot(_ collector: StatusCollector) -> CollectedStatus { collector.snapshot() }

    static func json<T: Encodable>(_ topic: String, _ value: T) -> String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        let text = (try? encoder.encode(value)).map { String(decoding: $0, as: UTF8.self) } ?? "{}"
        return "\(topic) \(text)"
    }
}
