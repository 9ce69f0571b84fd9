import Foundation
import RTCore
import SoCParameters
import Testing

/// The range table that board files and command lines share (issue 10, item 8). The messages are
/// pinned: `splitsoc-rt` prints them as they are, and docs/process-interfaces.md quotes them.
@Suite("Parameter ranges")
struct ParameterRangeTests {
    @Test("A refusal is one line naming the flag, the value, the range, the unit and the board key")
    func refusalNamesEverything() {
        #expect(
            Parameter.ambientTemperature.refusal(of: 2_000_000_000, as: "--ambient")
                == "--ambient 2000000000 is out of range: ambient temperature must be -50000...100000 milli-°C (as in the board file's [plant] ambient_mC)")
        #expect(
            Parameter.quantum.refusal(of: 0, as: "--quantum")
                == "--quantum 0 is out of range: quantum of the virtual clock must be 1...10000 ticks")
        #expect(Parameter.cpu.requirement == "CPU number must be 0...1023")
    }

    @Test("Bounds are inclusive, and negative values are in range where the range is signed")
    func boundsAreInclusive() {
        let ambient = Parameter.ambientTemperature
        #expect(ambient.refusal(of: -50_000, as: "x") == nil)
        #expect(ambient.refusal(of: -5_000, as: "x") == nil)
        #expect(ambient.refusal(of: 100_000, as: "x") == nil)
        #expect(ambient.refusal(of: -50_001, as: "x") != nil)
        #expect(ambient.refusal(of: 100_001, as: "x") != nil)
        #expect(Parameter.motorSpeedSetpoint.refusal(of: -200_000, as: "x") == nil)
    }

    @Test("A value of another integer type is compared exactly, even when the range's type cannot hold it")
    func otherIntegerTypes() {
        #expect(Parameter.ambientTemperature.refusal(of: Int32(-5_000), as: "--ambient") == nil)
        #expect(Parameter.ambientTemperature.refusal(of: UInt64.max, as: "--ambient")?.hasPrefix("--ambient 18446744073709551615 is out of range") == true)
        #expect(Parameter.ticks.refusal(of: UInt64.max, as: "--ticks") == nil)
        #expect(Parameter.ticks.refusal(of: -1, as: "--ticks") != nil)
    }

    @Test("Real ranges refuse NaN and infinity, and print whole bounds without a fraction")
    func realRanges() {
        #expect(Parameter.duration.refusal(of: .nan, as: "--duration") != nil)
        #expect(Parameter.duration.refusal(of: .infinity, as: "--duration") != nil)
        #expect(Parameter.duration.refusal(of: 0, as: "--duration") != nil)
        #expect(Parameter.duration.refusal(of: 2.5, as: "--duration") == nil)
        #expect(Parameter.demoDuration.span == "6...3600 s")
        #expect(Parameter.duration.span == "0.001...31536000 s")
    }

    /// A board whose `[table] key = value` line is appended to a minimal board of `plant`.
    static func board(plant: String, _ table: String, _ key: String, _ value: Int) throws -> BoardDescription {
        let sensor = plant == "motor" ? "encoder" : "adc-thermistor"
        let text = """
            [board]
            name = "tiny"
            tick_hz = 1000
            plant = "\(plant)"
            sensor = "\(sensor)"
            [\(table)]
            \(key) = \(value)
            """
        return try BoardDescription.parse(text, source: "tiny.toml")
    }

    @Test(
        "The board parser accepts exactly the table's range for the keys that flags also set",
        arguments: [
            ("thermal", "plant", "ambient_mC", Parameter.ambientTemperature.bounds),
            ("motor", "plant", "speed_setpoint_mrad_s", Parameter.motorSpeedSetpoint.bounds),
            ("thermal", "i2c", "nack_permille", Parameter.i2cNack.bounds),
        ] as [(String, String, String, ClosedRange<Int>)])
    func boardParserReadsTheTable(plant: String, table: String, key: String, bounds: ClosedRange<Int>) throws {
        #expect(try Self.board(plant: plant, table, key, bounds.lowerBound).tickHz == 1000)
        #expect(try Self.board(plant: plant, table, key, bounds.upperBound).tickHz == 1000)
        #expect(throws: BoardError.self) { try Self.board(plant: plant, table, key, bounds.upperBound + 1) }
        #expect(throws: BoardError.self) { try Self.board(plant: plant, table, key, bounds.lowerBound - 1) }
    }

    @Test("The setpoint limits of a board file stay within the table's temperature setpoint limit")
    func setpointLimitsReadTheTable() throws {
        let lowest = Parameter.temperatureSetpointLimit.bounds.lowerBound
        #expect(try Self.board(plant: "thermal", "limits", "setpoint_min_mC", lowest).setpointMinMilliC == lowest)
        #expect(throws: BoardError.self) { try Self.board(plant: "thermal", "limits", "setpoint_min_mC", lowest - 1) }
    }

    @Test("An operator setpoint must lie within the board's own limits, named in the refusal")
    func operatorSetpointFollowsTheBoard() throws {
        let adc = try Boards.load("thermo-adc")
        #expect(adc.operatorSetpointRange.bounds == 5_000...80_000)
        #expect(
            adc.operatorSetpointRange.refusal(of: 2_000_000, as: "--setpoint")
                == "--setpoint 2000000 is out of range: setpoint on board thermo-adc must be 5000...80000 milli-°C (the board file's [limits] setpoint_min_mC...setpoint_max_mC)")
        #expect(try Boards.load("thermo-i2c").operatorSetpointRange.bounds == 5_000...70_000)
        let motor = try Boards.load("motor-1k").operatorSetpointRange
        #expect(motor.bounds == Parameter.motorSpeedSetpoint.bounds)
        #expect(motor.refusal(of: -150_000, as: "--setpoint") == nil)
        #expect(motor.requirement.hasPrefix("speed setpoint on board motor-1k must be -10000000...10000000 milli-rad/s"))
    }

    @Test("Stimuli files refuse an ambient or I2C NACK value the board file would refuse, with its line")
    func stimuliShareTheRanges() throws {
        let accepted = try Stimulus.parseFile("0 ambient -50000\n5 i2c-nack 1000\n", source: "s.txt")
        #expect(accepted.map(\.value) == [-50_000, 1000])
        #expect(throws: BoardError(
            source: "s.txt", line: 2,
            message: "ambient 100001 is out of range: \(Parameter.ambientTemperature.requirement)")) {
            try Stimulus.parseFile("0 ambient 20000\n7 ambient 100001\n", source: "s.txt")
        }
        #expect(throws: BoardError(
            source: "s.txt", line: 1, message: "i2c-nack -1 is out of range: \(Parameter.i2cNack.requirement)")) {
            try Stimulus.parseFile("3 i2c-nack -1\n", source: "s.txt")
        }
    }
}

