import Foundation

/// A value stamped with the demo's own clock (seconds since the demo started).
///
/// The orchestrator stamps messages on receipt: the two cores have separate clocks (and the
/// application core restarts from zero), so only the observer's clock gives one time axis.
package struct Timed<Value: Sendable>: Sendable {
    /// Seconds since the demo started.
    package var at: Double
    /// The value received at that time.
    package var value: Value

    /// Stamps `value` with `at`.
    package init(at: Double, _ value: Value) {
        self.at = at
        self.value = value
    }
}

extension Timed: Equatable where Value: Equatable {}

/// Something that happened during the demo, for the timeline, the chart markers and the checks.
package struct DemoEvent: Codable, Sendable, Equatable {
    /// Who reported it.
    package enum Source: String, Codable, Sendable {
        /// The orchestrator did it (swap requested, process killed, …).
        case demo
        /// Derived from the real-time core's status (fail-safe, link, resync).
        case rt
        /// A module event published by the application core.
        case app
    }

    /// Seconds since the demo started.
    package var at: Double
    /// Who reported it.
    package var source: Source
    /// A stable machine-readable kind: `swap-requested`, `swapped`, `trapped`, `rolled-back`,
    /// `app-killed`, `app-restarted`, `failsafe-entered`, `failsafe-left`, `link-down`, `link-up`,
    /// `resync`, `phase`.
    package var kind: String
    /// Human-readable detail.
    package var text: String

    /// An event from explicit values.
    package init(at: Double, source: Source, kind: String, text: String) {
        self.at = at
        self.source = source
        self.kind = kind
        self.text = text
    }
}

