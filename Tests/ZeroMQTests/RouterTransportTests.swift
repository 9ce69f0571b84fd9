import SoCLink
import SoCLinkZMQ
import SoCTesting
import Testing
import ZeroMQ

/// `ZMQRouterFrameTransport`: the real-time core's end since SPEC 1.1 — it tells connections apart
/// and sends each frame to the one the link layer names (SPEC §4.7).
@Suite("ROUTER frame transport")
struct RouterTransportTests {
    static func receive(_ transport: any FrameTransport, _ buffer: UnsafeMutableRawBufferPointer) throws -> [UInt8]? {
        let deadline = ContinuousClock.now + .seconds(5)
        while ContinuousClock.now < deadline {
            _ = try transport.waitUntilReadable(timeoutMilliseconds: 20)
            if case .received(let count) = try transport.tryReceive(into: buffer) {
                return Array(UnsafeRawBufferPointer(rebasing: buffer[0..<count]))
            }
        }
        return nil
    }

    static func send(_ transport: any FrameTransport, _ bytes: [UInt8]) throws -> TransportSendResult {
        try bytes.withUnsafeBytes { try transport.trySend($0) }
    }

    @Test("Two connections get two peers; a reply goes to the named one only; an unknown peer is wouldBlock",
          arguments: ["ipc", "tcp"])
    func peersAreToldApart(kind: String) throws {
        try withTemporaryIPCPath { ipc in
            let context = try ZMQContext()
            let router = try ZMQRouterFrameTransport.bind(endpoint: kind == "ipc" ? ipc : "tcp://127.0.0.1:*", context: context)
            let first = try ZMQFrameTransport.connect(endpoint: router.endpoint, context: context)
            let second = try ZMQFrameTransport.connect(endpoint: router.endpoint, context: context)
            let buffer = UnsafeMutableRawBufferPointer.allocate(byteCount: 64, alignment: 8)
            defer { buffer.deallocate() }
            var sentFirst = TransportSendResult.wouldBlock
            let deadline = ContinuousClock.now + .seconds(5)
            while sentFirst == .wouldBlock && ContinuousClock.now < deadline { sentFirst = try Self.send(first, [1, 1]) }
            #expect(try Self.receive(router, buffer) == [1, 1])
            let firstPeer = router.lastSender
            var sentSecond = TransportSendResult.wouldBlock
            while sentSecond == .wouldBlock && ContinuousClock.now < deadline { sentSecond = try Self.send(second, [2, 2]) }
            #expect(try Self.receive(router, buffer) == [2, 2])
            let secondPeer = router.lastSender
            #expect(firstPeer != secondPeer && firstPeer != .only)

            router.setDestination(secondPeer)
            #expect(try Self.send(router, [9]) == .sent)
            #expect(try Self.receive(second, buffer) == [9])
            #expect(try first.waitUntilReadable(timeoutMilliseconds: 100) == false, "the other connection got nothing")

            router.setDestination(LinkPeer(rawValue: 999))
            #expect(try Self.send(router, [7]) == .wouldBlock)
        }
    }
}
