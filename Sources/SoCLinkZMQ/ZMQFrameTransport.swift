import SoCLink
import ZeroMQ

/// A `FrameTransport` over one ZeroMQ `DEALER` socket: the one place where the link meets libzmq.
///
/// The real-time core binds (it is the stable side), the application core connects and may come and
/// go; libzmq reconnects on its own. Every send is non-blocking (`ZMQ_DONTWAIT`): a full queue or an
/// absent peer is `.wouldBlock`, which the caller drops and counts. High-water marks bound the queues
/// and `ZMQ_IMMEDIATE` on the connecting side keeps frames from queueing toward a peer that is not
/// there, so a dead peer never makes memory grow.
///
/// Not thread-safe: owned by the I/O thread of a core (create it on that thread, or hand it over
/// before the thread starts using it).
public final class ZMQFrameTransport: FrameTransport {
    /// Settings applied to the socket before it binds or connects.
    public struct Options: Sendable, Hashable {
        /// Outbound and inbound queue limits in messages (`ZMQ_SNDHWM`, `ZMQ_RCVHWM`).
        public var highWaterMark: Int32
        /// `ZMQ_LINGER` in milliseconds; 0 so closing never waits for a dead peer.
        public var lingerMilliseconds: Int32
        /// `ZMQ_RECONNECT_IVL` in milliseconds (the connecting side's retry period).
        public var reconnectIntervalMilliseconds: Int32
        /// Authentication and encryption of the link (`LinkSecurity`); applied before bind/connect.
        public var security: LinkSecurity

        /// - Parameters:
        ///   - highWaterMark: default 10 000 messages (seconds of frames at link rates).
        ///   - lingerMilliseconds: default 0.
        ///   - reconnectIntervalMilliseconds: default 100 (libzmq's own default).
        ///   - security: default `.none`; CURVE needs a `tcp://` or `ipc://` endpoint.
        public init(
            highWaterMark: Int32 = 10_000, lingerMilliseconds: Int32 = 0, reconnectIntervalMilliseconds: Int32 = 100,
            security: LinkSecurity = .none
        ) {
            self.highWaterMark = highWaterMark
            self.lingerMilliseconds = lingerMilliseconds
            self.reconnectIntervalMilliseconds = reconnectIntervalMilliseconds
            self.security = security
        }
    }

    private let socket: ZMQSocket

    /// The endpoint as given to `bind`/`connect`, or with wildcards resolved for a bind
    /// (`tcp://127.0.0.1:*` becomes `tcp://127.0.0.1:PORT`): what the peer should connect to.
    public let endpoint: String

    private init(socket: consuming ZMQSocket, endpoint: String) {
        self.socket = socket
        self.endpoint = endpoint
    }

    /// Creates a socket of `type` with `options` applied (shared with `ZMQRouterFrameTransport`).
    static func makeSocket(
        context: ZMQContext, type: ZMQSocketType = .dealer, options: Options, immediate: Bool
    ) throws(ZMQError) -> ZMQSocket {
        let socket = try ZMQSocket(context: context, type: type, lingerMilliseconds: options.lingerMilliseconds)
        try socket.setOption(.sendHighWaterMark, to: options.highWaterMark)
        try socket.setOption(.receiveHighWaterMark, to: options.highWaterMark)
        try socket.setOption(.reconnectInterval, to: options.reconnectIntervalMilliseconds)
        if immediate { try socket.setOption(.immediate, to: 1) }
        try applySecurity(options.security, to: socket, context: context)
        return socket
    }

