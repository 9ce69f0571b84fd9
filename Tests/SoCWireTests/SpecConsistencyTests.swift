import Foundation
import SoCWire
import Testing

/// Reads the tables of `protocol/SPEC.md` and compares them with SoCWire, so the normative text
/// and the codec cannot drift apart (a wire change must touch both, SPEC §9).
@Suite("SPEC.md tables agree with SoCWire")
struct SpecConsistencyTests {
    static func spec() throws -> String {
        let url = URL(fileURLWithPath: #filePath)
            .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
            .appendingPathComponent("protocol/SPEC.md")
        return try String(contentsOf: url, encoding: .utf8)
    }

    /// The table rows (cells trimmed, backticks removed) of the section whose heading starts with `heading`.
    static func rows(in text: String, section heading: String) -> [[String]] {
        var inSection = false
        var rows: [[String]] = []
        for line in text.split(separator: "\n", omittingEmptySubsequences: false) {
            if line.hasPrefix("#") {
                inSection = line.hasPrefix(heading)
                continue
            }
            guard inSection, line.hasPrefix("|"), !line.hasPrefix("|--"), !line.hasPrefix("|:"), !line.contains("---")
            else { continue }
            let cells = line.split(separator: "|", omittingEmptySubsequences: false).dropFirst().dropLast()
            rows.append(cells.map { $0.trimmingCharacters(in: .whitespaces).replacingOccurrences(of: "`", with: "") })
        }
        return rows.filter { $0.first.map { $0.first?.isNumber == true } ?? false }
    }

    @Test("§3.0 lists every message type with its code and payload size, and nothing else")
    func messageTypes() throws {
        let rows = Self.rows(in: try Self.spec(), section: "### 3.0")
        var listed: [UInt8: Int] = [:]
        for row in rows {
            let code = try #require(UInt8(row[0].dropFirst(2), radix: 16), "\(row)")
            listed[code] = Int(row[3])
        }
        var expected: [UInt8: Int] = [:]
        for type in MessageType.allCases { expected[type.rawValue] = type.payloadSize }
        #expect(listed == expected)
    }

    @Test("§7 lists every decode error kind with its numeric code")
    func decodeErrors() throws {
        let rows = Self.rows(in: try Self.spec(), section: "## 7.")
        let names = Set(DecodeError.Kind.allCases.map { "\($0)" })
        var listed: [String: UInt8] = [:]
        for row in rows where row.count >= 4 {
            // "invalidField (…) or reservedBitsSet (…)" pairs with "10 / 6".
            let kinds = row[2].split(separator: " ").map(String.init).filter { names.contains($0) }
            let codes = row[3].split(separator: "/").compactMap { UInt8($0.trimmingCharacters(in: .whitespaces)) }
            #expect(kinds.count == codes.count, "\(row)")
            for (kind, code) in zip(kinds, codes) {
                #expect(listed[kind] == nil || listed[kind] == code, "\(kind) listed with two codes")
                listed[kind] = code
            }
        }
        var expected: [String: UInt8] = [:]
        for kind in DecodeError.Kind.allCases { expected["\(kind)"] = kind.rawValue }
        #expect(listed == expected)
        #expect(rows.count == 12, "twelve checks in order")
    }

    @Test("§3.10 lists every reject code")
    func rejectCodes() throws {
        let rows = Self.rows(in: try Self.spec(), section: "### 3.10")
        var listed: [String: UInt16] = [:]
        for row in rows where row.count >= 2 { listed[row[1]] = UInt16(row[0]) }
        var expected: [String: UInt16] = [:]
        for code in RejectCode.allCases { expected["\(code)"] = code.rawValue }
        #expect(listed == expected)
    }

    @Test("§6 states the limits SoCWire enforces")
    func limits() throws {
        let text = try Self.spec()
        #expect(text.contains("| 1024 bytes |") && Wire.maxPayloadSize == 1024)
        #expect(text.contains("| 1048 bytes |") && Wire.maxFrameSize == 1048)
        #expect(text.contains("| ≤ 33 bytes |") && Wire.smallFrameLimit == 33)
        #expect(text.contains("is `0xE3069283`"))
    }
}
