import Foundation
import SoCLink
import SoCLinkZMQ
import SoCTesting
import Testing
import ZeroMQ

/// One frame's worth of bytes, sent by `from` and waited for (with a deadline) on `to`.
private func delivered(_ byte: UInt8, from: ZMQFrameTransport, to: ZMQFrameTransport, timeoutMilliseconds: Int32) throws -> Bool {
    let frame = [UInt8](repeating: byte, count: 30)
    var buffer = [UInt8](repeating: 0, count: 64)
    let deadline = ContinuousClock.now + .milliseconds(Int(timeoutMilliseconds))
    while ContinuousClock.now < deadline {
        // Resent until it arrives: with ZMQ_IMMEDIATE the client drops sends until its handshake is done.
        _ = try frame.withUnsafeBytes { raw throws(TransportError) in try from.trySend(raw) }
        if try to.waitUntilReadable(timeoutMilliseconds: 1) {
            let result = try buffer.withUnsafeMutableBytes { raw throws(TransportError) in try to.tryReceive(into: raw) }
            if case .received(30) = result, buffer[0] == byte { return true }
        }
    }
    return false
}

@Suite("The link over CURVE: allowed keys only", .serialized)
struct LinkSecurityTransportTests {
    struct Keys {
        let server = try! ZMQCurveKeyPair.generate()
        let client = try! ZMQCurveKeyPair.generate()
        let stranger = try! ZMQCurveKeyPair.generate()

        var serverSecurity: LinkSecurity {
            .curveServer(secretKey: server.secretKey, publicKey: server.publicKey, allowedClients: [client.publicKey])
        }
        func clientSecurity(_ pair: ZMQCurveKeyPair, serverKey: ZMQCurveKey? = nil) -> LinkSecurity {
            .curveClient(secretKey: pair.secretKey, publicKey: pair.publicKey, serverPublicKey: serverKey ?? server.publicKey)
        }
    }

    @Test("an allowed client talks both ways over CURVE; the handshake is counted as allowed", arguments: ["tcp", "ipc"])
    func allowedClientConnects(transport: String) throws {
        try withTemporaryIPCPath { ipc in
            let keys = Keys()
            let context = try ZMQContext()
            let endpoint = transport == "tcp" ? "tcp://127.0.0.1:*" : ipc
            let server = try ZMQFrameTransport.bind(endpoint: endpoint, context: context, options: .init(security: keys.serverSecurity))
            let clientContext = try ZMQContext()
            let start = ContinuousClock.now
            let client = try ZMQFrameTransport.connect(
                endpoint: server.endpoint, context: clientContext, options: .init(security: keys.clientSecurity(keys.client)))
            #expect(try delivered(1, from: client, to: server, timeoutMilliseconds: 5_000))
            let handshake = ContinuousClock.now - start
            #expect(try delivered(2, from: server, to: client, timeoutMilliseconds: 5_000))
            let statistics = try context.zapAuthenticator().statistics
            #expect(statistics.allowed == 1 && statistics.refused == 0)
            // For comparison, the same first frame without CURVE (docs/threat-model.md quotes both).
            let plainServer = try ZMQFrameTransport.bind(endpoint: transport == "tcp" ? "tcp://127.0.0.1:*" : ipc + "-plain", context: context)
            let plainStart = ContinuousClock.now
            let plainClient = try ZMQFrameTransport.connect(endpoint: plainServer.endpoint, context: clientContext)
            #expect(try delivered(3, from: plainClient, to: plainServer, timeoutMilliseconds: 5_000))
            print("first frame over \(transport): curve \(handshake), plain \(ContinuousClock.now - plainStart)")
        }
    }

    @Test("a client whose key is not allowed is refused and recorded; nothing it sends arrives")
    func strangerIsRefused() throws {
        let keys = Keys()
        let context = try ZMQContext()
        let server = try ZMQFrameTransport.bind(endpoint: "tcp://127.0.0.1:*", context: context, options: .init(security: keys.serverSecurity))
        let authenticator = try context.zapAuthenticator()
        let strangerContext = try ZMQContext()
        let stranger = try ZMQFrameTransport.connect(
            endpoint: server.endpoint, context: strangerContext, options: .init(security: keys.clientSecurity(keys.stranger)))
        #expect(eventually { authenticator.statistics.refused >= 1 })
        let refusal = try #require(authenticator.recentRefusals.first)
        #expect(refusal.clientKey == keys.stranger.publicKey)
        #expect(refusal.address == "127.0.0.1")
        #expect(refusal.domain == LinkSecurity.zapDomain(serverPublicKey: keys.server.publicKey))
        #expect(try !delivered(3, from: stranger, to: server, timeoutMilliseconds: 300))
        #expect(authenticator.statistics.allowed == 0)
    }

    @Test("a plain client and a client expecting another server key never reach a CURVE server")
    func plainAndWrongServerKeyClientsFail() throws {
        let keys = Keys()
        let context = try ZMQContext()
        let server = try ZMQFrameTransport.bind(endpoint: "tcp://127.0.0.1:*", context: context, options: .init(security: keys.serverSecurity))
        let otherContext = try ZMQContext()
        let plain = try ZMQFrameTransport.connect(endpoint: server.endpoint, context: otherContext)
        let wrongServer = try ZMQFrameTransport.connect(
            endpoint: server.endpoint, context: otherContext,
            options: .init(security: keys.clientSecurity(keys.client, serverKey: keys.stranger.publicKey)))
        // An allowed client gets through in a few ms; these get 300 ms each and must not.
        #expect(try !delivered(4, from: plain, to: server, timeoutMilliseconds: 300))
        #expect(try !delivered(5, from: wrongServer, to: server, timeoutMilliseconds: 300))
        #expect(try context.zapAuthenticator().statistics.allowed == 0)
    }

    @Test("CURVE is not supported over inproc://; none is supported everywhere")
    func curveNeedsAZMTPTransport() {
        let keys = Keys()
        #expect(!keys.serverSecurity.supports(endpoint: "inproc://x"))
        #expect(keys.serverSecurity.supports(endpoint: "tcp://127.0.0.1:1"))
        #expect(keys.clientSecurity(keys.client).supports(endpoint: "ipc:///tmp/x/link"))
        #expect(LinkSecurity.none.supports(endpoint: "inproc://x"))
    }
}
