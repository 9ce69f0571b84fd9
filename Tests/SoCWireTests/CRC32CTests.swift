import SoCWire
import Testing

@Suite("CRC-32C (SPEC §2.4)")
struct CRC32CTests {
    @Test("the check value of \"123456789\" is 0xE3069283")
    func checkValue() {
        let digits = Array("123456789".utf8)
        let crc = digits.withUnsafeBytes { CRC32C.checksum($0) }
        #expect(crc == 0xE306_9283)
    }

    @Test("the CRC of no bytes is 0 and of 32 zero bytes is 0x8A9136AA (RFC 3720 B.4)")
    func knownValues() {
        #expect([UInt8]().withUnsafeBytes { CRC32C.checksum($0) } == 0)
        #expect([UInt8](repeating: 0, count: 32).withUnsafeBytes { CRC32C.checksum($0) } == 0x8A91_36AA)
        #expect([UInt8](repeating: 0xFF, count: 32).withUnsafeBytes { CRC32C.checksum($0) } == 0x62A8_AB43)
    }

    @Test("updating in pieces gives the same CRC as one pass")
    func incrementalUpdate() {
        let bytes = (0..<200).map { UInt8(truncatingIfNeeded: $0 &* 37) }
        let whole = bytes.withUnsafeBytes { CRC32C.checksum($0) }
        for split in [0, 1, 20, 199, 200] {
            let pieces = bytes.withUnsafeBytes { raw in
                ~CRC32C.update(
                    CRC32C.update(0xFFFF_FFFF, UnsafeRawBufferPointer(rebasing: raw[0..<split])),
                    UnsafeRawBufferPointer(rebasing: raw[split...]))
            }
            #expect(pieces == whole, "split at \(split)")
        }
    }
}
