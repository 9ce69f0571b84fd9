import Foundation

#if canImport(Glibc)
import Glibc
#endif

/// Runs the demo's story against two real core processes and collects what it needs for the report.
///
/// Not thread-safe: owned by `DemoCommand.run()`; the only other thread is the `StatusCollector`'s.
package final class DemoRunner {
    /// What to run.
    package struct Configuration: Sendable {
        package var board = "thermo-adc"
        package var transport: LinkTransportKind = .ipc
        package var duration = 20.0
        package var outputDirectory: URL
        package var firmware: DemoFirmware
        /// Redraw in place with ANSI escapes (a terminal) or print plain lines (a pipe).
        package var interactive: Bool
        package var colour: Bool
        package var seed: UInt64 = 1
        /// Tell the story (swap, fault, kill, restart); false only regulates, for trying your own
        /// module with `splitsoc app swap` (docs/tutorial-first-module.md).
        package var story = true
        /// The operator setpoint (milli-°C): 10 °C above the thermo boards' ambient, so that the
        /// warm-up ends within the first phase and the rest of the story shows regulation.
        package var setpointMilliC = 30_000
        /// Authenticate the link with CURVE (fresh keys for both cores in the output directory).
        package var curve = false

        /// A configuration; the rest keeps its defaults.
        package init(outputDirectory: URL, firmware: DemoFirmware, interactive: Bool, colour: Bool) {
            self.outputDirectory = outputDirectory
            self.firmware = firmware
            self.interactive = interactive
            self.colour = colour
        }
    }

    /// The outcome: the summary (also written to `summary.json`) and the files written.
    package struct Outcome: Sendable {
        package var summary: DemoSummary
        package var recording: DemoRecording
        package var files: [URL]
        /// Every child process started (both application cores), for leak checks.
        package var childPIDs: [Int32]
    }

    /// Seconds the run may overrun its duration while waiting for the link to come back.
    static let recoveryGrace = 15.0

    let configuration: Configuration
    let schedule: DemoSchedule
    let view: LiveView
    private var notes: [DemoEvent] = []
    private var phaseStarts: [Timed<DemoPhase>] = []
    private var output: (String) -> Void

    /// A runner writing its live view and announcements through `output` (stdout by default).
    package init(configuration: Configuration,
                 output: @escaping (String) -> Void = { FileHandle.standardOutput.write(Data($0.utf8)) }) {
        self.configuration = configuration
        self.schedule = DemoSchedule(
            duration: configuration.duration, phases: configuration.story ? DemoPhase.allCases : [.regulation])
        self.view = LiveView(duration: configuration.duration, colour: configuration.colour)
        self.output = output
    }

    /// Starts both cores, tells the story, stops everything and writes the report.
    /// - Throws: `OrchestrationError` when a core cannot be started; the children are stopped first.
    package func run() throws -> Outcome {
        let config = configuration
        var options = CoreOptions(runDirectory: config.outputDirectory)
        options.board = config.board
        options.transport = config.transport
        options.seed = config.seed
        // The demo's --setpoint is a temperature: a motor board keeps its own speed setpoint.
        options.rtExtraArguments = config.firmware.motor ? [] : ["--setpoint", String(config.setpointMilliC)]
        options.modules = config.firmware.pipeline
        if config.curve { try options.enableCurve() }
        let launcher = try CoreLauncher(options: options)
        var appProcesses: [ChildProcess] = []
        var collector: StatusCollector?
        defer {
            collector?.stop()
            launcher.stop()
        }

        say("Starting the real-time core (splitsoc-rt, board \(config.board), link \(launcher.endpoints.link))…")
        let rt = try launcher.startRealTimeCore()
        let statusCollector = StatusCollector(rtStatus: launcher.endpoints.rtStatus,
                                              appTelemetry: launcher.endpoints.appTelemetry)
        collector = statusCollector
        say("Starting the application core (splitsoc-app: "
            + config.firmware.pipeline.map { URL(fileURLWithPath: $0.path).deletingPathExtension().lastPathComponent }
            .joined(separator: " -> ") + " 1.0)…")
        appProcesses.append(try launcher.startApplicationCore(waitForSession: true))
        // PUB/SUB drops what is published before the subscription is live (ZeroMQ's "slow
        // joiner"): wait until both streams flow, so no module event of the story is lost.
        let streamsDeadline = ContinuousClock.now + .seconds(5)
        while statusCollector.latestRT == nil || statusCollector.latestApp == nil,
            ContinuousClock.now < streamsDeadline
        {
            Thread.sleep(forTimeInterval: 0.02)
        }
        // The story's time 0, taken before the endpoints are printed: someone (the tutorial, a
        // test) may act on them at once, and their events must land on the story's time axis.
        let origin = statusCollector.elapsed
        say("Both cores are up (rt pid \(rt.pid), app pid \(appProcesses[0].pid)). "
            + (config.story ? "The story takes " : "Regulating for ") + String(format: "%.0f s.", config.duration))
        say("  app control    \(launcher.endpoints.appControl)   (splitsoc app swap --control … --slot regulator --path …)")
        say("  rt status      \(launcher.endpoints.rtStatus)   (splitsoc monitor --status …)")
        say("  rt control     \(launcher.endpoints.rtControl)   (splitsoc rt setpoint --control … 35000)")
        say("  app telemetry  \(launcher.endpoints.appTelemetry)")

        func now() -> Double { statusCollector.elapsed - origin }
        let control = AppControlClient(endpoint: launcher.endpoints.appControl, timeoutMilliseconds: 5_000)
        let redrawer = config.interactive ? TerminalRedrawer(write: output) : nil
        var nextPhase = 0
        var nextPlainLine = 0.0
        var printedEvents: Set<String> = []

        /// Redraws the live view (terminal) or prints new events and the once-a-second line (plain),
        /// then sleeps until the next refresh.
        func refresh() {
            let t = now()
            let recording = makeRecording(statusCollector.snapshot(), origin: origin, endedAt: t)
            if let redrawer {
                redrawer.draw(view.frame(recording, at: t))
                Thread.sleep(forTimeInterval: 0.2)
            } else {
                // Plain output: every event once, as its own line, then the periodic status line.
                for event in recording.allEvents where event.kind != "phase" {
                    let key = "\(event.at) \(event.kind) \(event.text)"
                    if printedEvents.insert(key).inserted {
                        output(String(format: "[%5.1fs] event ", event.at) + "[\(event.source.rawValue)] \(event.text)\n")
                    }
                }
                if t >= nextPlainLine {
                    output(view.plainLine(recording, at: t) + "\n")
                    nextPlainLine += 1
                }
                Thread.sleep(forTimeInterval: 0.1)
            }
        }

        while true {
            let t = now()
            // Ctrl-C ends the story early, but the report is still written (it says how far it got).
            if t >= config.duration || OrchestratorSignals.stopRequested { break }
            // Start every phase whose time has come, announcing it first so that the viewer reads
            // what to watch before it happens.
            while nextPhase < schedule.slots.count, schedule.slots[nextPhase].start <= t {
                let phase = schedule.slots[nextPhase].phase
                let lines = view.announcement(
                    phase, index: nextPhase, of: schedule.slots.count, at: t, width: min(96, redrawer?.width ?? 96))
                if let redrawer { redrawer.printAbove(lines) } else { output(lines.joined(separator: "\n") + "\n") }
                phaseStarts.append(Timed(at: t, phase))
                perform(phase, launcher: launcher, control: control, appProcesses: &appProcesses, at: now)
                nextPhase += 1
            }
            refresh()
        }

        // A restarted application core may need longer than the last phase (a debug build compiles
        // its modules slowly): give the link up to `recoveryGrace` more seconds to come back, so the
        // story ends with its resolution rather than in the middle of it.
        let graceEnd = now() + Self.recoveryGrace
        while now() < graceEnd && !OrchestratorSignals.stopRequested {
            let latest = statusCollector.latestRT
            if latest?.state == "normal" && latest?.link == "up" { break }
            refresh()
        }

        if OrchestratorSignals.stopRequested { note("interrupted", "interrupted (Ctrl-C): the story stopped here", at: now()) }
        // Let the last status messages arrive, then stop politely: the real-time core writes its
        // trace and summary on SIGTERM.
        Thread.sleep(forTimeInterval: 0.5)
        let endedAt = now()
        statusCollector.stop()
        let snapshot = statusCollector.snapshot()
        // The last frame stays on screen above the summary.
        say("Stopping both cores…")
        // The application core first (its Goodbye is then not a failure), then the real-time core,
        // which writes its trace and summary on SIGTERM: give it time on a loaded machine.
        launcher.app?.terminate(grace: .seconds(5))
        rt.terminate(grace: .seconds(8))
        if rt.exitStatus != 0 {
            say("warning: the real-time core did not stop cleanly (\(rt.exitDescription)); its summary may be missing")
        }
        launcher.stop()
        let children = [rt] + appProcesses
        let childrenLeft = children.filter(\.isRunning).count
        if childrenLeft > 0 { ChildProcess.terminateAll() }

        var recording = makeRecording(snapshot, origin: origin, endedAt: endedAt)
        recording.unparsedMessages = snapshot.malformed
        var outcome = try writeReport(recording: recording, childrenLeft: childrenLeft)
        outcome.childPIDs = children.map(\.pid)
        return outcome
    }

    /// Does what the phase's announcement promised.
    private func perform(
        _ phase: DemoPhase, launcher: CoreLauncher, control: AppControlClient,
        appProcesses: inout [ChildProcess], at now: () -> Double
    ) {
        let firmware = configuration.firmware
        switch phase {
        case .regulation:
            break
        case .hotSwap:
            swap(control, to: firmware.thermostatV11, label: "\(firmware.regulatorName) 1.1", at: now)
        case .moduleFault:
            swap(control, to: firmware.thermostatFaulty, label: "\(firmware.regulatorName)-faulty (1.2)", at: now)
        case .appKilled:
            guard let app = launcher.app else { return }
            app.send(signal: SIGKILL)
            note("app-killed", "SIGKILL sent to splitsoc-app (pid \(app.pid))", at: now())
            _ = app.waitForExit(timeout: .seconds(2))
        case .recovery:
            do {
                let app = try launcher.startApplicationCore(waitForSession: false)
                appProcesses.append(app)
                note("app-restarted", "splitsoc-app started again (pid \(app.pid))", at: now())
            } catch {
                note("app-restart-failed", "could not restart splitsoc-app: \(error)", at: now())
            }
        }
    }

    private func swap(_ control: AppControlClient, to path: String, label: String, at now: () -> Double) {
        note("swap-requested", "swap requested: regulator -> \(label)", at: now())
        do {
            let reply = try control.swap(slot: "regulator", path: path)
            if reply["ok"] as? Bool != true {
                note("swap-refused", "swap refused: \(reply["error"] ?? "no reason given")", at: now())
            }
        } catch {
            note("swap-failed", "swap failed: \(error)", at: now())
        }
    }

    private func note(_ kind: String, _ text: String, at time: Double) {
        notes.append(DemoEvent(at: time, source: .demo, kind: kind, text: text))
    }

    private func say(_ text: String) {
        output((configuration.colour ? "\u{1B}[2m\(text)\u{1B}[0m" : text) + "\n")
    }

    /// The recording on the story's time axis (0 = the first phase starts); earlier messages are
    /// start-up noise and are left out.
    func makeRecording(_ collected: CollectedStatus, origin: Double, endedAt: Double) -> DemoRecording {
        var recording = DemoRecording()
        for entry in collected.rt where entry.time >= origin {
            recording.rt.append(Timed(at: entry.time - origin, entry.status))
        }
        for entry in collected.app where entry.time >= origin {
            recording.app.append(Timed(at: entry.time - origin, entry.telemetry))
        }
        recording.events = notes
        // Events are never dropped: one that arrived before time 0 is shown at 0.
        for entry in collected.events {
            recording.record(.event(entry.event), at: max(0, entry.time - origin))
        }
        recording.phaseStarts = phaseStarts
        recording.endedAt = endedAt
        return recording
    }

    /// Writes what was received as JSON lines: `{"at":…,"topic":"rt","message":{…}}`, in time order.
    static func writeStatusLines(_ recording: DemoRecording, to url: URL) throws {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        var lines: [(Double, String)] = []
        func line<T: Encodable>(_ at: Double, _ topic: String, _ value: T) throws {
            let message = String(decoding: try encoder.encode(value), as: UTF8.self)
            lines.append((at, "{\"at\":" + String(format: "%.3f", at) + ",\"topic\":\"\(topic)\",\"message\":" + message + "}"))
        }
        for sample in recording.rt { try line(sample.at, "rt", sample.value) }
        for sample in recording.app { try line(sample.at, "app", sample.value) }
        for event in recording.allEvents { try line(event.at, "event", event) }
        let text = lines.enumerated().sorted { ($0.element.0, $0.offset) < ($1.element.0, $1.offset) }
            .map(\.element.1).joined(separator: "\n") + "\n"
        try text.write(to: url, atomically: true, encoding: .utf8)
    }

    /// Writes `summary.json`, `report.html` and `status.jsonl`; the logs, trace and rt summary are
    /// already in the same folder.
    private func writeReport(recording: DemoRecording, childrenLeft: Int) throws -> Outcome {
        let directory = configuration.outputDirectory
        let formatter = ISO8601DateFormatter()
        let rtSummaryURL = directory.appendingPathComponent("rt-summary.json")
        let rtSummary = (try? Data(contentsOf: rtSummaryURL))
            .flatMap { try? JSONSerialization.jsonObject(with: $0) as? [String: Any] }
        try Self.writeStatusLines(recording, to: directory.appendingPathComponent("status.jsonl"))
        let summary = DemoSummary.make(
            recording: recording, board: configuration.board, transport: configuration.transport.rawValue,
            startedAt: formatter.string(from: Date(timeIntervalSinceNow: -recording.endedAt)),
            childrenLeft: childrenLeft, planned: Set(schedule.slots.map(\.phase)), rtSummary: rtSummary)
        let summaryURL = directory.appendingPathComponent("summary.json")
        try summary.jsonData().write(to: summaryURL)

        var fileList: [(name: String, about: String)] = [("summary.json", "machine-readable summary and checks")]
        let known: [(String, String)] = [
            ("rt.trace", "the real-time core's trace"),
            ("rt-summary.json", "the real-time core's own end-of-run summary"),
            ("status.jsonl", "every status, telemetry and event message received, one JSON object a line"),
            ("rt.stdout.log", "real-time core stdout"), ("rt.stderr.log", "real-time core stderr"),
            ("app.stdout.log", "application core stdout (both processes)"),
            ("app.stderr.log", "application core stderr (both processes)"),
        ]
        for (name, about) in known
        where FileManager.default.fileExists(atPath: directory.appendingPathComponent(name).path) {
            fileList.append((name, about))
        }
        let reportURL = directory.appendingPathComponent("report.html")
        let page = DemoReportPage(summary: summary, recording: recording, files: fileList)
        try page.render().write(to: reportURL, atomically: true, encoding: .utf8)
        let files = [summaryURL, reportURL] + fileList.dropFirst().map { directory.appendingPathComponent($0.name) }
        return Outcome(summary: summary, recording: recording, files: files, childPIDs: [])
    }
}
