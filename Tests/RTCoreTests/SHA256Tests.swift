import RTCore
import Testing

@Suite("SHA-256 (FIPS 180-4 vectors)")
struct SHA256Tests {
    @Test(
        "Known-answer vectors from FIPS 180-4 and NIST CAVS match",
        arguments: [
            ("", "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"),
            ("abc", "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"),
            (
                "abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq",
                "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1"
            ),
            (
                "abcdefghbcdefghicdefghijdefghijkefghijklfghijklmghijklmnhijklmnoijklmnopjklmnopqklmnopqrlmnopqrsmnopqrstnopqrstu",
                "cf5b16a778af8380036ce59e7b0492370b249b11e8f07a51afac45037afee9d1"
            ),
        ] as [(String, String)])
    func knownAnswers(message: String, expected: String) {
        #expect(SHA256.hex(of: Array(message.utf8)) == expected)
    }

    @Test("One million 'a' bytes hash to the FIPS 180-4 long-message digest")
    func millionA() {
        var hasher = SHA256()
        let chunk = [UInt8](repeating: UInt8(ascii: "a"), count: 1000)
        for _ in 0..<1000 { hasher.update(chunk) }
        #expect(SHA256.hexString(hasher.finalize()) == "cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0")
    }

    @Test("Feeding bytes in pieces gives the same digest as feeding them at once")
    func streaming() {
        let bytes = (0..<1000).map { UInt8(truncatingIfNeeded: $0 &* 31) }
        var pieces = SHA256()
        pieces.update(bytes[0..<1])
        pieces.update(bytes[1..<63])
        pieces.update(bytes[63..<64])
        pieces.update(bytes[64..<1000])
        #expect(SHA256.hexString(pieces.finalize()) == SHA256.hex(of: bytes))
    }

    @Test("Every way of splitting a message across blocks gives the same digest, byte-wise or contiguous")
    func splitsAcrossBlockBoundaries() {
        let bytes = (0..<300).map { UInt8(truncatingIfNeeded: $0 &* 131 &+ 7) }
        let whole = SHA256.hex(of: bytes)
        for first in [0, 1, 55, 56, 63, 64, 65, 127, 128, 200] {
            for second in [0, 1, 9, 64, 70] where first + second <= bytes.count {
                var hasher = SHA256()
                hasher.update(bytes[0..<first])
                hasher.update(bytes[first..<(first + second)].lazy.map { $0 })  // a non-contiguous sequence
                hasher.update(bytes[(first + second)...])
                #expect(SHA256.hexString(hasher.finalize()) == whole, "split at \(first)+\(second)")
            }
        }
    }
}