/// docs/process-interfaces.md lists the ranges by hand; this keeps the page and the table together.
@Suite("Parameter ranges in the docs")
struct ParameterRangeDocsTests {
    static let page = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent().appendingPathComponent("docs/process-interfaces.md")

    @Test("docs/process-interfaces.md states the range of every flag with a fixed range as the table has it")
    func docsListTheTable() throws {
        let text = try String(contentsOf: Self.page, encoding: .utf8)
        let integers: [ParameterRange<Int>] = [
            Parameter.ambientTemperature, Parameter.motorSpeedSetpoint, Parameter.quantum, Parameter.heartbeatInterval,
            Parameter.livenessTimeout, Parameter.ackTimeout, Parameter.realTimePriority, Parameter.cpu,
            Parameter.memoryPages, Parameter.batchDeadline, Parameter.probationBatches, Parameter.benchIterations,
            Parameter.benchSamples, Parameter.replyTimeout, Parameter.pingCount, Parameter.pingWarmup,
            Parameter.messageSize,
        ]
        for range in integers {
            #expect(text.contains("\(range.bounds.lowerBound)…\(range.bounds.upperBound)"), "\(range.requirement)")
        }
        for range in [Parameter.duration, Parameter.demoDuration, Parameter.pingRate, Parameter.timeoutScale] {
            let span = range.span.replacingOccurrences(of: "...", with: "…")
            #expect(text.contains(span.prefix(while: { $0 != " " })), "\(range.requirement)")
        }
    }
}
