import CZeroMQ

/// Flags for `ZMQSocket.send(_:flags:)` and `ZMQSocket.receive(into:flags:)`.
public struct ZMQMessageFlags: OptionSet, Sendable, Hashable {
    public let rawValue: Int32
    public init(rawValue: Int32) { self.rawValue = rawValue }

    /// Never block: return `.wouldBlock` instead. The corresponding C constant is `ZMQ_DONTWAIT`.
    public static var dontWait: ZMQMessageFlags { ZMQMessageFlags(rawValue: ZMQ_DONTWAIT) }
    /// More parts of a multi-part message follow. The corresponding C constant is `ZMQ_SNDMORE`.
    public static var sendMore: ZMQMessageFlags { ZMQMessageFlags(rawValue: ZMQ_SNDMORE) }
}

/// One libzmq socket, owned by exactly one thread at a time and closed exactly once.
///
/// Not thread-safe (zmq(7): sockets are not thread safe): the socket is `~Copyable` and not `Sendable`,
/// so it has one owner; it moves to another thread only by `consume` before that thread starts using
/// it, which is the full-memory-barrier migration zmq(7) allows.
///
/// The socket holds its `ZMQContext`, so the context outlives it and `zmq_ctx_term` never waits on it.
/// `ZMQ_LINGER` is set in `init` (default 0): the C default of -1 would make context termination
/// block forever on messages a dead peer never takes.
///
/// Passing bytes: prefer the span overloads, `socket.send(array.span.bytes)`, `socket.send(data.bytes)`
/// and `var span = buffer.mutableSpan; socket.receive(into: &span)`. Inside `Array.withUnsafeBytes`
/// write the closure without a typed-throws annotation (`{ try socket.send($0) }`): with
/// `{ bytes throws(ZMQError) in … }` Swift 6.3 wraps the closure as escaping and refuses to capture
/// the `~Copyable` socket ("cannot be captured by an escaping closure" / "consumed more than once").
public struct ZMQSocket: ~Copyable {
    /// The context this socket was created from; kept alive by the socket.
    public let context: ZMQContext
    /// The C handle. Valid until `deinit`.
    let handle: UnsafeMutableRawPointer
    /// The socket type it was created with.
    public let type: ZMQSocketType

    /// Creates a socket.
    /// - Parameters:
    ///   - context: the owning context, retained by the socket.
    ///   - type: the messaging pattern.
    ///   - lingerMilliseconds: how long `zmq_close` may keep undelivered messages (`ZMQ_LINGER`); 0
    ///     drops them at once, so shutdown never hangs.
    /// - Throws: `ZMQError` from `zmq_socket` (`.invalidArgument`, `.tooManyOpenFiles`, `.contextTerminated`).
    ///
    /// The corresponding C function is `zmq_socket`.
    public init(context: ZMQContext, type: ZMQSocketType, lingerMilliseconds: Int32 = 0) throws(ZMQError) {
        let created = system_zmq_socket(context.handle, type.rawValue)
        guard let handle = created.value else { throw ZMQError(rawValue: created.errno) }
        var linger = lingerMilliseconds
        let set = system_zmq_setsockopt(handle, ZMQ_LINGER, &linger, MemoryLayout<Int32>.size)
        if set.value < 0 {
            _ = system_zmq_close(handle)
            throw ZMQError(rawValue: set.errno)
        }
        self.context = context
        self.handle = handle
        self.type = type
    }

    deinit {
        // ZMQ_LINGER was set in init, so this returns at once.
        _ = system_zmq_close(handle)
    }

    // MARK: Endpoints

    /// Binds to `endpoint` (`ipc://PATH`, `tcp://HOST:PORT`, `tcp://127.0.0.1:*` for an ephemeral port,
    /// `inproc://NAME`). Read the actual endpoint back with `lastEndpoint()`.
    /// - Throws: `ZMQError` (`.addressInUse`, `.protocolNotSupported`, `.invalidArgument`, `.noSuchEntry`, ...).
    ///
    /// The corresponding C function is `zmq_bind`.
    public func bind(_ endpoint: String) throws(ZMQError) {
        let result = endpoint.withCString { system_zmq_bind(handle, $0) }
        if result.value < 0 { throw ZMQError(rawValue: result.errno) }
    }

    /// Connects to `endpoint`; libzmq reconnects on its own when the peer goes away and comes back.
    /// - Throws: `ZMQError` (`.protocolNotSupported`, `.invalidArgument`, ...).
    ///
    /// The corresponding C function is `zmq_connect`.
    public func connect(_ endpoint: String) throws(ZMQError) {
        let result = endpoint.withCString { system_zmq_connect(handle, $0) }
        if result.value < 0 { throw ZMQError(rawValue: result.errno) }
    }

    /// Stops listening on a bound endpoint (pass the value from `lastEndpoint()` for wildcard binds).
    /// - Throws: `ZMQError` (`.noSuchEntry` when it was not bound, `.invalidArgument`).
    ///
    /// The corresponding C function is `zmq_unbind`.
    public func unbind(_ endpoint: String) throws(ZMQError) {
        let result = endpoint.withCString { system_zmq_unbind(handle, $0) }
        if result.value < 0 { throw ZMQError(rawValue: result.errno) }
    }

