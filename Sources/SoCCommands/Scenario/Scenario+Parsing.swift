import Foundation
import SoCWire
import RTCore
import SoCParameters

/// A scenario file that parses as text but does not describe a valid scenario, or does not parse.
public struct ScenarioFileError: Error, Sendable, Equatable, CustomStringConvertible {
    public var file: String
    public var line: Int
    public var message: String

    public init(file: String, line: Int, message: String) {
        self.file = file
        self.line = line
        self.message = message
    }

    /// `FILE:LINE: message`, the form editors and CI logs link to.
    public var description: String { line > 0 ? "\(file):\(line): \(message)" : "\(file): \(message)" }
}

extension Scenario {
    /// Reads and parses the scenario file at `path`.
    /// - Throws: `ScenarioFileError` naming the file and line of the first problem.
    public static func load(path: String) throws(ScenarioFileError) -> Scenario {
        guard let text = try? String(contentsOfFile: path, encoding: .utf8) else {
            throw ScenarioFileError(file: path, line: 0, message: "cannot read the file")
        }
        return try parse(text, file: path)
    }

    /// Parses scenario text (docs/scenarios.md).
    /// - Parameter file: the name used in error messages and kept as `sourcePath`.
    /// - Throws: `ScenarioFileError` naming the line of the first problem.
    public static func parse(_ text: String, file: String = "<scenario>") throws(ScenarioFileError) -> Scenario {
        let document: TOMLDocument
        do {
            document = try TOMLSubset.parse(text)
        } catch {
            throw ScenarioFileError(file: file, line: error.line, message: error.message)
        }
        do {
            return try ScenarioReader(document: document, file: file).read()
        } catch let error as ScenarioFileError {
            throw error
        } catch {
            throw ScenarioFileError(file: file, line: 0, message: "\(error)")
        }
    }
}

/// Turns a parsed document into a `Scenario`, checking every key and value.
private struct ScenarioReader {
    let document: TOMLDocument
    let file: String

    func fail(_ line: Int, _ message: String) -> ScenarioFileError {
        ScenarioFileError(file: file, line: line, message: message)
    }

    func read() throws -> Scenario {
        let root = TableReader(table: document.root, context: "at the top level", reader: self)
        try root.rejectUnknown([
            "name", "description", "board", "clock", "quantum", "seed", "duration_ms", "setpoint_mC", "ambient_mC",
            "app_args", "rt_args",
        ])
        var scenario = Scenario(name: try root.requiredString("name"))
        scenario.sourcePath = file
        scenario.description = try root.string("description") ?? ""
        scenario.board = try root.string("board") ?? scenario.board
        if let clock = try root.string("clock") {
            guard let value = ScenarioClock(rawValue: clock) else {
                throw fail(root.line("clock"), "clock must be \"real\" or \"virtual\", found \"\(clock)\"")
            }
            scenario.clock = value
        }
        scenario.quantum = try root.integer("quantum", range: 1...1000) ?? scenario.quantum
        scenario.seed = UInt64(try root.integer("seed", range: 0...Int(Int32.max)) ?? 1)
        scenario.durationMilliseconds = try root.requiredInteger("duration_ms", range: 1...600_000)
        scenario.setpointMilliCelsius = try root.integer("setpoint_mC", range: Parameter.temperatureSetpointLimit.bounds)
        scenario.ambientMilliCelsius = try root.integer("ambient_mC", range: Parameter.ambientTemperature.bounds)
        scenario.appArguments = try root.stringArray("app_args") ?? []
        scenario.rtArguments = try root.stringArray("rt_args") ?? []

        for table in document.arrays["module"] ?? [] {
            let reader = TableReader(table: table, context: "in [[module]] (line \(table.line))", reader: self)
            try reader.rejectUnknown(["slot", "source"])
            scenario.modules.append(
                ScenarioModule(slot: try reader.requiredString("slot"), source: try reader.requiredString("source")))
        }
        if scenario.modules.isEmpty {
            throw fail(0, "a scenario needs at least one [[module]] with slot and source")
        }
        for table in document.arrays["stimulus"] ?? [] {
            scenario.stimuli += try readStimuli(table, duration: scenario.durationMilliseconds)
        }
        scenario.stimuli.sort { $0.atMilliseconds < $1.atMilliseconds }
        for table in document.arrays["action"] ?? [] {
            scenario.actions += try readActions(table, duration: scenario.durationMilliseconds)
        }
        scenario.actions.sort { $0.atMilliseconds < $1.atMilliseconds }
        scenario.bridge = try readBridge()
        for table in document.arrays["expect"] ?? [] {
            scenario.expectations.append(try readExpectation(table))
        }
        let known: Set<String> = ["module", "stimulus", "action", "expect"]
        for (name, tables) in document.arrays where !known.contains(name) {
            throw fail(tables[0].line, "unknown section [[\(name)]] (known: [[module]], [[stimulus]], [[action]], [[expect]])")
        }
        for (name, table) in document.tables where !["bridge", "bridge.app_to_rt", "bridge.rt_to_app"].contains(name) {
            throw fail(table.line, "unknown section [\(name)] (known: [bridge], [bridge.app_to_rt], [bridge.rt_to_app])")
        }
        return scenario
    }

