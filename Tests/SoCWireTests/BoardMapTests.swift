import SoCWire
import Testing

/// `BoardMap.legacyDefault` is what protocol version 1 fixes; the rules SPEC will state for an
/// announced map (unique ids, names `[a-z][a-z0-9_]*` ≤ 31 bytes, units ASCII ≤ 15 bytes, ranges
/// ordered, channels below the derived range 16) must hold for it first.
@Suite("Board map")
struct BoardMapTests {
    static let map = BoardMap.legacyDefault

    static func isIdentifier(_ name: String) -> Bool {
        let bytes = Array(name.utf8)
        guard let first = bytes.first, (UInt8(ascii: "a")...UInt8(ascii: "z")).contains(first), bytes.count <= 31 else {
            return false
        }
        return bytes.allSatisfy { (UInt8(ascii: "a")...UInt8(ascii: "z")).contains($0) || (UInt8(ascii: "0")...UInt8(ascii: "9")).contains($0) || $0 == UInt8(ascii: "_") }
    }

    @Test("The legacy map has today's channels 0–4 and targets 1–3, with unique ids and names")
    func legacyIds() {
        #expect(Self.map.channels.map(\.id) == [0, 1, 2, 3, 4])
        #expect(Self.map.targets.map(\.id) == [1, 2, 3])
        #expect(Set(Self.map.channels.map(\.name)).count == Self.map.channels.count)
        #expect(Set(Self.map.targets.map(\.name)).count == Self.map.targets.count)
        #expect(Self.map.channels.allSatisfy { $0.id < 16 })
    }

    @Test("Names are identifiers, units short ASCII, ranges ordered")
    func legacyWellFormed() {
        for channel in Self.map.channels {
            #expect(Self.isIdentifier(channel.name), "\(channel.name)")
            #expect(channel.unit.utf8.count <= 15 && channel.unit.utf8.allSatisfy { $0 < 0x80 })
            #expect(channel.minimum < channel.maximum)
        }
        for target in Self.map.targets {
            #expect(Self.isIdentifier(target.name), "\(target.name)")
            #expect(target.minimum < target.maximum)
        }
        #expect(!Self.isIdentifier("Heater"))
    }

    @Test("Lookups by name and id find the same entry; absent names and ids give nil")
    func lookups() {
        #expect(Self.map.target(named: "motor_duty")?.id == 3)
        #expect(Self.map.target(id: 3)?.name == "motor_duty")
        #expect(Self.map.channel(named: "temperature")?.unit == "mdegC")
        #expect(Self.map.channel(id: 4)?.name == "speed_setpoint")
        #expect(Self.map.channel(named: "level") == nil)
        #expect(Self.map.target(id: 0) == nil)
        #expect(Self.map.target(named: "heater_duty")?.maximum == 1000)
    }
}
