/// A 128-bit FNV-1a content hash (two 64-bit lanes with different offset bases).
///
/// Used only to decide whether a cached build output is still current, not for security, so a
/// fast dependency-free hash is the right tool (Foundation on Linux has no CryptoKit).
struct ContentHash {
    private var a: UInt64 = 0xcbf2_9ce4_8422_2325
    private var b: UInt64 = 0x8422_2325_cbf2_9ce4

    mutating func update(_ bytes: some Sequence<UInt8>) {
        for byte in bytes {
            a = (a ^ UInt64(byte)) &* 0x0000_0100_0000_01b3
            b = (b ^ UInt64(byte ^ 0x5a)) &* 0x0000_0100_0000_01b3
        }
        // A separator, so that ("ab", "c") and ("a", "bc") hash differently.
        a = (a ^ 0xff) &* 0x0000_0100_0000_01b3
    }

    mutating func update(_ string: String) { update(string.utf8) }

    var hexDigest: String {
        func hex(_ value: UInt64) -> String {
            let digits = String(value, radix: 16)
            return String(repeating: "0", count: 16 - digits.count) + digits
        }
        return hex(a) + hex(b)
    }
}