    func readStimuli(_ table: TOMLTable, duration: Int) throws -> [ScenarioStimulus] {
        let reader = TableReader(table: table, context: "in [[stimulus]] (line \(table.line))", reader: self)
        try reader.rejectUnknown(["at_ms", "until_ms", "setpoint_mC", "ambient_mC", "sensor", "i2c_nack_permille"])
        let at = try reader.requiredInteger("at_ms", range: 0...duration)
        var kinds: [ScenarioStimulus.Kind] = []
        if let value = try reader.integer("setpoint_mC", range: Parameter.temperatureSetpointLimit.bounds) { kinds.append(.setpoint(milliCelsius: value)) }
        if let value = try reader.integer("ambient_mC", range: Parameter.ambientTemperature.bounds) { kinds.append(.ambient(milliCelsius: value)) }
        if let value = try reader.string("sensor") {
            guard let fault = SensorFaultKind(rawValue: value) else {
                throw fail(
                    reader.line("sensor"),
                    "sensor must be one of \(SensorFaultKind.allCases.map { "\"\($0.rawValue)\"" }.joined(separator: ", ")), found \"\(value)\"")
            }
            kinds.append(.sensor(fault))
        }
        if let value = try reader.integer("i2c_nack_permille", range: Parameter.i2cNack.bounds) { kinds.append(.i2cNack(permille: value)) }
        guard !kinds.isEmpty else {
            throw fail(table.line, "a [[stimulus]] needs one of setpoint_mC, ambient_mC, sensor, i2c_nack_permille")
        }
        var stimuli = kinds.map { ScenarioStimulus(atMilliseconds: at, $0) }
        // `until_ms` undoes a fault: the sensor becomes ok again, the NACK rate returns to 0.
        if let until = try reader.integer("until_ms", range: at...duration) {
            for kind in kinds {
                switch kind {
                case .sensor: stimuli.append(ScenarioStimulus(atMilliseconds: until, .sensor(.ok)))
                case .i2cNack: stimuli.append(ScenarioStimulus(atMilliseconds: until, .i2cNack(permille: 0)))
                default: throw fail(reader.line("until_ms"), "until_ms applies to sensor and i2c_nack_permille only")
                }
            }
        }
        try reader.rejectUnknown(["at_ms", "until_ms", "setpoint_mC", "ambient_mC", "sensor", "i2c_nack_permille"])
        return stimuli
    }

    func readActions(_ table: TOMLTable, duration: Int) throws -> [ScenarioAction] {
        let reader = TableReader(table: table, context: "in [[action]] (line \(table.line))", reader: self)
        try reader.rejectUnknown(["at_ms", "do", "restart_after_ms", "for_ms", "slot", "source"])
        let at = try reader.requiredInteger("at_ms", range: 0...max(duration - 1, 0))
        let kind = try reader.requiredString("do")
        let action: ScenarioAction.Kind
        var allowed = ["at_ms", "do"]
        switch kind {
        case "kill-app":
            action = .killApp(restartAfterMilliseconds: try reader.integer("restart_after_ms", range: 0...600_000))
            allowed.append("restart_after_ms")
        case "pause-app":
            action = .pauseApp(forMilliseconds: try reader.requiredInteger("for_ms", range: 1...600_000))
            allowed.append("for_ms")
        case "restart-app":
            action = .restartApp
        case "swap":
            action = .swap(slot: try reader.requiredString("slot"), source: try reader.requiredString("source"))
            allowed += ["slot", "source"]
        default:
            throw fail(
                reader.line("do"), "unknown action \"\(kind)\" (known: \"kill-app\", \"pause-app\", \"restart-app\", \"swap\")")
        }
        try reader.rejectUnknown(allowed)
        return [ScenarioAction(atMilliseconds: at, action)]
    }

    func readBridge() throws -> BridgeFaults? {
        let names = ["bridge", "bridge.app_to_rt", "bridge.rt_to_app"]
        guard names.contains(where: { document.tables[$0] != nil }) else { return nil }
        var faults = BridgeFaults(seed: 1)
        if let table = document.tables["bridge"] {
            let reader = TableReader(table: table, context: "in [bridge]", reader: self)
            faults.seed = UInt64(try reader.integer("seed", range: 0...Int(Int32.max)) ?? 1)
            try reader.rejectUnknown(["seed"])
        }
        func profile(_ name: String) throws -> FaultProfile {
            guard let table = document.tables[name] else { return FaultProfile() }
            let reader = TableReader(table: table, context: "in [\(name)]", reader: self)
            var profile = FaultProfile()
            profile.dropPermille = try reader.integer("drop_permille", range: 0...1000) ?? 0
            profile.corruptPermille = try reader.integer("corrupt_permille", range: 0...1000) ?? 0
            profile.duplicatePermille = try reader.integer("duplicate_permille", range: 0...1000) ?? 0
            profile.delayPermille = try reader.integer("delay_permille", range: 0...1000) ?? 0
            profile.delayMilliseconds = try reader.integer("delay_ms", range: 0...60_000) ?? profile.delayMilliseconds
            profile.reorderPermille = try reader.integer("reorder_permille", range: 0...1000) ?? 0
            profile.fromMilliseconds = try reader.integer("from_ms", range: 0...600_000) ?? 0
            profile.untilMilliseconds = try reader.integer("until_ms", range: 0...600_000)
            if let types = try reader.stringArray("types") {
                var set = Set<MessageType>()
                for type in types {
                    guard let value = FaultProfile.typeNames[type] else {
                        throw fail(
                            reader.line("types"),
                            "unknown message type \"\(type)\" (known: \(FaultProfile.typeNames.keys.sorted().joined(separator: ", ")))")
                    }
                    set.insert(value)
                }
                profile.messageTypes = set
            }
            try reader.rejectUnknown([
                "drop_permille", "corrupt_permille", "duplicate_permille", "delay_permille", "delay_ms",
                "reorder_permille", "from_ms", "until_ms", "types",
            ])
            return profile
        }
        faults.appToRT = try profile("bridge.app_to_rt")
        faults.rtToApp = try profile("bridge.rt_to_app")
        return faults
    }

    func readExpectation(_ table: TOMLTable) throws -> Expectation {
        let reader = TableReader(table: table, context: "in [[expect]] (line \(table.line))", reader: self)
        try reader.rejectUnknown([
            "counter", "signal", "equals", "min", "max", "when", "from_ms", "to_ms", "within_ms", "label",
        ])
        let label = try reader.string("label")
        if let counter = try reader.string("counter") {
            let bounds = CountBounds(
                min: try reader.integer("min") ?? reader.integer("equals"),
                max: try reader.integer("max") ?? reader.integer("equals"))
            if bounds.min == nil && bounds.max == nil {
                throw fail(table.line, "counter \"\(counter)\" needs equals, min or max")
            }
            if try reader.integer("equals") != nil, try reader.integer("min") != nil || reader.integer("max") != nil {
                throw fail(reader.line("equals"), "use either equals or min/max, not both")
            }
            try reader.rejectUnknown(["counter", "equals", "min", "max", "label"])
            return Expectation(.counter(name: counter, bounds: bounds), label: label, line: table.line)
        }
        let signalName = try reader.requiredString("signal")
        guard let signal = ScenarioSignal(parsing: signalName) else {
            throw fail(
                reader.line("signal"),
                "unknown signal \"\(signalName)\" (known: \(ScenarioSignal.builtIn.map(\.name).joined(separator: ", ")), module.SLOT.KEY; for counters use counter = \"…\")")
        }
        let condition: SignalCondition
        if let name = try reader.string("equals") {
            condition = .equals(name)
        } else if let number = try reader.integer("equals") {
            condition = .between(min: number, max: number)
        } else {
            let min = try reader.integer("min")
            let max = try reader.integer("max")
            guard min != nil || max != nil else {
                throw fail(table.line, "expectation on \(signalName) needs equals, min or max")
            }
            if signal.isNamed {
                throw fail(table.line, "\(signalName) has named values: use equals = \"…\"")
            }
            condition = .between(min: min, max: max)
        }
        let mode = try reader.string("when") ?? "always"
        let from = try reader.integer("from_ms", range: 0...600_000) ?? 0
        var to = try reader.integer("to_ms", range: 0...600_000)
        if let within = try reader.integer("within_ms", range: 0...600_000) {
            guard to == nil else { throw fail(reader.line("within_ms"), "use either to_ms or within_ms, not both") }
            to = from + within
        }
        if let to, to < from { throw fail(reader.line("to_ms"), "to_ms (\(to)) is before from_ms (\(from))") }
        try reader.rejectUnknown(["signal", "equals", "min", "max", "when", "from_ms", "to_ms", "within_ms", "label"])
        let window = TimeWindow(from: from, to: to)
        switch mode {
        case "always":
            return Expectation(.always(signal: signal, condition: condition, window: window), label: label, line: table.line)
        case "eventually":
            return Expectation(
                .eventually(signal: signal, condition: condition, window: window), label: label, line: table.line)
        case "never":
            return Expectation(.never(signal: signal, condition: condition, window: window), label: label, line: table.line)
        default:
            throw fail(
                reader.line("when"), "when must be \"always\", \"eventually\" or \"never\", found \"\(mode)\"")
        }
    }
}

