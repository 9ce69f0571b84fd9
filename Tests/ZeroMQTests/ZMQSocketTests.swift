import Testing
import ZeroMQ
import SoCTesting

/// Sends `bytes` from `socket` (blocking until libzmq takes it; inproc/ipc/tcp all accept at once
/// once connected) and returns what `peer` receives into a buffer of `capacity` bytes.
/// Receives into an array through the span API (closures cannot capture a borrowed `~Copyable` socket).
private func receive(
    _ socket: borrowing ZMQSocket,
    into buffer: inout [UInt8],
    flags: ZMQMessageFlags = []
) throws(ZMQError) -> ZMQReceiveResult {
    var span = buffer.mutableSpan
    return try socket.receive(into: &span, flags: flags)
}

private func roundTrip(
    _ bytes: [UInt8],
    from socket: borrowing ZMQSocket,
    to peer: borrowing ZMQSocket,
    capacity: Int = 256
) throws -> (ZMQReceiveResult, [UInt8]) {
    let sent = try socket.send(bytes.span.bytes)
    #expect(sent == .processed(bytes.count))
    var buffer = [UInt8](repeating: 0, count: capacity)
    let result = try receive(peer, into: &buffer)
    switch result {
    case .received(let count): return (result, Array(buffer.prefix(count)))
    case .truncated: return (result, buffer)
    case .wouldBlock: return (result, [])
    }
}

@Suite("ZeroMQ wrapper over real sockets")
struct ZMQSocketTests {
    @Test("zmq_version reports the linked libzmq 4.x")
    func versionIsFour() {
        let version = ZMQVersion.current
        #expect(version.major == 4)
        #expect(version.description == "\(version.major).\(version.minor).\(version.patch)")
        #expect(ZMQVersion.has("ipc"))
    }

    @Test("a PAIR message round-trips over inproc:// byte for byte")
    func pairRoundTripOverInproc() throws {
        let context = try ZMQContext()
        let a = try ZMQSocket(context: context, type: .pair)
        let b = try ZMQSocket(context: context, type: .pair)
        try a.bind("inproc://pair-round-trip")
        try b.connect("inproc://pair-round-trip")
        let message: [UInt8] = [1, 2, 3, 250, 0, 7]
        let (result, received) = try roundTrip(message, from: a, to: b)
        #expect(result == .received(message.count))
        #expect(received == message)
        let (back, backBytes) = try roundTrip([9, 9], from: b, to: a)
        #expect(back == .received(2))
        #expect(backBytes == [9, 9])
    }

    @Test("a non-blocking receive on an empty socket is wouldBlock, not an error")
    func emptyReceiveWouldBlock() throws {
        let context = try ZMQContext()
        let socket = try ZMQSocket(context: context, type: .dealer)
        try socket.bind("inproc://empty-receive")
        var buffer = [UInt8](repeating: 0, count: 16)
        let result = try receive(socket, into: &buffer, flags: .dontWait)
        #expect(result == .wouldBlock)
    }

    @Test("a non-blocking send without any peer is wouldBlock")
    func sendWithoutPeerWouldBlock() throws {
        let context = try ZMQContext()
        let socket = try ZMQSocket(context: context, type: .dealer)
        try socket.bind("inproc://no-peer")
        let result = try socket.trySend([UInt8](repeating: 1, count: 8).span.bytes)
        #expect(result == .wouldBlock)
    }

    @Test("a message larger than the buffer is reported as truncated with its full size")
    func truncationIsReported() throws {
        let context = try ZMQContext()
        let a = try ZMQSocket(context: context, type: .pair)
        let b = try ZMQSocket(context: context, type: .pair)
        try a.bind("inproc://truncation")
        try b.connect("inproc://truncation")
        let message = (0..<100).map { UInt8($0) }
        let (result, kept) = try roundTrip(message, from: a, to: b, capacity: 10)
        #expect(result == .truncated(size: 100))
        #expect(kept == Array(message.prefix(10)))
    }

    @Test("binding an ipc:// path in a missing directory fails with ENOENT and libzmq's text")
    func badIPCEndpointIsAClearError() throws {
        let context = try ZMQContext()
        let socket = try ZMQSocket(context: context, type: .dealer)
        let error = #expect(throws: ZMQError.self) { try socket.bind("ipc:///nonexistent/dir/x") }
        #expect(error == .noSuchEntry)
        #expect(error?.description == "No such file or directory (errno 2)")
    }

    @Test("malformed endpoints are refused with EINVAL or EPROTONOSUPPORT")
    func malformedEndpointsAreRefused() throws {
        let context = try ZMQContext()
        let socket = try ZMQSocket(context: context, type: .dealer)
        let noPort = #expect(throws: ZMQError.self) { try socket.connect("tcp://bad") }
        #expect(noPort == .invalidArgument)
        #expect(noPort?.message == "Invalid argument")
        let unknownScheme = #expect(throws: ZMQError.self) { try socket.bind("carrier-pigeon://x") }
        #expect(unknownScheme == .protocolNotSupported)
        let notBound = #expect(throws: ZMQError.self) { try socket.unbind("inproc://never-bound") }
        #expect(notBound == .noSuchEntry)
    }

