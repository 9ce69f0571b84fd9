import CZeroMQ

/// One part of a multi-part message received with `ZMQSocket.receiveMultipart(maximumPartSize:flags:)`.
public struct ZMQMessagePart: Sendable, Hashable {
    /// The bytes kept: the whole part, or its first `maximumPartSize` bytes when it was longer.
    public var bytes: [UInt8]
    /// The part's size as sent (larger than `bytes.count` when it was truncated).
    public var size: Int

    /// Wraps a received part.
    public init(bytes: [UInt8], size: Int) {
        self.bytes = bytes
        self.size = size
    }

    /// True when the part was longer than the receive buffer and only its prefix is in `bytes`.
    public var isTruncated: Bool { size > bytes.count }
}

extension ZMQSocket {
    /// Whether more parts of the message being received follow the part just received.
    /// - Throws: `ZMQError` (`.contextTerminated`).
    ///
    /// The corresponding C function is `zmq_getsockopt` with `ZMQ_RCVMORE`.
    public func hasMoreParts() throws(ZMQError) -> Bool {
        try option(.receiveMore) != 0
    }

    /// Sends `parts` as one multi-part message (`ZMQ_SNDMORE` on every part but the last). libzmq
    /// delivers a multi-part message atomically: all parts or none. A `ROUTER` takes the first part as
    /// the routing id of the peer to send to.
    ///
    /// Copies each part into libzmq and allocates the array the caller passes: for tools and tests
    /// (the conformance kit, a test peer), not for a per-tick path (use `send(_:flags:)` with `.sendMore` there).
    /// - Returns: `.processed(total bytes)`, or `.wouldBlock` when the first part would block (nothing was
    ///   queued). Later parts of an accepted message never block.
    /// - Throws: `ZMQError` (`.hostUnreachable` on a `ROUTER` with `ZMQ_ROUTER_MANDATORY` and an unknown
    ///   routing id, `.contextTerminated`, `.invalidArgument` for an empty `parts`).
    ///
    /// The corresponding C function is `zmq_send` with `ZMQ_SNDMORE`.
    public func sendMultipart(_ parts: [[UInt8]], flags: ZMQMessageFlags = []) throws(ZMQError) -> ZMQIOResult {
        guard !parts.isEmpty else { throw .invalidArgument }
        var total = 0
        for (index, part) in parts.enumerated() {
            let more: ZMQMessageFlags = index < parts.count - 1 ? [.sendMore] : []
            switch try send(part.span.bytes, flags: flags.union(more)) {
            case .processed(let count): total += count
            case .wouldBlock:
                // Only the first part can block: libzmq queues the rest of an accepted message.
                precondition(index == 0, "libzmq blocked inside a multi-part message (part \(index))")
                return .wouldBlock
            }
        }
        return .processed(total)
    }

    /// Receives every part of the next message (a `ROUTER` gives the sender's routing id first).
    ///
    /// Allocates one array per part: for tools and tests, not for a per-tick path (use
    /// `receive(into:flags:)` and `hasMoreParts()` there).
    /// - Parameters:
    ///   - maximumPartSize: bytes kept per part; a longer part is cut and reported by `isTruncated`.
    ///   - flags: `.dontWait` to return `nil` instead of blocking when no message is waiting.
    /// - Returns: the parts in order, or `nil` when no message was waiting (`.dontWait` or a receive timeout).
    /// - Throws: `ZMQError` (`.contextTerminated`, `.notSupported`).
    ///
    /// The corresponding C functions are `zmq_recv` and `zmq_getsockopt` with `ZMQ_RCVMORE`.
    public func receiveMultipart(maximumPartSize: Int, flags: ZMQMessageFlags = []) throws(ZMQError) -> [ZMQMessagePart]? {
        var parts: [ZMQMessagePart] = []
        var buffer = [UInt8](repeating: 0, count: max(1, maximumPartSize))
        repeat {
            // The first part decides whether a message is there; the others are already queued with it.
            var span = buffer.mutableSpan
            let result = try receive(into: &span, flags: parts.isEmpty ? flags : [])
            switch result {
            case .wouldBlock:
                precondition(parts.isEmpty, "libzmq returned a partial multi-part message")
                return nil
            case .received(let count):
                parts.append(ZMQMessagePart(bytes: Array(buffer.prefix(count)), size: count))
            case .truncated(let size):
                parts.append(ZMQMessagePart(bytes: Array(buffer.prefix(maximumPartSize)), size: size))
            }
        } while try hasMoreParts()
        return parts
    }
}
