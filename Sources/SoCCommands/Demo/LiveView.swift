import Foundation

/// Renders the demo's live view from a recording: a block of lines for a terminal (redrawn in place
/// about 5 times a second) or one plain line a second when stdout is not a terminal.
///
/// Pure: the same recording and time give the same text, which is what the tests check.
package struct LiveView: Sendable {
    /// The run's total duration (seconds), for the progress bar.
    package var duration: Double
    /// Whether to colour the text with ANSI escapes.
    package var colour: Bool

    /// A renderer for a run of `duration` seconds.
    package init(duration: Double, colour: Bool) {
        self.duration = duration
        self.colour = colour
    }

    /// Status older than this is shown as stale (the publisher sends at 10 Hz).
    static let staleAfter = 0.5

    // MARK: Formatting helpers

    static func celsius(_ milli: Int) -> String { String(format: "%.2f °C", Double(milli) / 1000) }
    static func signedCelsius(_ milli: Int) -> String { String(format: "%+.2f °C", Double(milli) / 1000) }
    static func duty(_ permille: Int) -> String { String(format: "%5.1f %%", Double(permille) / 10) }
    static func rate(_ perSecond: Double?) -> String {
        guard let perSecond else { return "-" }
        return String(format: "%.0f/s", perSecond)
    }
    static func fuel(_ value: Int) -> String {
        switch value {
        case ..<10_000: "\(value)"
        case ..<1_000_000: String(format: "%.1fk", Double(value) / 1e3)
        default: String(format: "%.1fM", Double(value) / 1e6)
        }
    }
    static func rtt(_ rtt: PublishedPercentiles?) -> String {
        guard let rtt, rtt.p50 > 0 else { return "-" }
        return "p50 \(rtt.p50) µs  p99 \(rtt.p99) µs  max \(rtt.max) µs"
    }
    /// The regulator module (slot `regulator`, else the last module), as `name version`.
    static func regulator(_ app: AppTelemetry?) -> String {
        guard let app else { return "-" }
        guard let module = app.modules.first(where: { $0.slot == "regulator" }) ?? app.modules.last else { return "-" }
        return "\(module.name) \(module.version)"
    }
    static func modules(_ app: AppTelemetry) -> String {
        app.modules.map { "\($0.slot)=\($0.name) \($0.version)\($0.state == "active" || $0.state.isEmpty ? "" : " [\($0.state)]")" }
            .joined(separator: ", ")
    }

    func paint(_ text: String, _ code: String) -> String { colour ? "\u{1B}[\(code)m\(text)\u{1B}[0m" : text }

    func safety(_ rt: RTStatus?) -> String {
        switch rt?.state {
        case "normal": paint("NORMAL", "1;32")
        case "failsafe": paint("FAIL-SAFE (local fallback control)", "1;41;97")
        case let other?: paint(other.uppercased(), "1;33")
        case nil: paint("no status yet", "2")
        }
    }

    func link(_ value: String) -> String { value == "up" ? paint("up", "32") : paint(value, "1;31") }

    // MARK: Frames

    /// The terminal block at `time` (seconds since start), without cursor movement.
    package func frame(_ recording: DemoRecording, at time: Double) -> [String] {
        let phase = recording.phase(at: time)
        let rtSample = recording.latestRT(at: time)
        let appSample = recording.latestApp(at: time)
        let rt = rtSample?.value
        let rtStale = rtSample.map { time - $0.at > Self.staleAfter } ?? true
        let appStale = appSample.map { time - $0.at > Self.staleAfter } ?? true
        let rates = recording.rtFrameRates(at: time)

        let width = 30
        let done = duration > 0 ? min(1, max(0, time / duration)) : 0
        let filled = Int((done * Double(width)).rounded())
        let bar = String(repeating: "█", count: filled) + String(repeating: "·", count: width - filled)
        var lines: [String] = []
        lines.append(paint(recording.phaseStarts.isEmpty ? "SplitSoC monitor" : "SplitSoC demo", "1") + String(format: "  %5.1f / %.0f s  ", time, duration) + bar)
        if !recording.phaseStarts.isEmpty {
            lines.append("phase     " + paint(phase?.title ?? "starting", "1;36"))
            lines.append("watch     " + (phase?.watchFor ?? "both cores starting up"))
        }
        lines.append("")
        if let rt {
            let error = rt.tempMilliC - rt.setpointMilliC
            lines.append("real-time core  " + paint(rt.state, rt.state == "normal" ? "32" : "1;31")
                + "  link " + link(rt.link) + "  session \(rt.session)  tick \(rt.tick)"
                + (rtStale ? paint("  (stale)", "33") : ""))
            lines.append("  temperature   \(Self.celsius(rt.tempMilliC))  setpoint \(Self.celsius(rt.setpointMilliC))"
                + "  error \(Self.signedCelsius(error))")
            lines.append("  heater duty   \(Self.duty(rt.dutyPermille))")
            lines.append("  safety        " + safety(rt) + "  fail-safe entries \(rt.failsafeEntries)"
                + "  resyncs \(rt.resyncs)")
            lines.append("  messages      rx \(Self.rate(rates?.rx))  tx \(Self.rate(rates?.tx))"
                + "  lost \(rt.framesLost)  rejected \(rt.rxRejected)  dropped \(rt.txDropped)"
                + "  deadline misses \(rt.deadlineMisses)")
            lines.append(paint("  " + MetricGlossary.dropped + "; " + MetricGlossary.deadlineMisses, "2"))
            lines.append("  bridge RTT    \(Self.rtt(rt.rttMicroseconds))")
        } else {
            lines.append("real-time core  " + paint("waiting for status…", "2"))
        }
        if let app = appSample?.value, !appStale {
            lines.append("application core  " + paint(app.state.isEmpty ? "running" : app.state, "32")
                + "  link " + link(app.link) + "  batches \(app.batches)")
            lines.append("  modules       \(Self.modules(app))")
            lines.append("  fuel used     \(Self.fuel(app.fuelTotal))  traps \(app.traps)")
        } else {
            lines.append("application core  " + paint(appSample == nil ? "waiting for telemetry…" : "silent (not running?)", "1;31"))
            lines.append("  modules       " + (appSample.map { Self.modules($0.value) } ?? "-"))
            lines.append("  fuel used     -")
        }
        lines.append(paint("  " + (rt?.state == "failsafe" ? MetricGlossary.fallback : MetricGlossary.fuel), "2"))
        let recent = recording.allEvents.filter { $0.at <= time && $0.kind != "phase" }.suffix(4)
        lines.append("")
        lines.append("recent events")
        for event in recent {
            lines.append(String(format: "  %6.2f s  ", event.at) + "[\(event.source.rawValue)] \(event.text)")
        }
        for _ in recent.count..<4 { lines.append("") }
        return lines
    }

    /// One plain line (no escapes) for non-terminal output, printed about once a second.
    package func plainLine(_ recording: DemoRecording, at time: Double) -> String {
        var parts = [String(format: "[%5.1fs]", time)]
        // A recording without a story (`splitsoc monitor`) has no phase: say nothing rather than "starting".
        if !recording.phaseStarts.isEmpty { parts.append("phase=\(recording.phase(at: time)?.rawValue ?? "starting")") }
        if let rt = recording.latestRT(at: time)?.value {
            parts.append("rt=\(rt.state)")
            parts.append("link=\(rt.link)")
            parts.append(String(format: "temp=%.2fC", Double(rt.tempMilliC) / 1000))
            parts.append(String(format: "setpoint=%.2fC", Double(rt.setpointMilliC) / 1000))
            parts.append("duty=\(rt.dutyPermille)‰")
            if let rates = recording.rtFrameRates(at: time) { parts.append(String(format: "rx=%.0f/s", rates.rx)) }
            if let rtt = rt.rttMicroseconds, rtt.p50 > 0 { parts.append("rtt_us=\(rtt.p50)/\(rtt.p99)") }
            parts.append("failsafes=\(rt.failsafeEntries)")
        } else {
            parts.append("rt=?")
        }
        if let app = recording.latestApp(at: time), time - app.at <= Self.staleAfter {
            parts.append("regulator=\(Self.regulator(app.value).replacingOccurrences(of: " ", with: "@"))")
            parts.append("fuel=\(app.value.fuelTotal)")
            parts.append("traps=\(app.value.traps)")
        } else {
            parts.append("app=silent")
        }
        return parts.joined(separator: " ")
    }

    /// The announcement printed when `phase` starts, its prose word-wrapped to `width` columns (a
    /// terminal would otherwise break the long sentences in the middle of a word).
    package func announcement(_ phase: DemoPhase, index: Int, of count: Int = DemoPhase.allCases.count,
                              at time: Double, width: Int = 96) -> [String] {
        [""]
            + [paint(String(format: "▶ Phase %d/%d at %.1f s: ", index + 1, count, time) + phase.title, "1;36")]
            + Self.wrap(phase.story, width: width, indent: "  ")
            + Self.wrap("Watch for: " + phase.watchFor, width: width, indent: "  ")
            + [""]
    }

    /// `text` broken at spaces into lines of at most `width` characters, each starting with
    /// `indent`. A single word longer than the line stays whole.
    package static func wrap(_ text: String, width: Int, indent: String) -> [String] {
        let room = max(20, width - indent.count)
        var lines: [String] = []
        var current = ""
        for word in text.split(separator: " ") {
            if !current.isEmpty && current.count + 1 + word.count > room {
                lines.append(indent + current)
                current = ""
            }
            current += current.isEmpty ? String(word) : " " + word
        }
        if !current.isEmpty { lines.append(indent + current) }
        return lines
    }
}

