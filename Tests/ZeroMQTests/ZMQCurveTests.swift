import Testing
import ZeroMQ

@Suite("CURVE keys, Z85 and the CURVE socket options")
struct ZMQCurveTests {
    @Test("Z85 encodes and decodes the RFC 32 test vector, and refuses bad lengths and characters")
    func z85MatchesTheSpecification() throws {
        let bytes: [UInt8] = [0x86, 0x4F, 0xD2, 0x6F, 0xB5, 0x59, 0xF7, 0x5B]
        #expect(try ZMQZ85.encode(bytes.span.bytes) == "HelloWorld")
        #expect(try ZMQZ85.decode("HelloWorld") == bytes)
        #expect(try ZMQZ85.encode([UInt8]().span.bytes) == "")
        #expect(throws: ZMQError.invalidArgument) { _ = try ZMQZ85.encode([UInt8](repeating: 1, count: 3).span.bytes) }
        #expect(throws: ZMQError.invalidArgument) { _ = try ZMQZ85.decode("Hell") }
        #expect(throws: ZMQError.invalidArgument) { _ = try ZMQZ85.decode("Hello\"orld") }
        #expect(throws: ZMQError.invalidArgument) { _ = try ZMQZ85.decode("Hello\u{0}orld") }
    }

    @Test("a generated key pair has 32-byte keys, the public one derives from the secret, and neither prints")
    func keyPairsAreConsistent() throws {
        try #require(ZMQVersion.has("curve"))
        let pair = try ZMQCurveKeyPair.generate()
        let other = try ZMQCurveKeyPair.generate()
        #expect(pair.publicKey.bytes.count == 32 && pair.secretKey.bytes.count == 32)
        #expect(pair.publicKey != pair.secretKey)
        #expect(pair != other)
        #expect(try ZMQCurveKeyPair(secretKey: pair.secretKey).publicKey == pair.publicKey)
        #expect(pair.secretKey.z85.utf8.count == 40)
        #expect(try ZMQCurveKey(z85: pair.secretKey.z85) == pair.secretKey)
        #expect(!"\(pair.secretKey)".contains(pair.secretKey.z85))
        #expect(ZMQCurveKey(bytes: [UInt8](repeating: 0, count: 31)) == nil)
        #expect(throws: ZMQError.invalidArgument) { _ = try ZMQCurveKey(z85: "HelloWorld") }
    }

    @Test("CURVE options set the mechanism and read back as the key's bytes; a short key is EINVAL")
    func curveOptionsApply() throws {
        let context = try ZMQContext()
        let pair = try ZMQCurveKeyPair.generate()
        let server = try ZMQSocket(context: context, type: .dealer)
        #expect(try server.option(.mechanism) == 0)  // ZMQ_NULL
        try server.setOption(.curveServer, to: 1)
        try server.setOption(.curveSecretKey, to: pair.secretKey)
        try server.setOption(.zapDomain, to: "test-domain")
        #expect(try server.option(.mechanism) == ZMQ_CURVE_MECHANISM)
        #expect(try server.option(.curveServer) == 1)
        #expect(try server.option(.curveSecretKey, capacity: 32) == pair.secretKey.bytes)
        #expect(try server.option(.zapDomain) == Array("test-domain".utf8) + [0])
        let client = try ZMQSocket(context: context, type: .dealer)
        try client.setOption(.curveServerKey, to: pair.publicKey)
        #expect(try client.option(.curveServerKey, capacity: 32) == pair.publicKey.bytes)
        #expect(throws: ZMQError.invalidArgument) {
            try client.setOption(.curvePublicKey, to: [UInt8](repeating: 1, count: 31).span.bytes)
        }
    }
}

/// `ZMQ_CURVE` (2), spelled out because the test target does not import the C module.
private let ZMQ_CURVE_MECHANISM: Int32 = 2
