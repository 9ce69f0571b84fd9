import CZeroMQ

/// An integer (`int`) socket option.
public struct ZMQIntegerOption: RawRepresentable, Hashable, Sendable {
    /// The C constant.
    public let rawValue: Int32
    /// Wraps a C `ZMQ_*` option constant whose value is a C `int`.
    public init(rawValue: Int32) { self.rawValue = rawValue }

    /// Milliseconds `zmq_close` keeps undelivered messages (-1: forever). The corresponding C constant is `ZMQ_LINGER`.
    public static var linger: ZMQIntegerOption { ZMQIntegerOption(rawValue: ZMQ_LINGER) }
    /// Outbound queue limit in messages (0: none). The corresponding C constant is `ZMQ_SNDHWM`.
    public static var sendHighWaterMark: ZMQIntegerOption { ZMQIntegerOption(rawValue: ZMQ_SNDHWM) }
    /// Inbound queue limit in messages (0: none). The corresponding C constant is `ZMQ_RCVHWM`.
    public static var receiveHighWaterMark: ZMQIntegerOption { ZMQIntegerOption(rawValue: ZMQ_RCVHWM) }
    /// 1: queue only to completed connections, so sends to an absent peer would block instead of
    /// piling up. The corresponding C constant is `ZMQ_IMMEDIATE`.
    public static var immediate: ZMQIntegerOption { ZMQIntegerOption(rawValue: ZMQ_IMMEDIATE) }
    /// Milliseconds a blocking receive waits before returning "would block" (-1: forever). The corresponding C constant is `ZMQ_RCVTIMEO`.
    public static var receiveTimeout: ZMQIntegerOption { ZMQIntegerOption(rawValue: ZMQ_RCVTIMEO) }
    /// Milliseconds a blocking send waits before returning "would block" (-1: forever). The corresponding C constant is `ZMQ_SNDTIMEO`.
    public static var sendTimeout: ZMQIntegerOption { ZMQIntegerOption(rawValue: ZMQ_SNDTIMEO) }
    /// TCP keepalive: -1 OS default, 0 off, 1 on. The corresponding C constant is `ZMQ_TCP_KEEPALIVE`.
    public static var tcpKeepalive: ZMQIntegerOption { ZMQIntegerOption(rawValue: ZMQ_TCP_KEEPALIVE) }
    /// Idle seconds before the first TCP keepalive probe. The corresponding C constant is `ZMQ_TCP_KEEPALIVE_IDLE`.
    public static var tcpKeepaliveIdle: ZMQIntegerOption { ZMQIntegerOption(rawValue: ZMQ_TCP_KEEPALIVE_IDLE) }
    /// Milliseconds between reconnection attempts. The corresponding C constant is `ZMQ_RECONNECT_IVL`.
    public static var reconnectInterval: ZMQIntegerOption { ZMQIntegerOption(rawValue: ZMQ_RECONNECT_IVL) }
    /// Read-only: the poll state (`ZMQ_POLLIN`/`ZMQ_POLLOUT` bits). The corresponding C constant is `ZMQ_EVENTS`.
    public static var events: ZMQIntegerOption { ZMQIntegerOption(rawValue: ZMQ_EVENTS) }
    /// Read-only: 1 while more parts of the message being received follow. The corresponding C constant is `ZMQ_RCVMORE`.
    public static var receiveMore: ZMQIntegerOption { ZMQIntegerOption(rawValue: ZMQ_RCVMORE) }
    /// ROUTER: 1 makes a send to an unknown or gone routing id fail with `EHOSTUNREACH` instead of
    /// vanishing silently, so it can be counted. The corresponding C constant is `ZMQ_ROUTER_MANDATORY`.
    public static var routerMandatory: ZMQIntegerOption { ZMQIntegerOption(rawValue: ZMQ_ROUTER_MANDATORY) }
    /// Read-only: the socket type. The corresponding C constant is `ZMQ_TYPE`.
    public static var type: ZMQIntegerOption { ZMQIntegerOption(rawValue: ZMQ_TYPE) }
    /// 1: this socket is the CURVE server (it holds a secret key and authenticates clients through
    /// ZAP); 0: not. The corresponding C constant is `ZMQ_CURVE_SERVER`.
    public static var curveServer: ZMQIntegerOption { ZMQIntegerOption(rawValue: ZMQ_CURVE_SERVER) }
    /// Read-only: the security mechanism in use (`ZMQ_NULL` 0, `ZMQ_PLAIN` 1, `ZMQ_CURVE` 2). The
    /// corresponding C constant is `ZMQ_MECHANISM`.
    public static var mechanism: ZMQIntegerOption { ZMQIntegerOption(rawValue: ZMQ_MECHANISM) }
    /// Milliseconds a new connection may take to finish its security handshake (0: forever). The
    /// corresponding C constant is `ZMQ_HANDSHAKE_IVL`.
    public static var handshakeInterval: ZMQIntegerOption { ZMQIntegerOption(rawValue: ZMQ_HANDSHAKE_IVL) }
    /// Read-only: the edge-triggered signalling descriptor (see zmq_getsockopt(3) before using it
    /// with epoll). The corresponding C constant is `ZMQ_FD`.
    public static var fileDescriptor: ZMQIntegerOption { ZMQIntegerOption(rawValue: ZMQ_FD) }
}

