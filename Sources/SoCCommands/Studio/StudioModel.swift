import Foundation

/// What the studio's page draws, sent as one JSON object on every tick of its event stream. The
/// cores' own status types are embedded as they are published (docs/process-interfaces.md), so the
/// page reads the same keys as `splitsoc monitor` and the report.
struct StudioState: Encodable {
    var t: Double
    var board: String
    /// `thermal` or `motor`: which channels the plant panel shows.
    var plant: String
    var clock: String
    var paused: Bool
    var rt: RTStatus?
    /// The real-time core published within the last `StudioSession.staleAfter` seconds.
    var rtAlive: Bool
    var app: AppTelemetry?
    var appAlive: Bool
    var appPid: Int32?
    var events: [StudioEvent]
    var tour: StudioTour.View?
    /// The labels the swap menu offers.
    var modules: [String]

    enum CodingKeys: String, CodingKey {
        case t, board, plant, clock, paused, rt, rtAlive = "rt_alive", app, appAlive = "app_alive", appPid = "app_pid"
        case events, tour, modules
    }

    func json() -> String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        return (try? encoder.encode(self)).map { String(decoding: $0, as: UTF8.self) } ?? "{}"
    }

    /// A reply object (from `JSONSerialization` values) as JSON text.
    static func text(_ object: [String: Any]) -> String {
        let data = (try? JSONSerialization.data(withJSONObject: object, options: [.sortedKeys, .withoutEscapingSlashes]))
        return data.map { String(decoding: $0, as: UTF8.self) } ?? "{\"ok\":false}"
    }
}

/// One line of the studio's timeline.
struct StudioEvent: Encodable, Equatable {
    /// Seconds since the studio started.
    var at: Double
    /// `studio` (a button or the tour), `tour`, `rt` (a state change seen in its status) or `app`.
    var source: String
    var text: String
}

/// The timeline: everything the studio did and saw, oldest first, bounded.
struct StudioTimeline {
    private(set) var events: [StudioEvent] = []
    /// A classroom session may run for hours: keep the last this many.
    static let capacity = 500

    mutating func append(_ event: StudioEvent) {
        events.append(event)
        if events.count > Self.capacity { events.removeFirst(events.count - Self.capacity) }
    }

    /// The newest `count` events, newest first.
    func newest(_ count: Int) -> [StudioEvent] { Array(events.suffix(count).reversed()) }

    /// The changes worth a line between two statuses of the real-time core.
    static func transitions(from old: RTStatus?, to new: RTStatus) -> [String] {
        // The first status is the baseline, not a change.
        guard let old else { return [] }
        var lines: [String] = []
        if old.state != new.state {
            lines.append(
                new.state == "failsafe"
                    ? "real-time core entered FAIL-SAFE (its own on-off fallback drives the actuator)"
                    : "real-time core state: \(new.state)")
        }
        if old.link != new.link { lines.append("link \(new.link)") }
        if old.session != new.session { lines.append("session \(new.session) established (resyncs \(new.resyncs))") }
        return lines
    }

    /// A module event in words.
    static func describe(_ event: AppEvent) -> String {
        var text = "module \(event.kind) \(event.slot)"
        switch (event.from.isEmpty, event.to.isEmpty) {
        case (false, false): text += " \(event.from) -> \(event.to)"
        case (true, false): text += " \(event.to)"
        case (false, true): text += " \(event.from)"
        case (true, true): break
        }
        if !event.detail.isEmpty { text += ": \(event.detail)" }
        return text
    }
}

/// The guided tour: `splitsoc demo`'s story (`DemoPhase`, `DemoSchedule`) played on the studio's
/// running pair, each phase performed with the same actions as the buttons.
struct StudioTour {
    /// The tour's length: the demo's default.
    static let duration = 20.0

    let start: Double
    let schedule: DemoSchedule
    private var next = 0

    init(start: Double, schedule: DemoSchedule) {
        self.start = start
        self.schedule = schedule
    }

    /// The phase whose start has come and that has not been performed yet.
    mutating func takeDuePhase(at now: Double) -> DemoPhase? {
        guard next < schedule.slots.count, schedule.slots[next].start <= now - start else { return nil }
        next += 1
        return schedule.slots[next - 1].phase
    }

    /// What the page shows about the tour.
    struct View: Encodable {
        var phase: String
        var index: Int
        var count: Int
        var title: String
        var story: String
        var watch: String
        var finished: Bool
    }

    func view(at now: Double) -> View? {
        guard next > 0 else { return nil }
        let phase = schedule.slots[next - 1].phase
        return View(
            phase: phase.rawValue, index: next, count: schedule.slots.count, title: phase.title, story: phase.story,
            watch: phase.watchFor, finished: now - start >= Self.duration)
    }
}

/// The modules of the studio's pipeline and the ones its swap menu offers: the demo's
/// (`DemoFirmware`: thermostat on the thermo boards, motor-speed on the motor board).
struct StudioFirmware: Sendable {
    /// A module the swap menu offers.
    struct Module: Sendable {
        enum Role: Sendable { case original, upgrade, faulty }
        var label: String
        var slot: String
        var path: String
        var role: Role
    }

    var pipeline: [(slot: String, path: String)]
    var swappable: [Module]
    /// The motor board's modules (motor-speed), not a thermostat's.
    var motor: Bool

    /// Builds (or takes from the cache) the modules for the board.
    static func build(packageRoot: String, motor: Bool) throws -> StudioFirmware {
        let demo = try DemoFirmware.build(packageRoot: packageRoot, motor: motor)
        let name = demo.regulatorName
        return StudioFirmware(
            pipeline: demo.pipeline, swappable: [
                Module(label: "\(name) 1.0", slot: "regulator", path: demo.thermostat, role: .original),
                Module(label: "\(name) 1.1", slot: "regulator", path: demo.thermostatV11, role: .upgrade),
                Module(label: "\(name)-faulty 1.2 (traps)", slot: "regulator", path: demo.thermostatFaulty, role: .faulty),
            ], motor: motor)
    }
}
