/// The result of a non-blocking send.
public enum TransportSendResult: Sendable, Equatable {
    /// The whole frame was handed to the transport.
    case sent
    /// The transport cannot take the frame now (no peer, or its queue is full). Nothing was sent;
    /// the caller decides whether to drop (and count) or retry.
    case wouldBlock
}

/// The result of a non-blocking receive.
public enum TransportReceiveResult: Sendable, Equatable {
    /// A whole message of this many bytes is at the start of the buffer.
    case received(Int)
    /// No message is waiting.
    case wouldBlock
    /// A message of `size` bytes arrived but did not fit the buffer: its first `buffer.count` bytes
    /// are in the buffer (so the receiver can name it in a `Reject`, SPEC §4.4), the rest is lost. A
    /// v1 peer never sends one (frames are at most `Wire.maxFrameSize`), so it is counted as malformed.
    case truncated(size: Int)
}

/// Which connection of a transport a message came from, or goes to (SPEC §4.7).
///
/// A transport with one peer (a `DEALER`, the loopback) has only `.only`. A `ROUTER`-based transport
/// gives every connection its own value, stable while the connection lasts, so the link layer can tell
/// the owner of the session from strangers without knowing anything about ZeroMQ routing ids.
public struct LinkPeer: Hashable, Sendable, CustomStringConvertible {
    public var rawValue: UInt32
    public init(rawValue: UInt32) { self.rawValue = rawValue }
    /// The one peer of a single-peer transport.
    public static let only = LinkPeer(rawValue: 0)
    public var description: String { "peer-\(rawValue)" }
}

/// A message-oriented, ordered, lossy-under-backpressure channel to the peer core.
///
/// The link layer and both cores talk to the other process only through this protocol, so the
/// same logic runs over ZeroMQ (`SoCLinkZMQ`), over the in-memory `LoopbackTransport` in unit tests,
/// and through fault-injecting wrappers. Implementations never allocate per message on the send
/// and receive paths.
///
/// Not thread-safe: an instance is owned by one thread (the I/O thread of a core).
public protocol FrameTransport: AnyObject {
    /// Sends one message without blocking.
    /// - Throws: `TransportError` when the transport is closed or broken.
    func trySend(_ message: UnsafeRawBufferPointer) throws(TransportError) -> TransportSendResult

    /// Receives one message into `buffer` without blocking.
    /// - Throws: `TransportError` when the transport is closed or broken.
    func tryReceive(into buffer: UnsafeMutableRawBufferPointer) throws(TransportError) -> TransportReceiveResult

    /// Blocks until a message can be received or `timeoutMilliseconds` pass (0: don't wait).
    /// - Returns: `true` when a message is ready.
    func waitUntilReadable(timeoutMilliseconds: Int32) throws(TransportError) -> Bool

    /// The connection the last received message came from (`.only` on single-peer transports).
    var lastSender: LinkPeer { get }

    /// Directs the following `trySend`s to `peer` (ignored by single-peer transports). A peer that
    /// is gone makes `trySend` return `.wouldBlock`: dropped and counted like a full queue.
    func setDestination(_ peer: LinkPeer)
}

extension FrameTransport {
    /// Single-peer transports: every message comes from the one peer.
    public var lastSender: LinkPeer { .only }
    /// Single-peer transports: every message goes to the one peer.
    public func setDestination(_ peer: LinkPeer) {}
}

/// A transport failure that is not back-pressure: the context was terminated or the OS said no.
public struct TransportError: Error, Sendable, Hashable, CustomStringConvertible {
    /// The OS or libzmq error number, or 0 when there is none.
    public var code: Int32
    /// What went wrong, for people.
    public var message: String

    public init(code: Int32, message: String) {
        self.code = code
        self.message = message
    }

    public var description: String { code == 0 ? message : "\(message) (errno \(code))" }
}