    /// Creates the stable side: a DEALER bound to `endpoint`.
    /// - Parameters:
    ///   - endpoint: `ipc://PATH`, `tcp://HOST:PORT` (`tcp://127.0.0.1:*` for an ephemeral port; read
    ///     `endpoint` back), or `inproc://NAME` (same context only).
    ///   - context: the context, kept alive by the transport.
    /// - Throws: `ZMQError` from socket creation or `zmq_bind` (`.addressInUse`, `.protocolNotSupported`,
    ///   `.noSuchEntry` for an ipc:// path whose directory does not exist, `.invalidArgument`).
    public static func bind(endpoint: String, context: ZMQContext, options: Options = Options()) throws(ZMQError) -> ZMQFrameTransport {
        let socket = try makeSocket(context: context, options: options, immediate: false)
        try socket.bind(endpoint)
        let resolved = (try? socket.lastEndpoint()).flatMap { $0.isEmpty ? nil : $0 } ?? endpoint
        return ZMQFrameTransport(socket: socket, endpoint: resolved)
    }

    /// Creates the side that may come and go: a DEALER with `ZMQ_IMMEDIATE` connected to `endpoint`.
    /// Connecting succeeds before the peer exists; sends return `.wouldBlock` until it is there.
    /// - Throws: `ZMQError` from socket creation or `zmq_connect` (`.protocolNotSupported`, `.invalidArgument`).
    public static func connect(endpoint: String, context: ZMQContext, options: Options = Options()) throws(ZMQError) -> ZMQFrameTransport {
        let socket = try makeSocket(context: context, options: options, immediate: true)
        try socket.connect(endpoint)
        return ZMQFrameTransport(socket: socket, endpoint: endpoint)
    }

    // MARK: FrameTransport

    /// Sends one frame with `ZMQ_DONTWAIT`; `EAGAIN` (queue full, no peer) is `.wouldBlock`.
    /// - Throws: `TransportError` with the libzmq errno when the context was terminated or libzmq refused.
    public func trySend(_ message: UnsafeRawBufferPointer) throws(TransportError) -> TransportSendResult {
        do {
            switch try socket.send(message, flags: .dontWait) {
            case .processed: return .sent
            case .wouldBlock: return .wouldBlock
            }
        } catch {
            throw Self.transportError(error, "send")
        }
    }

    /// Receives one frame with `ZMQ_DONTWAIT`.
    /// - Throws: `TransportError` with the libzmq errno when the context was terminated or libzmq refused.
    public func tryReceive(into buffer: UnsafeMutableRawBufferPointer) throws(TransportError) -> TransportReceiveResult {
        do {
            switch try socket.receive(into: buffer, flags: .dontWait) {
            case .received(let count): return .received(count)
            case .truncated(let size): return .truncated(size: size)
            case .wouldBlock: return .wouldBlock
            }
        } catch {
            throw Self.transportError(error, "receive")
        }
    }

    /// Waits with `zmq_poll` until a frame can be received or the timeout passes (0: just check; -1: forever).
    /// - Throws: `TransportError` when the context was terminated (`ETERM`, the shutdown path).
    public func waitUntilReadable(timeoutMilliseconds: Int32) throws(TransportError) -> Bool {
        do {
            return try socket.poll(events: .readable, timeoutMilliseconds: Int(timeoutMilliseconds)).contains(.readable)
        } catch {
            throw Self.transportError(error, "poll")
        }
    }

    // MARK: Polling together with other sockets

    /// A poll item for the underlying socket, to wait on it together with other sockets or file
    /// descriptors (`ZMQPollItem.poll(_:timeoutMilliseconds:)`). Valid while this transport is alive.
    public func pollItem(events: ZMQPollEvents = .readable) -> ZMQPollItem {
        socket.pollItem(events: events)
    }

    /// Runs `body` with the underlying socket, e.g. to read an option. Do not send or receive through
    /// it behind the transport's back.
    public func withSocket<Result, Failure: Error>(
        _ body: (borrowing ZMQSocket) throws(Failure) -> Result
    ) throws(Failure) -> Result {
        try body(socket)
    }

    private static func transportError(_ error: ZMQError, _ operation: String) -> TransportError {
        TransportError(code: error.rawValue, message: "zmq \(operation) failed: \(error.message)")
    }
}
