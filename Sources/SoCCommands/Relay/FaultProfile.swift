import SoCWire

/// The faults a relay applies to the frames of one direction. Probabilities are in permille, and a
/// frame gets at most one fault: one draw per frame picks drop, corrupt, duplicate, delay, reorder
/// or nothing, with these probabilities (their sum is at most 1000). One fault per frame is what
/// lets each side's counters be checked against the relay's, category by category (SPEC §4.3).
public struct FaultProfile: Sendable, Equatable {
    public var dropPermille = 0
    /// Flip one bit after the header's first 8 bytes, so the receiver's CRC check must catch it.
    public var corruptPermille = 0
    /// Forward the frame, then a copy with the `replayed` flag (re-encoded with a valid CRC).
    public var duplicatePermille = 0
    /// Hold the frame for `delayMilliseconds` (frames behind it are not held).
    public var delayPermille = 0
    public var delayMilliseconds = 20
    /// Hold the frame until the next frame of this direction has gone (or 50 ms).
    public var reorderPermille = 0
    /// Only these message types are faulted (nil: every type). Others pass untouched.
    public var messageTypes: Set<MessageType>?
    /// Faults apply only to frames whose header timestamp (ms) is in `fromMilliseconds ..< untilMilliseconds`.
    public var fromMilliseconds: Int = 0
    public var untilMilliseconds: Int?

    public init(
        dropPermille: Int = 0, corruptPermille: Int = 0, duplicatePermille: Int = 0, delayPermille: Int = 0,
        delayMilliseconds: Int = 20, reorderPermille: Int = 0, messageTypes: Set<MessageType>? = nil,
        fromMilliseconds: Int = 0, untilMilliseconds: Int? = nil
    ) {
        self.dropPermille = dropPermille
        self.corruptPermille = corruptPermille
        self.duplicatePermille = duplicatePermille
        self.delayPermille = delayPermille
        self.delayMilliseconds = delayMilliseconds
        self.reorderPermille = reorderPermille
        self.messageTypes = messageTypes
        self.fromMilliseconds = fromMilliseconds
        self.untilMilliseconds = untilMilliseconds
    }

    /// Whether the profile changes anything at all.
    public var isActive: Bool {
        dropPermille + corruptPermille + duplicatePermille + delayPermille + reorderPermille > 0
    }

    /// The names message types have in scenario files and relay flags.
    public static let typeNames: [String: MessageType] = [
        "hello": .hello, "hello-ack": .helloAck, "heartbeat": .heartbeat, "reject": .reject, "goodbye": .goodbye,
        "sample": .sample, "command": .command, "module-event": .moduleEvent, "tick-grant": .tickGrant,
        "tick-ack": .tickAck,
    ]

    static func name(of type: MessageType) -> String {
        typeNames.first { $0.value == type }?.key ?? "\(type.rawValue)"
    }

    /// The relay's command-line form: `drop=50,corrupt=5,dup=10,delay=100,delay-ms=20,reorder=10,
    /// types=sample+command,from-ms=1000,until-ms=3000` (every key optional).
    public var spec: String {
        var parts: [String] = []
        if dropPermille > 0 { parts.append("drop=\(dropPermille)") }
        if corruptPermille > 0 { parts.append("corrupt=\(corruptPermille)") }
        if duplicatePermille > 0 { parts.append("dup=\(duplicatePermille)") }
        if delayPermille > 0 { parts.append("delay=\(delayPermille)") }
        parts.append("delay-ms=\(delayMilliseconds)")
        if reorderPermille > 0 { parts.append("reorder=\(reorderPermille)") }
        if let messageTypes {
            parts.append("types=" + messageTypes.map(Self.name(of:)).sorted().joined(separator: "+"))
        }
        if fromMilliseconds > 0 { parts.append("from-ms=\(fromMilliseconds)") }
        if let untilMilliseconds { parts.append("until-ms=\(untilMilliseconds)") }
        return parts.joined(separator: ",")
    }

    /// Parses the command-line form (see `spec`).
    /// - Throws: `FaultProfileError` naming the bad item.
    public init(spec: String) throws(FaultProfileError) {
        self.init()
        for item in spec.split(separator: ",") where !item.isEmpty {
            let pair = item.split(separator: "=", maxSplits: 1).map(String.init)
            guard pair.count == 2 else { throw FaultProfileError("expected key=value, found '\(item)'") }
            let (key, value) = (pair[0], pair[1])
            if key == "types" {
                var types = Set<MessageType>()
                for name in value.split(separator: "+") {
                    guard let type = Self.typeNames[String(name)] else {
                        throw FaultProfileError(
                            "unknown message type '\(name)' (known: \(Self.typeNames.keys.sorted().joined(separator: ", ")))")
                    }
                    types.insert(type)
                }
                messageTypes = types
                continue
            }
            guard let number = Int(value), number >= 0 else {
                throw FaultProfileError("'\(key)' needs a non-negative integer, found '\(value)'")
            }
            let isProbability = ["drop", "corrupt", "dup", "delay", "reorder"].contains(key)
            if isProbability && number > 1000 {
                throw FaultProfileError("'\(key)' is a probability in permille (0…1000), found \(number)")
            }
            switch key {
            case "drop": dropPermille = number
            case "corrupt": corruptPermille = number
            case "dup": duplicatePermille = number
            case "delay": delayPermille = number
            case "delay-ms": delayMilliseconds = number
            case "reorder": reorderPermille = number
            case "from-ms": fromMilliseconds = number
            case "until-ms": untilMilliseconds = number
            default:
                throw FaultProfileError(
                    "unknown key '\(key)' (known: drop, corrupt, dup, delay, delay-ms, reorder, types, from-ms, until-ms)")
            }
        }
        let total = dropPermille + corruptPermille + duplicatePermille + delayPermille + reorderPermille
        guard total <= 1000 else {
            throw FaultProfileError("the probabilities add up to \(total)‰: a frame gets at most one fault, so at most 1000")
        }
    }
}

/// A relay fault specification could not be read.
public struct FaultProfileError: Error, Sendable, Equatable, CustomStringConvertible {
    public var description: String
    public init(_ description: String) { self.description = description }
}

/// The bridge faults of a scenario: one profile per direction and the seed of every decision.
public struct BridgeFaults: Sendable, Equatable {
    public var seed: UInt64
    public var appToRT: FaultProfile
    public var rtToApp: FaultProfile

    public init(seed: UInt64, appToRT: FaultProfile = FaultProfile(), rtToApp: FaultProfile = FaultProfile()) {
        self.seed = seed
        self.appToRT = appToRT
        self.rtToApp = rtToApp
    }
}