/// Typed access to one table's keys, with errors that name the key's line.
private struct TableReader {
    let table: TOMLTable
    let context: String
    let reader: ScenarioReader

    func line(_ key: String) -> Int { table.lines[key] ?? table.line }

    func value(_ key: String) -> TOMLValue? { table.values[key] }

    func string(_ key: String) throws -> String? {
        guard let value = value(key) else { return nil }
        guard case .string(let s) = value else {
            // `equals` may be a number or a name: let the caller try both.
            if key == "equals" { return nil }
            throw reader.fail(line(key), "\(key) must be a string (in double quotes), found \(value.typeName) \(context)")
        }
        return s
    }

    func requiredString(_ key: String) throws -> String {
        guard let s = try string(key) else { throw reader.fail(table.line, "missing \(key) \(context)") }
        return s
    }

    func integer(_ key: String, range: ClosedRange<Int>? = nil) throws -> Int? {
        guard let value = value(key) else { return nil }
        guard case .integer(let i) = value else {
            if key == "equals", case .string = value { return nil }
            throw reader.fail(line(key), "\(key) must be an integer, found \(value.typeName) \(context)")
        }
        let number = Int(i)
        if let range, !range.contains(number) {
            throw reader.fail(line(key), "\(key) = \(number) is out of range \(range.lowerBound)…\(range.upperBound) \(context)")
        }
        return number
    }

    func requiredInteger(_ key: String, range: ClosedRange<Int>? = nil) throws -> Int {
        guard let i = try integer(key, range: range) else { throw reader.fail(table.line, "missing \(key) \(context)") }
        return i
    }

    func stringArray(_ key: String) throws -> [String]? {
        guard let value = value(key) else { return nil }
        guard case .array(let items) = value else {
            throw reader.fail(line(key), "\(key) must be an array of strings, found \(value.typeName) \(context)")
        }
        return try items.map { item in
            guard case .string(let s) = item else {
                throw reader.fail(line(key), "\(key) must hold strings only, found \(item.typeName) \(context)")
            }
            return s
        }
    }

    /// Fails on the first key not in `known`, suggesting the closest known key.
    func rejectUnknown(_ known: [String]) throws {
        for key in table.keyOrder where !known.contains(key) {
            throw reader.fail(line(key), "unknown key \(key) \(context)\(Suggestion.hint(for: key, in: known))")
        }
    }
}