extension ZMQSocket {
    /// Sets an integer option.
    /// - Throws: `ZMQError` (`.invalidArgument` for an unknown option or a bad value, `.contextTerminated`).
    ///
    /// The corresponding C function is `zmq_setsockopt`.
    public func setOption(_ option: ZMQIntegerOption, to value: Int32) throws(ZMQError) {
        var value = value
        let result = retryingOnInterrupt(true) {
            system_zmq_setsockopt(handle, option.rawValue, &value, MemoryLayout<Int32>.size)
        }
        if case .failure(let error) = result { throw error }
    }

    /// Reads an integer option.
    /// - Throws: `ZMQError` (`.invalidArgument` for an unknown option, `.contextTerminated`).
    ///
    /// The corresponding C function is `zmq_getsockopt`.
    public func option(_ option: ZMQIntegerOption) throws(ZMQError) -> Int32 {
        var value: Int32 = 0
        var size = MemoryLayout<Int32>.size
        let result = retryingOnInterrupt(true) {
            system_zmq_getsockopt(handle, option.rawValue, &value, &size)
        }
        if case .failure(let error) = result { throw error }
        return value
    }

    /// Sets the identity this socket presents to ROUTER peers (1...255 bytes), before connecting.
    /// - Throws: `ZMQError` (`.invalidArgument`).
    ///
    /// The corresponding C function is `zmq_setsockopt` with `ZMQ_ROUTING_ID`.
    public func setRoutingID(_ bytes: RawSpan) throws(ZMQError) {
        let handle = self.handle
        let result = bytes.withUnsafeBytes { raw in
            retryingOnInterrupt(true) { system_zmq_setsockopt(handle, ZMQ_ROUTING_ID, raw.baseAddress, raw.count) }
        }
        if case .failure(let error) = result { throw error }
    }

    /// Subscribes a SUB socket to messages starting with `prefix` (empty: everything).
    /// - Throws: `ZMQError` (`.invalidArgument` on a non-SUB socket).
    ///
    /// The corresponding C function is `zmq_setsockopt` with `ZMQ_SUBSCRIBE`.
    public func subscribe(to prefix: String) throws(ZMQError) {
        var prefix = prefix
        let result = prefix.withUTF8 { utf8 in
            retryingOnInterrupt(true) {
                system_zmq_setsockopt(handle, ZMQ_SUBSCRIBE, utf8.baseAddress, utf8.count)
            }
        }
        if case .failure(let error) = result { throw error }
    }

    /// Removes a subscription made with `subscribe(to:)`.
    /// - Throws: `ZMQError` (`.invalidArgument` on a non-SUB socket).
    ///
    /// The corresponding C function is `zmq_setsockopt` with `ZMQ_UNSUBSCRIBE`.
    public func unsubscribe(from prefix: String) throws(ZMQError) {
        var prefix = prefix
        let result = prefix.withUTF8 { utf8 in
            retryingOnInterrupt(true) {
                system_zmq_setsockopt(handle, ZMQ_UNSUBSCRIBE, utf8.baseAddress, utf8.count)
            }
        }
        if case .failure(let error) = result { throw error }
    }

    /// The endpoint last bound or connected, with wildcards resolved (the real port of
    /// `tcp://127.0.0.1:*`). Empty before any bind/connect.
    /// - Throws: `ZMQError` (`.contextTerminated`).
    ///
    /// The corresponding C function is `zmq_getsockopt` with `ZMQ_LAST_ENDPOINT`.
    public func lastEndpoint() throws(ZMQError) -> String {
        // ipc paths are at most ~107 bytes and tcp endpoints shorter; 512 leaves room for anything.
        var buffer = [CChar](repeating: 0, count: 512)
        var size = buffer.count
        let result = buffer.withUnsafeMutableBytes { raw in
            retryingOnInterrupt(true) { system_zmq_getsockopt(handle, ZMQ_LAST_ENDPOINT, raw.baseAddress, &size) }
        }
        if case .failure(let error) = result { throw error }
        let bytes = buffer.prefix(max(0, size - 1)).map { UInt8(bitPattern: $0) }
        return String(decoding: bytes, as: UTF8.self)
    }
}