    /// Disconnects from a connected endpoint.
    /// - Throws: `ZMQError` (`.noSuchEntry` when it was not connected, `.invalidArgument`).
    ///
    /// The corresponding C function is `zmq_disconnect`.
    public func disconnect(_ endpoint: String) throws(ZMQError) {
        let result = endpoint.withCString { system_zmq_disconnect(handle, $0) }
        if result.value < 0 { throw ZMQError(rawValue: result.errno) }
    }

    // MARK: Messages

    /// Sends one message from the caller's bytes (libzmq copies them; nothing is allocated by the wrapper).
    /// Blocks while the queue is full unless `flags` contains `.dontWait` (or a send timeout is set).
    /// - Returns: `.processed(count)`, or `.wouldBlock` for `EAGAIN`.
    /// - Throws: `ZMQError` (`.contextTerminated` on shutdown, `.hostUnreachable`, `.notSupported`, `.invalidState`).
    ///   `EINTR` is retried when `retryOnInterrupt` is true.
    ///
    /// The corresponding C function is `zmq_send`.
    public func send(
        _ bytes: UnsafeRawBufferPointer,
        flags: ZMQMessageFlags = [],
        retryOnInterrupt: Bool = true
    ) throws(ZMQError) -> ZMQIOResult {
        let result = retryingOnInterrupt(retryOnInterrupt) {
            system_zmq_send(handle, bytes.baseAddress, bytes.count, flags.rawValue)
        }
        switch result {
        case .success(let count): return .processed(Int(count))
        case .failure(let error) where error == .wouldBlock: return .wouldBlock
        case .failure(let error): throw error
        }
    }

    /// Sends one message without ever blocking: `send(_:flags: .dontWait)`.
    /// - Throws: as `send(_:flags:retryOnInterrupt:)`.
    ///
    /// The corresponding C function is `zmq_send` with `ZMQ_DONTWAIT`.
    public func trySend(_ bytes: UnsafeRawBufferPointer) throws(ZMQError) -> ZMQIOResult {
        try send(bytes, flags: .dontWait)
    }

    /// Receives one message into the caller's buffer (no allocation by the wrapper).
    /// Blocks until a message arrives unless `flags` contains `.dontWait` (or a receive timeout is set).
    /// - Returns: `.received(count)`; `.truncated(size:)` when the message was larger than the buffer
    ///   (the first `buffer.count` bytes are in the buffer, the rest is lost); `.wouldBlock` for `EAGAIN`.
    /// - Throws: `ZMQError` (`.contextTerminated` on shutdown, `.notSupported`, `.invalidState`).
    ///   `EINTR` is retried when `retryOnInterrupt` is true.
    ///
    /// The corresponding C function is `zmq_recv`.
    public func receive(
        into buffer: UnsafeMutableRawBufferPointer,
        flags: ZMQMessageFlags = [],
        retryOnInterrupt: Bool = true
    ) throws(ZMQError) -> ZMQReceiveResult {
        let result = retryingOnInterrupt(retryOnInterrupt) {
            system_zmq_recv(handle, buffer.baseAddress, buffer.count, flags.rawValue)
        }
        switch result {
        case .success(let size):
            // zmq_recv returns the message's full size even when it kept only buffer.count bytes.
            return Int(size) > buffer.count ? .truncated(size: Int(size)) : .received(Int(size))
        case .failure(let error) where error == .wouldBlock: return .wouldBlock
        case .failure(let error): throw error
        }
    }

    /// Receives one message without ever blocking: `receive(into:flags: .dontWait)`.
    /// - Throws: as `receive(into:flags:retryOnInterrupt:)`.
    ///
    /// The corresponding C function is `zmq_recv` with `ZMQ_DONTWAIT`.
    public func tryReceive(into buffer: UnsafeMutableRawBufferPointer) throws(ZMQError) -> ZMQReceiveResult {
        try receive(into: buffer, flags: .dontWait)
    }

    // MARK: Polling

    /// A poll item for this socket, to wait on several sockets at once with `ZMQPollItem.poll(_:timeoutMilliseconds:)`.
    /// The item refers to this socket's handle: use it only while the socket is alive.
    public func pollItem(events: ZMQPollEvents = .readable) -> ZMQPollItem {
        ZMQPollItem(socketHandle: handle, events: events)
    }

    /// Waits until this socket has one of `events` or `timeoutMilliseconds` pass (0: just check; -1: forever).
    /// - Returns: the events that are ready (empty on timeout).
    /// - Throws: `ZMQError` (`.contextTerminated`). `EINTR` is retried (the full timeout restarts).
    ///
    /// The corresponding C function is `zmq_poll`.
    public func poll(events: ZMQPollEvents = .readable, timeoutMilliseconds: Int) throws(ZMQError) -> ZMQPollEvents {
        var item = zmq_pollitem_t(socket: handle, fd: 0, events: Int16(truncatingIfNeeded: events.rawValue), revents: 0)
        let result = retryingOnInterrupt(true) { system_zmq_poll(&item, 1, timeoutMilliseconds) }
        if case .failure(let error) = result { throw error }
        return ZMQPollEvents(rawValue: Int32(item.revents))
    }
}
