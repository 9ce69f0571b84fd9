import Testing
import ZeroMQ

@Suite("ZeroMQ wrapper: multi-part messages and ROUTER sockets")
struct ZMQMultipartTests {
    /// A DEALER connected to `endpoint` that presents `routingID` to the ROUTER.
    private func dealer(_ context: ZMQContext, _ endpoint: String, routingID: [UInt8]) throws -> ZMQSocket {
        let socket = try ZMQSocket(context: context, type: .dealer)
        try socket.setRoutingID(routingID.span.bytes)
        try socket.connect(endpoint)
        return socket
    }

    @Test("a ROUTER receives each DEALER's routing id before its frame and routes replies back to it")
    func routerAddressesEachDealer() throws {
        let context = try ZMQContext()
        let router = try ZMQSocket(context: context, type: .router)
        try router.bind("inproc://router-routes")
        let first = try dealer(context, "inproc://router-routes", routingID: Array("first".utf8))
        let second = try dealer(context, "inproc://router-routes", routingID: Array("second".utf8))
        let firstFrame: [UInt8] = [1, 2, 3]
        let secondFrame: [UInt8] = [9]
        #expect(try first.send(firstFrame.span.bytes) == .processed(3))
        #expect(try second.send(secondFrame.span.bytes) == .processed(1))

        let fromFirst = try #require(try router.receiveMultipart(maximumPartSize: 64))
        let fromSecond = try #require(try router.receiveMultipart(maximumPartSize: 64))
        #expect(fromFirst.map(\.bytes) == [Array("first".utf8), [1, 2, 3]])
        #expect(fromSecond.map(\.bytes) == [Array("second".utf8), [9]])
        #expect(try router.receiveMultipart(maximumPartSize: 64, flags: .dontWait) == nil)

        #expect(try router.sendMultipart([Array("second".utf8), [7, 7]]) == .processed(8))
        let reply = try #require(try second.receiveMultipart(maximumPartSize: 64))
        #expect(reply == [ZMQMessagePart(bytes: [7, 7], size: 2)])
        #expect(try first.receiveMultipart(maximumPartSize: 64, flags: .dontWait) == nil)
    }

    @Test("hasMoreParts is true between the parts of a message and false after its last part")
    func receiveMoreFollowsTheParts() throws {
        let context = try ZMQContext()
        let a = try ZMQSocket(context: context, type: .pair)
        let b = try ZMQSocket(context: context, type: .pair)
        try a.bind("inproc://more-parts")
        try b.connect("inproc://more-parts")
        #expect(try a.sendMultipart([[1], [2, 2], [3, 3, 3]]) == .processed(6))
        var buffer = [UInt8](repeating: 0, count: 8)
        var more: [Bool] = []
        for _ in 0..<3 {
            var span = buffer.mutableSpan
            _ = try b.receive(into: &span)
            more.append(try b.hasMoreParts())
        }
        #expect(more == [true, true, false])
    }

    @Test("a part longer than the maximum is cut and reported with its full size; the other parts are whole")
    func longPartIsReportedTruncated() throws {
        let context = try ZMQContext()
        let a = try ZMQSocket(context: context, type: .pair)
        let b = try ZMQSocket(context: context, type: .pair)
        try a.bind("inproc://long-part")
        try b.connect("inproc://long-part")
        let long = (0..<100).map { UInt8($0) }
        _ = try a.sendMultipart([long, [5]])
        let parts = try #require(try b.receiveMultipart(maximumPartSize: 10))
        #expect(parts.count == 2)
        #expect(parts[0].isTruncated && parts[0].size == 100 && parts[0].bytes == Array(long.prefix(10)))
        #expect(parts[1] == ZMQMessagePart(bytes: [5], size: 1))
    }

    @Test("ZMQ_ROUTER_MANDATORY turns a send to an unknown routing id into EHOSTUNREACH; an empty message is refused")
    func mandatoryRouterRefusesUnknownPeers() throws {
        let context = try ZMQContext()
        let router = try ZMQSocket(context: context, type: .router)
        try router.setOption(.routerMandatory, to: 1)
        try router.bind("inproc://mandatory")
        let error = #expect(throws: ZMQError.self) { _ = try router.sendMultipart([Array("nobody".utf8), [1]]) }
        #expect(error == .hostUnreachable)
        let empty = #expect(throws: ZMQError.self) { _ = try router.sendMultipart([]) }
        #expect(empty == .invalidArgument)
    }
}
