import Foundation

/// Percentiles as the cores publish them (`{"p50":…,"p99":…,"max":…}`), in microseconds.
package struct PublishedPercentiles: Codable, Sendable, Equatable {
    /// Median.
    package var p50: Int
    /// 99th percentile.
    package var p99: Int
    /// Largest value of the window.
    package var max: Int

    /// Creates percentiles from explicit values.
    package init(p50: Int, p99: Int, max: Int) {
        self.p50 = p50
        self.p99 = p99
        self.max = max
    }
}

/// One status message of `splitsoc-rt` (topic `rt`, 10 Hz; docs/process-interfaces.md).
///
/// Every field except the counters' presence is optional on decode so that an older or newer
/// real-time core still shows up in the live view instead of being dropped.
package struct RTStatus: Codable, Sendable, Equatable {
    package var tMs: Int = 0
    package var tick: Int = 0
    package var mode: String = ""
    package var state: String = "starting"
    package var link: String = "down"
    package var session: Int = 0
    package var board: String = ""
    package var tempMilliC: Int = 0
    package var setpointMilliC: Int = 0
    package var dutyPermille: Int = 0
    package var motorMilliRadPerSecond: Int = 0
    /// The motor board's speed setpoint (0 on a thermal board).
    package var motorSetpointMilliRadPerSecond: Int = 0
    package var rxFrames: Int = 0
    package var txFrames: Int = 0
    package var rxRejected: Int = 0
    package var txDropped: Int = 0
    package var framesLost: Int = 0
    package var commandsApplied: Int = 0
    package var commandsClamped: Int = 0
    package var commandsExpired: Int = 0
    package var failsafeEntries: Int = 0
    package var resyncs: Int = 0
    package var deadlineMisses: Int = 0
    package var latenessMicroseconds: PublishedPercentiles?
    package var rttMicroseconds: PublishedPercentiles?
    /// What the peer says it lost (from its heartbeats), next to the local `framesLost` (SPEC §4.3).
    package var peerReportedLost: Int = 0
    /// Fail-safe exits by the recovery streak, without a new session (SPEC §4.8).
    package var recoveries: Int = 0
    /// Every link counter by its name in docs/process-interfaces.md (`foreign`, `reordered`, …).
    package var linkCounters: [String: Int] = [:]

    enum CodingKeys: String, CodingKey {
        case tMs = "t_ms", tick, mode, state, link, session, board
        case peerReportedLost = "peer_reported_lost", recoveries, linkCounters = "link_counters"
        case tempMilliC = "temp_mC", setpointMilliC = "setpoint_mC", dutyPermille = "duty_permille"
        case motorMilliRadPerSecond = "motor_mrad_s", motorSetpointMilliRadPerSecond = "motor_setpoint_mrad_s"
        case rxFrames = "rx_frames", txFrames = "tx_frames", rxRejected = "rx_rejected"
        case txDropped = "tx_dropped", framesLost = "frames_lost"
        case commandsApplied = "commands_applied", commandsClamped = "commands_clamped"
        case commandsExpired = "commands_expired", failsafeEntries = "failsafe_entries", resyncs
        case deadlineMisses = "deadline_misses", latenessMicroseconds = "lateness_us"
        case rttMicroseconds = "rtt_us"
    }

    /// An empty status (state `starting`), for tests and for "nothing heard yet".
    package init() {}

    /// Decodes leniently: a missing field keeps its default.
    package init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        func int(_ key: CodingKeys) -> Int? { try? c.decodeIfPresent(Int.self, forKey: key) }
        func str(_ key: CodingKeys) -> String? { try? c.decodeIfPresent(String.self, forKey: key) }
        tMs = int(.tMs) ?? 0
        tick = int(.tick) ?? 0
        mode = str(.mode) ?? ""
        state = str(.state) ?? "starting"
        link = str(.link) ?? "down"
        session = int(.session) ?? 0
        board = str(.board) ?? ""
        tempMilliC = int(.tempMilliC) ?? 0
        setpointMilliC = int(.setpointMilliC) ?? 0
        dutyPermille = int(.dutyPermille) ?? 0
        motorMilliRadPerSecond = int(.motorMilliRadPerSecond) ?? 0
        motorSetpointMilliRadPerSecond = int(.motorSetpointMilliRadPerSecond) ?? 0
        rxFrames = int(.rxFrames) ?? 0
        txFrames = int(.txFrames) ?? 0
        rxRejected = int(.rxRejected) ?? 0
        txDropped = int(.txDropped) ?? 0
        framesLost = int(.framesLost) ?? 0
        commandsApplied = int(.commandsApplied) ?? 0
        commandsClamped = int(.commandsClamped) ?? 0
        commandsExpired = int(.commandsExpired) ?? 0
        failsafeEntries = int(.failsafeEntries) ?? 0
        resyncs = int(.resyncs) ?? 0
        deadlineMisses = int(.deadlineMisses) ?? 0
        latenessMicroseconds = try? c.decodeIfPresent(PublishedPercentiles.self, forKey: .latenessMicroseconds)
        rttMicroseconds = try? c.decodeIfPresent(PublishedPercentiles.self, forKey: .rttMicroseconds)
        peerReportedLost = int(.peerReportedLost) ?? 0
        recoveries = int(.recoveries) ?? 0
        linkCounters = (try? c.decodeIfPresent([String: Int].self, forKey: .linkCounters)) ?? [:]
    }
}

