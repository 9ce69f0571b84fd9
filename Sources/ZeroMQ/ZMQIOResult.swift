/// The result of a send: either done, or "would block" (which is back-pressure, not an error).
public enum ZMQIOResult: Sendable, Hashable {
    /// The call would have blocked (`EAGAIN` with `ZMQ_DONTWAIT`, or a send/receive timeout expired).
    case wouldBlock
    /// The call transferred a whole message of this many bytes.
    case processed(Int)
}

/// The result of a receive into a caller-provided buffer.
public enum ZMQReceiveResult: Sendable, Hashable {
    /// No message was waiting (`EAGAIN` with `ZMQ_DONTWAIT`, or the receive timeout expired).
    case wouldBlock
    /// A whole message of this many bytes is at the start of the buffer.
    case received(Int)
    /// A message of `size` bytes arrived but only the first `buffer.count` bytes were kept: libzmq
    /// returns the full size even when it truncated, so the wrapper reports it instead of hiding it.
    case truncated(size: Int)
}
