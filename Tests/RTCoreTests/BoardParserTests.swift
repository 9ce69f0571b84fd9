import Foundation
import RTCore
import Testing

@Suite("Board files")
struct BoardParserTests {
    @Test("Every board in firmware-mock/boards parses with the values it declares")
    func repositoryBoards() throws {
        let adc = try Boards.load("thermo-adc")
        #expect(adc.name == "thermo-adc")
        #expect(adc.tickHz == 1000)
        #expect(adc.sensor == .adcThermistor)
        #expect(adc.adcBits == 12)
        #expect(adc.tasks[TaskKind.housekeeping.rawValue].periodTicks == 100)
        #expect(adc.tasks[TaskKind.housekeeping.rawValue].offsetTicks == 7)
        #expect(adc.channels == [0, 1, 2])
        let i2c = try Boards.load("thermo-i2c")
        #expect(i2c.tickHz == 100)
        #expect(i2c.sensor == .i2cTMP117)
        #expect(i2c.i2cAddress == 0x48)
        #expect(i2c.tickPeriodNanoseconds == 10_000_000)
        #expect(i2c.dutyRateLimitPermillePerTick == 100)
        let motor = try Boards.load("motor-1k")
        #expect(motor.plant == .motor)
        #expect(motor.channels == [3, 4])
        #expect(motor.motorInertia == 2.0e-5)
    }

    static let minimal = """
        [board]
        name = "tiny"
        tick_hz = 1000
        plant = "thermal"
        sensor = "adc-thermistor"
        """

    @Test("A minimal board gets documented defaults for every optional key")
    func defaults() throws {
        let board = try BoardDescription.parse(Self.minimal, source: "tiny.toml")
        #expect(board.silenceTicks == 250)
        #expect(board.commandDefaultValidTicks == 500)
        #expect(board.tasks.count == TaskKind.allCases.count)
        #expect(board.tasks.map(\.kind) == TaskKind.allCases)
    }

    @Test(
        "Bad board files give an error naming the file, the line and the problem",
        arguments: [
            (minimal + "\n[adc]\nbitz = 12", "tiny.toml:7: unknown key 'bitz' in [adc]"),
            (minimal + "\n[adcc]\nbits = 12", "tiny.toml:6: unknown table [adcc]"),
            (minimal + "\n[adc]\nbits = \"twelve\"", "tiny.toml:7: 'bits' in [adc] must be an integer"),
            (minimal + "\n[adc]\nbits = 40", "tiny.toml:7: 'bits' = 40 is out of range 8...24"),
            (minimal + "\n[adc\nbits = 12", "tiny.toml:6: table header is missing its closing ']'"),
            (minimal + "\n[adc]\nbits 12", "tiny.toml:7: expected 'key = value', found 'bits 12'"),
            (minimal + "\n[adc]\nbits = 12\nbits = 10", "tiny.toml:8: key 'bits' is defined twice in [adc]"),
            (minimal.replacingOccurrences(of: "adc-thermistor", with: "encoder"),
             "tiny.toml:5: sensor 'encoder' cannot measure a thermal plant"),
            (minimal.replacingOccurrences(of: "\"thermal\"", with: "\"steam\""),
             "tiny.toml:4: 'plant' = 'steam' is not one of 'thermal', 'motor'"),
            (minimal.replacingOccurrences(of: "tick_hz = 1000\n", with: ""), "tiny.toml: missing required key 'tick_hz' in [board]"),
            (minimal + "\n[tasks.sense]\noffset_ticks = 3", "tiny.toml:7: 'offset_ticks' = 3 is out of range 0...0"),
            (minimal + "\n[plant]\nambient = { a = 1 }", "tiny.toml:7: inline tables are not supported"),
            (minimal + "\n[[plant]]\nambient_mC = 1", "tiny.toml:6: arrays of tables ([[plant]]) are not used in board files"),
        ] as [(String, String)])
    func errors(text: String, expected: String) {
        #expect(throws: BoardError.self) { try BoardDescription.parse(text, source: "tiny.toml") }
        do {
            _ = try BoardDescription.parse(text, source: "tiny.toml")
        } catch {
            #expect(error.description.hasPrefix(expected), "\(error.description)")
        }
    }

    @Test("The TOML subset reads hex, underscores, signs, floats, comments and integer arrays")
    func tomlValues() throws {
        let doc = try TOMLSubset.parse("""
            # comment
            [a]
            hex = 0x48 # trailing comment
            big = 1_000_000
            neg = -5
            f = 2.0e-5
            s = "with # hash"
            b = true
            arr = [1, 2, 0x10,]
            """)
        let a = try #require(doc.tables["a"])
        #expect(a.values["hex"] == .integer(0x48))
        #expect(a.values["big"] == .integer(1_000_000))
        #expect(a.values["neg"] == .integer(-5))
        #expect(a.values["f"] == .float(2.0e-5))
        #expect(a.values["s"] == .string("with # hash"))
        #expect(a.values["b"] == .boolean(true))
        #expect(a.values["arr"] == .array([.integer(1), .integer(2), .integer(16)]))
        #expect(a.lines["hex"] == 3)
    }
}