/// One module as the application core reports it in its telemetry.
package struct AppModuleStatus: Codable, Sendable, Equatable {
    package var slot: String = ""
    package var name: String = ""
    package var version: String = ""
    package var state: String = ""
    package var calls: Int = 0
    package var traps: Int = 0
    package var fuelLast: Int = 0
    package var fuelTotal: Int = 0
    package var batchNsP50: Int = 0

    enum CodingKeys: String, CodingKey {
        case slot, name, version, state, calls, traps
        case fuelLast = "fuel_last", fuelTotal = "fuel_total", batchNsP50 = "batch_ns_p50"
    }

    /// A module status from explicit values (tests).
    package init(slot: String, name: String, version: String, state: String = "active") {
        self.slot = slot
        self.name = name
        self.version = version
        self.state = state
    }

    /// Decodes leniently: a missing field keeps its default.
    package init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        func int(_ key: CodingKeys) -> Int? { try? c.decodeIfPresent(Int.self, forKey: key) }
        func str(_ key: CodingKeys) -> String? { try? c.decodeIfPresent(String.self, forKey: key) }
        slot = str(.slot) ?? ""
        name = str(.name) ?? ""
        version = str(.version) ?? ""
        state = str(.state) ?? ""
        calls = int(.calls) ?? 0
        traps = int(.traps) ?? 0
        fuelLast = int(.fuelLast) ?? 0
        fuelTotal = int(.fuelTotal) ?? 0
        batchNsP50 = int(.batchNsP50) ?? 0
    }
}

