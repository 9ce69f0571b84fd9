/// The board's sample channels and command targets, as the real-time core announces them to the
/// application core after the handshake (protocol version 2) and as every tool reads them: the one
/// source of truth for channel and target ids, names, units and ranges.
///
/// Pure value type: the real-time core builds it from the resolved board file at start-up, the
/// application core receives it on the bridge (or assumes `BoardMap.legacyDefault` from a version 1
/// peer), and reports, scenarios and the SDK read names and units from it instead of literals.
public struct BoardMap: Sendable, Hashable {
    /// A sample channel the real-time core publishes (ids 0–15; 16 and above are derived channels
    /// that application modules write).
    public struct Channel: Sendable, Hashable {
        public var id: UInt8
        /// Lower-case identifier, `[a-z][a-z0-9_]*`, at most 31 bytes: what modules ask for.
        public var name: String
        /// Unit of the milli-scaled value, ASCII, at most 15 bytes (e.g. "mdegC", "permille").
        public var unit: String
        /// The range a healthy value lies in, inclusive.
        public var minimum: Int32
        public var maximum: Int32
        /// Publication rate.
        public var rateHz: UInt32

        public init(id: UInt8, name: String, unit: String, minimum: Int32, maximum: Int32, rateHz: UInt32) {
            self.id = id
            self.name = name
            self.unit = unit
            self.minimum = minimum
            self.maximum = maximum
            self.rateHz = rateHz
        }
    }

    /// A command target the real-time core accepts (ids 1–255; 0 is never a target).
    public struct Target: Sendable, Hashable {
        public var id: UInt8
        public var name: String
        public var unit: String
        /// The range the supervisor clamps a command into, inclusive.
        public var minimum: Int32
        public var maximum: Int32

        public init(id: UInt8, name: String, unit: String, minimum: Int32, maximum: Int32) {
            self.id = id
            self.name = name
            self.unit = unit
            self.minimum = minimum
            self.maximum = maximum
        }
    }

    public var boardName: String
    public var channels: [Channel]
    public var targets: [Target]

    public init(boardName: String, channels: [Channel], targets: [Target]) {
        self.boardName = boardName
        self.channels = channels
        self.targets = targets
    }

    public func channel(named name: String) -> Channel? { channels.first { $0.name == name } }
    public func target(named name: String) -> Target? { targets.first { $0.name == name } }
    public func channel(id: UInt8) -> Channel? { channels.first { $0.id == id } }
    public func target(id: UInt8) -> Target? { targets.first { $0.id == id } }

    /// The fixed map of protocol version 1 (channels 0–4, targets 1–3), which a module that declares
    /// no needs keeps using and which an application core assumes when the peer speaks version 1.
    public static let legacyDefault = BoardMap(
        boardName: "",
        channels: [
            Channel(id: 0, name: "temperature", unit: "mdegC", minimum: -40_000, maximum: 150_000, rateHz: 1000),
            Channel(id: 1, name: "setpoint", unit: "mdegC", minimum: 5_000, maximum: 80_000, rateHz: 1000),
            Channel(id: 2, name: "heater_duty", unit: "permille", minimum: 0, maximum: 1000, rateHz: 1000),
            Channel(id: 3, name: "speed", unit: "mrad/s", minimum: -2_000_000, maximum: 2_000_000, rateHz: 1000),
            Channel(id: 4, name: "speed_setpoint", unit: "mrad/s", minimum: -2_000_000, maximum: 2_000_000, rateHz: 1000),
        ],
        targets: [
            Target(id: 1, name: "heater_duty", unit: "permille", minimum: 0, maximum: 1000),
            Target(id: 2, name: "setpoint", unit: "mdegC", minimum: 5_000, maximum: 80_000),
            Target(id: 3, name: "motor_duty", unit: "permille", minimum: -1000, maximum: 1000),
        ])
}