    @Test("disconnect undoes a connect and refuses an endpoint that was never connected")
    func disconnectUndoesConnect() throws {
        let context = try ZMQContext()
        let socket = try ZMQSocket(context: context, type: .dealer)
        try socket.connect("tcp://127.0.0.1:9")
        #expect(try socket.lastEndpoint() == "tcp://127.0.0.1:9")
        try socket.disconnect("tcp://127.0.0.1:9")
        #expect(throws: ZMQError.noSuchEntry) { try socket.disconnect("tcp://127.0.0.1:9") }
    }

    @Test("a bound endpoint cannot be bound twice")
    func doubleBindIsAddressInUse() throws {
        let context = try ZMQContext()
        let a = try ZMQSocket(context: context, type: .dealer)
        let b = try ZMQSocket(context: context, type: .dealer)
        try a.bind("inproc://taken")
        #expect(throws: ZMQError.addressInUse) { try b.bind("inproc://taken") }
    }

    @Test("shutting the context down makes a blocking receive return contextTerminated")
    func contextShutdownEndsBlockingReceive() throws {
        let context = try ZMQContext()
        let socket = try ZMQSocket(context: context, type: .dealer)
        try socket.bind("inproc://shutdown")
        context.shutdown()
        var buffer = [UInt8](repeating: 0, count: 8)
        #expect(throws: ZMQError.contextTerminated) {
            _ = try receive(socket, into: &buffer)
        }
        #expect(throws: ZMQError.contextTerminated) {
            _ = try socket.send([UInt8](repeating: 0, count: 4).span.bytes)
        }
    }

    @Test("a context and its sockets are released without hanging, with messages still queued")
    func teardownWithQueuedMessagesDoesNotHang() throws {
        // Linger 0 is what makes this return: with the C default (-1) zmq_ctx_term would wait forever
        // for the unreceived message below.
        do {
            let context = try ZMQContext()
            let a = try ZMQSocket(context: context, type: .dealer)
            try a.connect("tcp://127.0.0.1:9")  // nobody listens on the discard port
            let result = try a.trySend([UInt8](repeating: 1, count: 8).span.bytes)
            #expect(result == .processed(8))  // queued for a peer that never comes
            #expect(try a.option(.linger) == 0)
        }
    }

    @Test("tcp://127.0.0.1:* binds an ephemeral port that lastEndpoint reports")
    func ephemeralTCPPortIsReported() throws {
        let context = try ZMQContext()
        let socket = try ZMQSocket(context: context, type: .dealer)
        #expect(try socket.lastEndpoint() == "")
        try socket.bind("tcp://127.0.0.1:*")
        let endpoint = try socket.lastEndpoint()
        #expect(endpoint.hasPrefix("tcp://127.0.0.1:"))
        let port = Int(endpoint.dropFirst("tcp://127.0.0.1:".count))
        #expect(port != nil && port! > 0)
        try socket.unbind(endpoint)
    }

    @Test("integer options read back what was set")
    func optionsRoundTrip() throws {
        let context = try ZMQContext()
        let socket = try ZMQSocket(context: context, type: .dealer, lingerMilliseconds: 25)
        #expect(try socket.option(.linger) == 25)
        try socket.setOption(.sendHighWaterMark, to: 1234)
        try socket.setOption(.receiveHighWaterMark, to: 4321)
        try socket.setOption(.immediate, to: 1)
        try socket.setOption(.receiveTimeout, to: 50)
        try socket.setOption(.tcpKeepalive, to: 1)
        #expect(try socket.option(.sendHighWaterMark) == 1234)
        #expect(try socket.option(.receiveHighWaterMark) == 4321)
        #expect(try socket.option(.immediate) == 1)
        #expect(try socket.option(.receiveTimeout) == 50)
        #expect(try socket.option(.tcpKeepalive) == 1)
        #expect(try socket.option(.type) == ZMQSocketType.dealer.rawValue)
        #expect(throws: ZMQError.invalidArgument) { try socket.setOption(ZMQIntegerOption(rawValue: 9999), to: 1) }
    }

    @Test("a receive timeout turns a blocking receive into wouldBlock")
    func receiveTimeoutIsWouldBlock() throws {
        let context = try ZMQContext()
        let socket = try ZMQSocket(context: context, type: .dealer)
        try socket.bind("inproc://timeout")
        try socket.setOption(.receiveTimeout, to: 1)
        var buffer = [UInt8](repeating: 0, count: 8)
        let result = try receive(socket, into: &buffer)
        #expect(result == .wouldBlock)
    }

    @Test("polling reports exactly the sockets that have a message")
    func pollingReportsReadySockets() throws {
        let context = try ZMQContext()
        let a = try ZMQSocket(context: context, type: .pair)
        let b = try ZMQSocket(context: context, type: .pair)
        let c = try ZMQSocket(context: context, type: .pair)
        let d = try ZMQSocket(context: context, type: .pair)
        try a.bind("inproc://poll-ab")
        try b.connect("inproc://poll-ab")
        try c.bind("inproc://poll-cd")
        try d.connect("inproc://poll-cd")
        #expect(try b.poll(events: .readable, timeoutMilliseconds: 0) == [])
        #expect(try b.poll(events: .writable, timeoutMilliseconds: 0) == .writable)

        _ = try a.send([UInt8](repeating: 5, count: 3).span.bytes)
        var items = [b.pollItem(events: .readable), d.pollItem(events: .readable)]
        let ready = try ZMQPollItem.poll(&items, timeoutMilliseconds: -1)
        #expect(ready == 1)
        #expect(items[0].readyEvents == .readable)
        #expect(items[1].readyEvents == [])
        #expect(try b.poll(events: .readable, timeoutMilliseconds: -1) == .readable)
    }

    @Test("PUB/SUB delivers only subscribed topics")
    func publishSubscribeFiltersTopics() throws {
        let context = try ZMQContext()
        let publisher = try ZMQSocket(context: context, type: .publisher)
        let subscriber = try ZMQSocket(context: context, type: .subscriber)
        try publisher.bind("inproc://status")
        try subscriber.connect("inproc://status")
        try subscriber.subscribe(to: "rt ")
        let wanted = Array("rt {}".utf8)
        let other = Array("app {}".utf8)
        // Subscriptions travel to the publisher asynchronously ("slow joiner"): publish until one arrives.
        var buffer = [UInt8](repeating: 0, count: 64)
        var received: ZMQReceiveResult = .wouldBlock
        for _ in 0..<1000 where received == .wouldBlock {
            _ = try publisher.send(other.span.bytes)
            _ = try publisher.send(wanted.span.bytes)
            if try subscriber.poll(timeoutMilliseconds: 10).contains(.readable) {
                received = try receive(subscriber, into: &buffer, flags: .dontWait)
            }
        }
        #expect(received == .received(wanted.count))
        #expect(Array(buffer.prefix(wanted.count)) == wanted)
        // Everything else that arrives is also "rt ": the "app " messages were filtered out.
        while case .received(let count) = try receive(subscriber, into: &buffer, flags: .dontWait) {
            #expect(Array(buffer.prefix(count)) == wanted)
        }
        try subscriber.unsubscribe(from: "rt ")
    }

    @Test("REQ refuses a second send before the reply (EFSM), REP answers")
    func requestReplyEnforcesAlternation() throws {
        let context = try ZMQContext()
        let request = try ZMQSocket(context: context, type: .request)
        let reply = try ZMQSocket(context: context, type: .reply)
        try reply.bind("inproc://control")
        try request.connect("inproc://control")
        let (asked, question) = try roundTrip(Array(#"{"op":"status"}"#.utf8), from: request, to: reply)
        #expect(asked == .received(15))
        #expect(String(decoding: question, as: UTF8.self) == #"{"op":"status"}"#)
        #expect(throws: ZMQError.invalidState) {
            _ = try request.send([UInt8](repeating: 0, count: 1).span.bytes)
        }
        let (answered, answer) = try roundTrip(Array(#"{"ok":true}"#.utf8), from: reply, to: request)
        #expect(answered == .received(11))
        #expect(answer == Array(#"{"ok":true}"#.utf8))
    }

    @Test("a routing id can be set on a DEALER")
    func routingIDCanBeSet() throws {
        let context = try ZMQContext()
        let socket = try ZMQSocket(context: context, type: .dealer)
        try socket.setRoutingID(Array("app-core".utf8).span.bytes)
        #expect(throws: ZMQError.invalidArgument) {
            try socket.setRoutingID([UInt8]().span.bytes)
        }
    }

    @Test("DEALER pairs round-trip over ipc:// and tcp:// too", arguments: ["ipc", "tcp"])
    func dealerRoundTripOverRealTransports(scheme: String) throws {
        try withTemporaryIPCPath { ipcEndpoint throws in
            let context = try ZMQContext()
            let server = try ZMQSocket(context: context, type: .dealer)
            let client = try ZMQSocket(context: context, type: .dealer)
            try server.bind(scheme == "ipc" ? ipcEndpoint : "tcp://127.0.0.1:*")
            try client.connect(try server.lastEndpoint())
            // Blocking sends wait for the connection; the receive waits for the message.
            let (result, bytes) = try roundTrip([1, 2, 3, 4], from: client, to: server)
            #expect(result == .received(4))
            #expect(bytes == [1, 2, 3, 4])
            let (back, backBytes) = try roundTrip([5], from: server, to: client)
            #expect(back == .received(1))
            #expect(backBytes == [5])
        }
    }
}