/// One telemetry message of `splitsoc-app` (topic `app`, 10 Hz), also the reply to `{"op":"status"}`.
package struct AppTelemetry: Codable, Sendable, Equatable {
    package var tMs: Int = 0
    package var state: String = ""
    package var session: Int = 0
    package var link: String = "down"
    package var rxFrames: Int = 0
    package var txFrames: Int = 0
    package var rxRejected: Int = 0
    package var batches: Int = 0
    package var modules: [AppModuleStatus] = []
    /// Every link counter by its name in docs/process-interfaces.md (`reordered`, `corrupted`, …).
    package var linkCounters: [String: Int] = [:]

    enum CodingKeys: String, CodingKey {
        case tMs = "t_ms", state, session, link, rxFrames = "rx_frames", txFrames = "tx_frames"
        case rxRejected = "rx_rejected", batches, modules, linkCounters = "link_counters"
    }

    /// An empty telemetry record (tests, "nothing heard yet").
    package init() {}

    /// Decodes leniently: a missing field keeps its default.
    package init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        func int(_ key: CodingKeys) -> Int? { try? c.decodeIfPresent(Int.self, forKey: key) }
        tMs = int(.tMs) ?? 0
        state = (try? c.decodeIfPresent(String.self, forKey: .state)) ?? ""
        session = int(.session) ?? 0
        link = (try? c.decodeIfPresent(String.self, forKey: .link)) ?? "down"
        rxFrames = int(.rxFrames) ?? 0
        txFrames = int(.txFrames) ?? 0
        rxRejected = int(.rxRejected) ?? 0
        batches = int(.batches) ?? 0
        modules = (try? c.decodeIfPresent([AppModuleStatus].self, forKey: .modules)) ?? []
        linkCounters = (try? c.decodeIfPresent([String: Int].self, forKey: .linkCounters)) ?? [:]
    }

    /// The summed fuel of every module (what "fuel used" means in the live view and report).
    package var fuelTotal: Int { modules.reduce(0) { $0 + $1.fuelTotal } }
    /// The summed traps of every module.
    package var traps: Int { modules.reduce(0) { $0 + $1.traps } }
}

/// One module event of `splitsoc-app` (topic `event`): loaded, swapped, rolled back, trapped, ….
package struct AppEvent: Codable, Sendable, Equatable {
    package var tMs: Int = 0
    package var kind: String = ""
    package var slot: String = ""
    package var from: String = ""
    package var to: String = ""
    package var detail: String = ""

    enum CodingKeys: String, CodingKey {
        case tMs = "t_ms", kind, slot, from, to, detail
    }

    /// An event from explicit values (tests).
    package init(kind: String, slot: String = "", from: String = "", to: String = "", detail: String = "") {
        self.kind = kind
        self.slot = slot
        self.from = from
        self.to = to
        self.detail = detail
    }

    /// Decodes leniently: a missing field keeps its default.
    package init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        func str(_ key: CodingKeys) -> String { (try? c.decodeIfPresent(String.self, forKey: key)) ?? "" }
        tMs = (try? c.decodeIfPresent(Int.self, forKey: .tMs)) ?? 0
        kind = str(.kind)
        slot = str(.slot)
        from = str(.from)
        to = str(.to)
        detail = str(.detail)
    }
}

/// A message received on a status or telemetry PUB endpoint, parsed from `TOPIC SPACE JSON`.
package enum PublishedMessage: Sendable, Equatable {
    case rt(RTStatus)
    case app(AppTelemetry)
    case event(AppEvent)

    /// Why a published message could not be parsed (the caller counts it and keeps going).
    package struct ParseError: Error, CustomStringConvertible, Equatable {
        /// What was wrong, in words.
        package var description: String
    }

    /// Parses one PUB message: the topic, one space, one JSON object.
    ///
    /// - Throws: `ParseError` for an unknown topic, a missing space or JSON that is not an object.
    package static func parse(_ text: String) throws(ParseError) -> PublishedMessage {
        guard let space = text.firstIndex(of: " ") else {
            throw ParseError(description: "no topic separator in \(text.prefix(40).debugDescription)")
        }
        let topic = text[..<space]
        let json = Data(text[text.index(after: space)...].utf8)
        let decoder = JSONDecoder()
        do {
            switch topic {
            case "rt": return .rt(try decoder.decode(RTStatus.self, from: json))
            case "app": return .app(try decoder.decode(AppTelemetry.self, from: json))
            case "event": return .event(try decoder.decode(AppEvent.self, from: json))
            default: throw ParseError(description: "unknown topic \(String(topic).debugDescription)")
            }
        } catch let error as ParseError {
            throw error
        } catch {
            throw ParseError(description: "bad JSON on topic \(topic): \(error)")
        }
    }
}
