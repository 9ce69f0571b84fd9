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
    /// A message of `size` bytes arrived but did not fit the buffer; it was discarded. A v1 peer
    /// never sends one (frames are at most `Wire.maxFrameSize`), so this is counted as malformed.
    case truncated(size: Int)
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