/// Everything the demo observed: status samples of both cores, module events, actions and phases.
///
/// A plain value so that the live view, the summary and the HTML report are pure functions of it
/// (and testable without processes).
package struct DemoRecording: Sendable {
    /// The real-time core's status messages, in arrival order.
    package var rt: [Timed<RTStatus>] = []
    /// The application core's telemetry messages, in arrival order.
    package var app: [Timed<AppTelemetry>] = []
    /// Module events from the application core and the orchestrator's own actions.
    package var events: [DemoEvent] = []
    /// Phase starts as they actually happened (the schedule is the plan; this is the fact).
    package var phaseStarts: [Timed<DemoPhase>] = []
    /// Messages that could not be parsed (counted, never fatal).
    package var unparsedMessages = 0
    /// The time the recording ended (seconds since the demo started).
    package var endedAt: Double = 0

    /// An empty recording.
    package init() {}

    /// Records one published message received at `at`.
    package mutating func record(_ message: PublishedMessage, at: Double) {
        switch message {
        case .rt(let status): rt.append(Timed(at: at, status))
        case .app(let telemetry): app.append(Timed(at: at, telemetry))
        case .event(let event):
            let kind = event.kind.replacingOccurrences(of: "_", with: "-")
            events.append(DemoEvent(at: at, source: .app, kind: kind, text: Self.describe(event)))
        }
    }

    /// A module event in words: `regulator: swapped 1.0 -> 1.1 (probation 50 batches)`,
    /// `regulator: 1.2 trapped (trap: unreachable)`.
    static func describe(_ event: AppEvent) -> String {
        let words = event.kind.replacingOccurrences(of: "_", with: " ").replacingOccurrences(of: "-", with: " ")
        var text = event.slot.isEmpty ? "" : event.slot + ": "
        var detail = event.detail
        if !event.from.isEmpty && !event.to.isEmpty && event.from != event.to {
            text += "\(words) \(event.from) -> \(event.to)"
            // The core's detail often starts by repeating the versions; say them once.
            for prefix in ["\(event.from) -> \(event.to), ", "\(event.from) -> \(event.to)"] where detail.hasPrefix(prefix) {
                detail.removeFirst(prefix.count)
                break
            }
            if let range = detail.range(of: "; back to \(event.to)") { detail.removeSubrange(range) }
        } else if !event.from.isEmpty || !event.to.isEmpty {
            text += "\(event.from.isEmpty ? event.to : event.from) \(words)"
        } else {
            text += words
        }
        if !detail.isEmpty && detail != "…" { text += " (\(detail))" }
        return text
    }

    /// Records one raw PUB message; counts it when it does not parse.
    package mutating func record(rawMessage: String, at: Double) {
        do {
            record(try PublishedMessage.parse(rawMessage), at: at)
        } catch {
            unparsedMessages += 1
        }
    }

    /// Records an action of the orchestrator.
    package mutating func note(_ kind: String, _ text: String, at: Double) {
        events.append(DemoEvent(at: at, source: .demo, kind: kind, text: text))
    }

    /// Records that `phase` started at `at`.
    package mutating func startPhase(_ phase: DemoPhase, at: Double) {
        phaseStarts.append(Timed(at: at, phase))
    }

    /// The phase running at `time`, from the recorded phase starts.
    package func phase(at time: Double) -> DemoPhase? {
        phaseStarts.last { $0.at <= time }?.value
    }

    /// The phases with their actual start and end.
    package var phaseSpans: [(phase: DemoPhase, start: Double, end: Double)] {
        phaseStarts.enumerated().map { index, start in
            let end = index + 1 < phaseStarts.count ? phaseStarts[index + 1].at : max(endedAt, start.at)
            return (start.value, start.at, end)
        }
    }

    /// Events derived from the real-time core's status: fail-safe entered/left, link down/up and
    /// resynchronisations, at the time of the first status showing the change.
    ///
    /// Derived rather than scraped from stdout so that the report needs nothing but the PUB stream.
    package var derivedRTEvents: [DemoEvent] {
        var result: [DemoEvent] = []
        var previous: RTStatus?
        for sample in rt {
            let status = sample.value
            if let before = previous {
                if before.state != "failsafe" && status.state == "failsafe" {
                    result.append(DemoEvent(at: sample.at, source: .rt, kind: "failsafe-entered",
                                            text: "real-time core entered fail-safe"))
                } else if before.state == "failsafe" && status.state != "failsafe" {
                    result.append(DemoEvent(at: sample.at, source: .rt, kind: "failsafe-left",
                                            text: "real-time core left fail-safe"))
                }
                if before.link == "up" && status.link != "up" {
                    result.append(DemoEvent(at: sample.at, source: .rt, kind: "link-down", text: "link lost"))
                } else if before.link != "up" && status.link == "up" {
                    result.append(DemoEvent(at: sample.at, source: .rt, kind: "link-up",
                                            text: "link up, session \(status.session)"))
                }
                if status.resyncs > before.resyncs {
                    result.append(DemoEvent(at: sample.at, source: .rt, kind: "resync",
                                            text: "resynchronisation #\(status.resyncs)"))
                }
            } else if status.state == "failsafe" {
                result.append(DemoEvent(at: sample.at, source: .rt, kind: "failsafe-entered",
                                        text: "real-time core in fail-safe"))
            }
            previous = status
        }
        return result
    }

    /// Every event (orchestrator, application core, derived from the real-time core), by time.
    package var allEvents: [DemoEvent] {
        (events + derivedRTEvents).enumerated().sorted {
            $0.element.at == $1.element.at ? $0.offset < $1.offset : $0.element.at < $1.element.at
        }.map(\.element)
    }

    /// Frames per second the real-time core received and sent over the last `window` seconds
    /// before `time`, from its cumulative counters. Nil until two samples span the window.
    package func rtFrameRates(at time: Double, window: Double = 1.0) -> (rx: Double, tx: Double)? {
        guard let last = rt.last(where: { $0.at <= time }),
            let first = rt.last(where: { $0.at <= last.at - window * 0.9 }) ?? rt.first,
            last.at - first.at > 0.05
        else { return nil }
        let seconds = last.at - first.at
        // Counters only grow within one rt process; clamp a reset to zero rather than go negative.
        let rx = max(0, last.value.rxFrames - first.value.rxFrames)
        let tx = max(0, last.value.txFrames - first.value.txFrames)
        return (Double(rx) / seconds, Double(tx) / seconds)
    }

    /// The latest real-time status at or before `time`.
    package func latestRT(at time: Double) -> Timed<RTStatus>? { rt.last { $0.at <= time } }

    /// The latest application telemetry at or before `time`.
    package func latestApp(at time: Double) -> Timed<AppTelemetry>? { app.last { $0.at <= time } }
}
