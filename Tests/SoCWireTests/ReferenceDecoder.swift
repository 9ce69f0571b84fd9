import SoCTesting

/// A second, independent v1 decoder written from `protocol/SPEC.md` alone (§2, §3, §7), byte by
/// byte, without SoCWire's types. The property tests decode every input with both and require the
/// same verdict, so the spec and the codec cannot drift apart silently.
enum ReferenceDecoder {
    enum Verdict: Equatable, CustomStringConvertible {
        /// Decoded fields in vector-file order and naming.
        case frame([WireVectors.Field])
        /// SPEC §7 numeric code and byte offset.
        case error(UInt8, Int)

        var description: String {
            switch self {
            case .frame(let fields): return fields.map(\.description).joined(separator: " ")
            case .error(let code, let offset): return "error \(code) at \(offset)"
            }
        }
    }

    /// Payload size per type byte (SPEC §3 table).
    static let payloadSizes: [UInt8: Int] = [
        0x01: 12, 0x02: 28, 0x03: 8, 0x04: 8, 0x05: 4, 0x10: 6, 0x20: 8, 0x21: 8, 0x30: 8, 0x31: 8,
    ]

    static func decode(_ b: [UInt8]) -> Verdict {
        func u16(_ o: Int) -> UInt64 { UInt64(b[o]) | UInt64(b[o + 1]) << 8 }
        func u32(_ o: Int) -> UInt64 { u16(o) | u16(o + 2) << 16 }
        func u64(_ o: Int) -> UInt64 { u32(o) | u32(o + 4) << 32 }
        func i32(_ o: Int) -> Int64 { Int64(Int32(bitPattern: UInt32(u32(o)))) }
        func field(_ name: String, _ value: UInt64) -> WireVectors.Field { .init(name, "\(value)") }

        // §7 check order.
        if b.count < 24 { return .error(1, b.count) }
        if b[0] != 0x53 || b[1] != 0x53 { return .error(3, 0) }
        if b[2] != 1 { return .error(4, 2) }
        if b[4] & 0xFC != 0 { return .error(6, 4) }
        if b[5] != 0 { return .error(6, 5) }
        guard let size = payloadSizes[b[3]] else { return .error(5, 3) }
        let length = Int(u16(6))
        if length > 1024 { return .error(7, 6) }
        if length != size { return .error(8, 6) }
        if b.count < 24 + length { return .error(1, b.count) }
        if b.count > 24 + length { return .error(2, 24 + length) }
        if UInt64(crc32c(Array(b[0..<20]) + Array(b[24...]))) != u32(20) { return .error(9, 20) }

        var fields = [
            field("sequence", u32(8)), field("timestamp", u64(12)), field("flags", UInt64(b[4])),
            field("type", UInt64(b[3])),
        ]
        let p = 24
        func inRange(_ value: UInt64, _ range: ClosedRange<UInt64>) -> Bool { range.contains(value) }
        switch b[3] {
        case 0x01:
            if !inRange(UInt64(b[p]), 1...2) { return .error(10, p) }
            if b[p + 3] != 0 { return .error(6, p + 3) }
            fields += [
                field("role", UInt64(b[p])), field("minVersion", UInt64(b[p + 1])),
                field("maxVersion", UInt64(b[p + 2])), field("capabilities", u32(p + 4)), field("sessionID", u32(p + 8)),
            ]
        case 0x02:
            if !inRange(UInt64(b[p + 1]), 1...2) { return .error(10, p + 1) }
            if !inRange(UInt64(b[p + 2]), 0...1) { return .error(10, p + 2) }
            if b[p + 3] != 0 { return .error(6, p + 3) }
            if u16(p + 22) != 0 { return .error(6, p + 22) }
            fields += [
                field("acceptedVersion", UInt64(b[p])), field("role", UInt64(b[p + 1])),
                field("clockMode", UInt64(b[p + 2])), field("capabilities", u32(p + 4)), field("sessionID", u32(p + 8)),
                field("tickPeriodNanoseconds", u32(p + 12)), field("quantumTicks", u16(p + 16)),
                field("heartbeatIntervalMilliseconds", u16(p + 18)), field("livenessTimeoutMilliseconds", u16(p + 20)),
                field("seed", u32(p + 24)),
            ]
        case 0x03:
            fields += [field("lastReceivedSequence", u32(p)), field("framesLost", u32(p + 4))]
        case 0x04:
            if !inRange(u16(p), 1...8) { return .error(10, p) }
            if b[p + 3] != 0 { return .error(6, p + 3) }
            fields += [field("code", u16(p)), field("refusedType", UInt64(b[p + 2])), field("refusedSequence", u32(p + 4))]
        case 0x05:
            if !inRange(u16(p), 1...3) { return .error(10, p) }
            if u16(p + 2) != 0 { return .error(6, p + 2) }
            fields += [field("reason", u16(p))]
        case 0x10:
            if !inRange(UInt64(b[p + 1]), 0...2) { return .error(10, p + 1) }
            fields += [
                field("channel", UInt64(b[p])), field("status", UInt64(b[p + 1])),
                .init("milliValue", "\(i32(p + 2))"),
            ]
        case 0x20:
            if b[p + 1] != 0 { return .error(6, p + 1) }
            fields += [field("target", UInt64(b[p])), .init("milliValue", "\(i32(p + 2))"), field("validTicks", u16(p + 6))]
        case 0x21:
            if !inRange(UInt64(b[p]), 1...8) { return .error(10, p) }
            fields += [
                field("kind", UInt64(b[p])), field("slot", UInt64(b[p + 1])), field("moduleVersion", u16(p + 2)),
                field("detail", u32(p + 4)),
            ]
        default:  // 0x30, 0x31
            fields += [field("throughTick", u64(p))]
        }
        return .frame(fields)
    }

    /// CRC-32C with the reflected polynomial 0x82F63B78 (SPEC §2.4); the table is built here, not
    /// borrowed from SoCWire.
    static func crc32c(_ bytes: [UInt8]) -> UInt32 {
        var crc: UInt32 = 0xFFFF_FFFF
        for byte in bytes {
            crc = crcTable[Int((crc ^ UInt32(byte)) & 0xFF)] ^ (crc >> 8)
        }
        return ~crc
    }

    static let crcTable: [UInt32] = (0..<256).map { (n: UInt32) -> UInt32 in
        var c = n
        for _ in 0..<8 { c = (c & 1) != 0 ? (c >> 1) ^ 0x82F6_3B78 : c >> 1 }
        return c
    }
}
