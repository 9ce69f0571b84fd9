import RTCore

/// A real-time core trace (docs/trace-format.md) read back as a timeline: supervisor states,
/// actuator values, samples, commands with the tick they were computed from, and point events.
/// What `ChromeTraceExport` and `VCDExport` turn into files other tools open.
package struct TraceTimeline: Sendable {
    package struct Command: Sendable, Equatable {
        package var tick: UInt64
        package var target: Int
        package var value: Int
        /// The last tick of the samples it was computed from (`from=`); nil in traces before it.
        package var fromTick: UInt64?
    }

    package struct Point: Sendable, Equatable {
        package var tick: UInt64
        package var name: String
        package var detail: String
    }

    package var board = ""
    package var clock = ""
    package var tickHz = 1000
    /// (tick, state name, reason) in order.
    package var states: [(tick: UInt64, state: String, reason: String)] = []
    /// (tick, target, value) whenever an actuator output changes.
    package var actuators: [(tick: UInt64, target: Int, value: Int)] = []
    /// (tick, channel, value, status), every `sampleEvery` ticks per channel.
    package var samples: [(tick: UInt64, channel: Int, value: Int)] = []
    package var commands: [Command] = []
    package var points: [Point] = []
    /// Interlock changes: (tick, name, on).
    package var interlocks: [(tick: UInt64, name: String, on: Bool)] = []
    package var lastTick: UInt64 = 0

    /// Nanoseconds per tick.
    package var periodNanoseconds: UInt64 { 1_000_000_000 / UInt64(max(tickHz, 1)) }

    /// Reads a trace's text. Unknown kinds and fields are skipped (the format's compatibility rule).
    /// - Parameter sampleEvery: keep one sample per channel every this many ticks (timelines of
    ///   long runs stay small; every state change, command and event is kept).
    package static func parse(_ text: String, sampleEvery: UInt64 = 10) -> TraceTimeline {
        var timeline = TraceTimeline()
        var lastSampleTick: [Int: UInt64] = [:]
        for line in text.split(separator: "\n") {
            if line.hasPrefix("#") {
                timeline.readHeader(line)
                continue
            }
            let words = line.split(separator: " ")
            guard words.count >= 2, let tick = UInt64(words[0]) else { continue }
            timeline.lastTick = max(timeline.lastTick, tick)
            let fields = Self.fields(words.dropFirst(2))
            timeline.add(kind: String(words[1]), words: words, fields: fields, tick: tick) { channel in
                guard let last = lastSampleTick[channel], tick < last + sampleEvery else {
                    lastSampleTick[channel] = tick
                    return true
                }
                return false
            }
        }
        return timeline
    }

    static func fields(_ words: ArraySlice<Substring>) -> [String: String] {
        var result: [String: String] = [:]
        for word in words {
            guard let equals = word.firstIndex(of: "=") else { continue }
            result[String(word[..<equals])] = String(word[word.index(after: equals)...])
        }
        return result
    }

    private mutating func readHeader(_ line: Substring) {
        let fields = Self.fields(line.split(separator: " ").dropFirst(1))
        if let value = fields["board"] { board = value }
        if let value = fields["clock"] { clock = value }
        if let value = fields["tick_hz"].flatMap({ Int($0) }) { tickHz = value }
    }

    private mutating func add(
        kind: String, words: [Substring], fields: [String: String], tick: UInt64, keepSample: (Int) -> Bool
    ) {
        func int(_ key: String) -> Int? { fields[key].flatMap { Int($0) } }
        switch kind {
        case "state":
            states.append((tick, fields["to"] ?? "?", fields["reason"] ?? ""))
        case "actuator":
            if let target = int("target"), let value = int("value") { actuators.append((tick, target, value)) }
        case "sample":
            if let channel = int("ch"), let value = int("value"), keepSample(channel) { samples.append((tick, channel, value)) }
        case "cmd-rx":
            if let target = int("target"), let value = int("value") {
                commands.append(Command(tick: tick, target: target, value: value, fromTick: fields["from"].flatMap { UInt64($0) }))
            }
        case "interlock":
            if words.count >= 4 { interlocks.append((tick, String(words[2]), words[3] == "on")) }
        case "session", "peer", "input", "miss", "overrun", "cmd-reject", "cmd-expire":
            points.append(Point(tick: tick, name: kind, detail: words.dropFirst(2).joined(separator: " ")))
        default:
            break
        }
    }
}
