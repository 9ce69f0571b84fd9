#if ENABLE_MOCKING || DEBUG
import ZeroMQ
import Testing

/// The retry and error-mapping rules of the wrapper, checked by forcing errnos in the debug-only
/// `system_zmq_*` seam (swift-system's mocking approach): these paths are hard to provoke with real sockets.
@Suite("ZeroMQ wrapper error paths (forced errnos)")
struct ZMQMockingTests {
    @Test("EINTR is retried inside send: two interrupts, then the real call succeeds")
    func interruptedSendIsRetried() throws {
        let context = try ZMQContext()
        let a = try ZMQSocket(context: context, type: .pair)
        let b = try ZMQSocket(context: context, type: .pair)
        try a.bind("inproc://mock-eintr")
        try b.connect("inproc://mock-eintr")
        var result: ZMQIOResult?
        let trace = try ZMQMocking.with([.init("zmq_send", .interrupted, count: 2)]) {
            result = try a.send(([1, 2, 3] as [UInt8]).span.bytes)
        }
        #expect(trace == ["zmq_send", "zmq_send", "zmq_send"])
        #expect(result == .processed(3))
        var buffer = [UInt8](repeating: 0, count: 8)
        var span = buffer.mutableSpan
        #expect(try b.receive(into: &span) == .received(3))
    }

    @Test("with retryOnInterrupt false, EINTR is thrown as .interrupted")
    func interruptCanBeSurfaced() throws {
        let context = try ZMQContext()
        let a = try ZMQSocket(context: context, type: .pair)
        try a.bind("inproc://mock-eintr-surface")
        let trace = ZMQMocking.with([.init("zmq_send", .interrupted, count: 1)]) {
            #expect(throws: ZMQError.interrupted) {
                _ = try [UInt8](repeating: 1, count: 2).withUnsafeBytes { try a.send($0, retryOnInterrupt: false) }
            }
        }
        #expect(trace == ["zmq_send"])
    }

    @Test("EAGAIN from zmq_recv is wouldBlock, ETERM is contextTerminated, others are thrown as is")
    func receiveErrorsAreMapped() throws {
        let context = try ZMQContext()
        let a = try ZMQSocket(context: context, type: .pair)
        let b = try ZMQSocket(context: context, type: .pair)
        try a.bind("inproc://mock-recv")
        try b.connect("inproc://mock-recv")
        var buffer = [UInt8](repeating: 0, count: 8)
        _ = ZMQMocking.with([
            .init("zmq_recv", .wouldBlock, count: 1),
            .init("zmq_recv", .contextTerminated, count: 1),
        ]) {
            var span = buffer.mutableSpan
            #expect((try? b.receive(into: &span)) == .wouldBlock)
            #expect(throws: ZMQError.contextTerminated) { _ = try b.receive(into: &span) }
        }
        _ = ZMQMocking.with([.init("zmq_recv", .invalidState, count: 1)]) {
            var span = buffer.mutableSpan
            #expect(throws: ZMQError.invalidState) { _ = try b.receive(into: &span) }
        }
    }

    @Test("EINTR in zmq_poll is retried")
    func interruptedPollIsRetried() throws {
        let context = try ZMQContext()
        let a = try ZMQSocket(context: context, type: .pair)
        let b = try ZMQSocket(context: context, type: .pair)
        try b.bind("inproc://mock-poll")
        try a.connect("inproc://mock-poll")
        var ready: ZMQPollEvents = []
        let trace = try ZMQMocking.with([.init("zmq_poll", .interrupted, count: 3)]) {
            ready = try a.poll(events: .writable, timeoutMilliseconds: 0)
        }
        #expect(trace == ["zmq_poll", "zmq_poll", "zmq_poll", "zmq_poll"])
        #expect(ready == .writable)
    }

    @Test("a failing zmq_socket is thrown, and a socket's life is zmq_socket, zmq_setsockopt(linger), zmq_close")
    func socketLifecycleCalls() throws {
        let context = try ZMQContext()
        let failed = ZMQMocking.with([.init("zmq_socket", .tooManyOpenFiles, count: 1)]) {
            #expect(throws: ZMQError.tooManyOpenFiles) { _ = try ZMQSocket(context: context, type: .dealer) }
        }
        #expect(failed == ["zmq_socket"])
        let lifecycle = try ZMQMocking.with([]) {
            _ = try ZMQSocket(context: context, type: .dealer)
        }
        #expect(lifecycle == ["zmq_socket", "zmq_setsockopt", "zmq_close"])
    }

    @Test("a failing linger option closes the new socket before throwing")
    func failedLingerClosesTheSocket() throws {
        let context = try ZMQContext()
        let trace = ZMQMocking.with([.init("zmq_setsockopt", .invalidArgument, count: 1)]) {
            #expect(throws: ZMQError.invalidArgument) { _ = try ZMQSocket(context: context, type: .dealer) }
        }
        #expect(trace == ["zmq_socket", "zmq_setsockopt", "zmq_close"])
    }

    @Test("the transport maps a forced ETERM on send to a TransportError with the errno")
    func transportMapsForcedErrors() throws {
        let context = try ZMQContext()
        let socket = try ZMQSocket(context: context, type: .dealer)
        try socket.bind("inproc://mock-transport")
        _ = ZMQMocking.with([.init("zmq_send", .hostUnreachable, count: 1)]) {
            #expect(throws: ZMQError.hostUnreachable) { _ = try socket.trySend(([1] as [UInt8]).span.bytes) }
        }
    }

    @Test("a libzmq without CURVE makes key generation and derivation throw ENOTSUP (forced in the seam)")
    func curveWithoutLibsodiumIsAnError() throws {
        let secret = try ZMQCurveKeyPair.generate().secretKey
        let trace = ZMQMocking.with([
            .init("zmq_curve_keypair", .notSupported, count: 1), .init("zmq_curve_public", .notSupported, count: 1),
        ]) {
            #expect(throws: ZMQError.notSupported) { _ = try ZMQCurveKeyPair.generate() }
            #expect(throws: ZMQError.notSupported) { _ = try ZMQCurveKeyPair(secretKey: secret) }
        }
        #expect(trace.filter { $0.hasPrefix("zmq_curve") } == ["zmq_curve_keypair", "zmq_curve_public"])
    }

    @Test("each CURVE option is exactly one zmq_setsockopt call, and a failure is thrown as is")
    func curveServerOptionsAreSetInOrder() throws {
        let context = try ZMQContext()
        let socket = try ZMQSocket(context: context, type: .dealer)
        let pair = try ZMQCurveKeyPair.generate()
        let trace = try ZMQMocking.with([]) {
            try socket.setOption(.zapDomain, to: "d")
            try socket.setOption(.curveServer, to: 1)
            try socket.setOption(.curveSecretKey, to: pair.secretKey)
        }
        #expect(trace == ["zmq_setsockopt", "zmq_setsockopt", "zmq_setsockopt"])
        let failed = ZMQMocking.with([.init("zmq_setsockopt", .contextTerminated, count: 1)]) {
            #expect(throws: ZMQError.contextTerminated) { try socket.setOption(.curveServerKey, to: pair.publicKey) }
        }
        #expect(failed == ["zmq_setsockopt"])
    }
}
#endif
