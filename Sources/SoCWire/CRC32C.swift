/// CRC-32C (Castagnoli, reflected polynomial 0x82F63B78), the frame integrity check (SPEC §2.4).
/// Chosen over CRC-32/IEEE because it has better error detection for short frames and has a
/// hardware instruction on x86 (SSE4.2) and Arm (CRC32C) should a peer want it.
public enum CRC32C {
    /// The 256-entry lookup table, built once on first use (not per frame).
    @usableFromInline
    static let table: [UInt32] = (0..<256).map { index -> UInt32 in
        var crc = UInt32(index)
        for _ in 0..<8 {
            crc = (crc & 1) != 0 ? (crc >> 1) ^ 0x82F6_3B78 : crc >> 1
        }
        return crc
    }

    /// Continues a CRC over `bytes`. Start with `0xFFFF_FFFF`; finish by complementing the result.
    @inlinable
    public static func update(_ crc: UInt32, _ bytes: UnsafeRawBufferPointer) -> UInt32 {
        var crc = crc
        table.withUnsafeBufferPointer { table in
            for byte in bytes {
                crc = table[Int((crc ^ UInt32(byte)) & 0xFF)] ^ (crc >> 8)
            }
        }
        return crc
    }

    /// The CRC-32C of `bytes`. `checksum("123456789") == 0xE3069283`.
    @inlinable
    public static func checksum(_ bytes: UnsafeRawBufferPointer) -> UInt32 {
        ~update(0xFFFF_FFFF, bytes)
    }
}
