import SoCParameters

/// A simulated sensor fault (the `sensor` stimulus).
public enum SensorFaultMode: UInt8, Sendable, BitwiseCopyable, CaseIterable {
    /// No fault.
    case ok = 0
    /// The reading freezes at its last value (status stays `ok`: the host layer cannot tell).
    case stuck = 1
    /// Large random noise (±2 °C standard deviation) on every reading.
    case noisy = 2
    /// The reading sits at a rail (open or shorted sensor): `fault` samples.
    case outOfRange = 3

    /// The name in stimuli files and the trace.
    public var name: String {
        switch self {
        case .ok: return "ok"
        case .stuck: return "stuck"
        case .noisy: return "noisy"
        case .outOfRange: return "out-of-range"
        }
    }
}

/// An input applied at a tick, from a `--stimuli` file: deterministic, so it runs the same on both
/// clocks (the tick, not the wall clock, says when).
public struct Stimulus: Sendable, BitwiseCopyable, Equatable {
    public var tick: UInt64
    /// `.operatorSetpoint`, `.ambient`, `.sensorFault` (value = `SensorFaultMode`) or `.i2cNack` (‰).
    public var kind: InboundKind
    public var value: Int32

    public init(tick: UInt64, kind: InboundKind, value: Int32) {
        self.tick = tick
        self.kind = kind
        self.value = value
    }

    /// Parses a stimuli file: `# comments`, then one `TICK KIND VALUE` per line, where KIND is
    /// `setpoint` (milli-units), `ambient` (milli-°C), `sensor` (`ok|stuck|noisy|out-of-range`) or
    /// `i2c-nack` (‰). The result is sorted by tick (stable).
    /// - Throws: `BoardError` naming the file and line of the first bad line.
    public static func parseFile(_ text: String, source: String) throws(BoardError) -> [Stimulus] {
        var result: [Stimulus] = []
        var lineNumber = 0
        for raw in text.split(separator: "\n", omittingEmptySubsequences: false) {
            lineNumber += 1
            let line = TOMLSubset.stripComment(String(raw)).tomlTrimmed
            if line.isEmpty { continue }
            let words = line.split(separator: " ", omittingEmptySubsequences: true)
            guard words.count == 3, let tick = UInt64(words[0]) else {
                throw BoardError(source: source, line: lineNumber, message: "expected 'TICK KIND VALUE', found '\(line)'")
            }
            let value = String(words[2])
            switch words[1] {
            case "setpoint", "ambient", "i2c-nack":
                guard let number = Int32(value) else {
                    throw BoardError(source: source, line: lineNumber, message: "'\(value)' is not an integer")
                }
                let kind: InboundKind = words[1] == "setpoint" ? .operatorSetpoint : words[1] == "ambient" ? .ambient : .i2cNack
                if let refusal = rangeRefusal(of: number, kind: kind, word: String(words[1])) {
                    throw BoardError(source: source, line: lineNumber, message: refusal)
                }
                result.append(Stimulus(tick: tick, kind: kind, value: number))
            case "sensor":
                guard let mode = SensorFaultMode.allCases.first(where: { $0.name == value }) else {
                    throw BoardError(
                        source: source, line: lineNumber,
                        message: "unknown sensor fault '\(value)' (ok, stuck, noisy, out-of-range)")
                }
                result.append(Stimulus(tick: tick, kind: .sensorFault, value: Int32(mode.rawValue)))
            default:
                throw BoardError(
                    source: source, line: lineNumber,
                    message: "unknown stimulus '\(words[1])' (setpoint, ambient, sensor, i2c-nack)")
            }
        }
        return result.enumerated().sorted { $0.element.tick != $1.element.tick ? $0.element.tick < $1.element.tick : $0.offset < $1.offset }
            .map(\.element)
    }

    /// An ambient or I2C NACK value outside the board file's range for the same key, refused in
    /// the same words (a setpoint's range depends on the board, checked by `splitsoc-rt`).
    private static func rangeRefusal(of value: Int32, kind: InboundKind, word: String) -> String? {
        switch kind {
        case .ambient: return Parameter.ambientTemperature.refusal(of: value, as: word)
        case .i2cNack: return Parameter.i2cNack.refusal(of: value, as: word)
        default: return nil
        }
    }
}