/// Draws a `LiveView` frame in place on a terminal with ANSI cursor movement. Not thread-safe:
/// owned by the demo's main loop.
package final class TerminalRedrawer {
    private var linesOnScreen = 0
    private let write: (String) -> Void
    /// Frame lines are cut to this many visible characters: a line the terminal wraps would take
    /// two rows, and the cursor-up count of the next redraw would be wrong.
    package var width: Int

    /// A redrawer writing through `write` (stdout by default).
    package init(width: Int = TerminalRedrawer.terminalWidth(),
                 write: @escaping (String) -> Void = { FileHandle.standardOutput.write(Data($0.utf8)) }) {
        self.width = width
        self.write = write
    }

    /// The controlling terminal's width (`stty size`), else `$COLUMNS`, else 100.
    package static func terminalWidth() -> Int {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/bin/stty")
        process.arguments = ["size", "-F", "/dev/tty"]
        let pipe = Pipe()
        process.standardOutput = pipe
        process.standardError = FileHandle.nullDevice
        if (try? process.run()) != nil {
            process.waitUntilExit()
            let text = String(decoding: pipe.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
            if let columns = text.split(separator: " ").last.flatMap({ Int($0.trimmingCharacters(in: .whitespacesAndNewlines)) }),
                columns > 20
            {
                return columns
            }
        }
        return ProcessInfo.processInfo.environment["COLUMNS"].flatMap(Int.init) ?? 100
    }

    /// `line` cut to `width` visible characters; ANSI escape sequences take no room.
    package static func fit(_ line: String, width: Int) -> String {
        var out = ""
        var visible = 0
        var inEscape = false
        for character in line {
            if inEscape {
                out.append(character)
                if character.isLetter { inEscape = false }
            } else if character == "\u{1B}" {
                inEscape = true
                out.append(character)
            } else {
                if visible == width - 1 && line.count > width {
                    out += "…\u{1B}[0m"
                    return out
                }
                out.append(character)
                visible += 1
            }
        }
        return out
    }

    /// Replaces the previous frame with `lines`.
    package func draw(_ lines: [String]) {
        var out = linesOnScreen > 0 ? "\u{1B}[\(linesOnScreen)A\r" : ""
        for line in lines { out += "\u{1B}[2K" + Self.fit(line, width: width) + "\n" }
        out += "\u{1B}[J"  // clears what a longer previous frame left below
        linesOnScreen = lines.count
        write(out)
    }

    /// Erases the frame and prints `lines` as ordinary scrolling text (the next `draw` starts below).
    package func printAbove(_ lines: [String]) {
        var out = linesOnScreen > 0 ? "\u{1B}[\(linesOnScreen)A\r\u{1B}[J" : ""
        for line in lines { out += line + "\n" }
        linesOnScreen = 0
        write(out)
    }
}
