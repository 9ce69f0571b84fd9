import CZeroMQ

/// Events to wait for, or that are ready, in `zmq_poll`.
public struct ZMQPollEvents: OptionSet, Sendable, Hashable {
    public let rawValue: Int32
    public init(rawValue: Int32) { self.rawValue = rawValue }

    /// At least one message can be received without blocking. The corresponding C constant is `ZMQ_POLLIN`.
    public static var readable: ZMQPollEvents { ZMQPollEvents(rawValue: ZMQ_POLLIN) }
    /// At least one message can be sent without blocking. The corresponding C constant is `ZMQ_POLLOUT`.
    public static var writable: ZMQPollEvents { ZMQPollEvents(rawValue: ZMQ_POLLOUT) }
    /// An error condition on a plain file descriptor item. The corresponding C constant is `ZMQ_POLLERR`.
    public static var error: ZMQPollEvents { ZMQPollEvents(rawValue: ZMQ_POLLERR) }
}

/// One entry of a `zmq_poll` set: a ZeroMQ socket (from `ZMQSocket.pollItem(events:)`) or a plain
/// file descriptor (`init(fileDescriptor:events:)`), the events wanted and, after polling, those ready.
///
/// An item made from a socket borrows its handle: poll it only while that socket is alive.
public struct ZMQPollItem {
    var raw: zmq_pollitem_t

    init(socketHandle: UnsafeMutableRawPointer, events: ZMQPollEvents) {
        // zmq_pollitem_t.events is a C short while the ZMQ_POLL* macros import as Int32.
        raw = zmq_pollitem_t(socket: socketHandle, fd: -1, events: Int16(truncatingIfNeeded: events.rawValue), revents: 0)
    }

    /// An item for a plain file descriptor (a pipe, an eventfd, stdin).
    public init(fileDescriptor: Int32, events: ZMQPollEvents) {
        raw = zmq_pollitem_t(socket: nil, fd: fileDescriptor, events: Int16(truncatingIfNeeded: events.rawValue), revents: 0)
    }

    /// The events waited for.
    public var events: ZMQPollEvents {
        get { ZMQPollEvents(rawValue: Int32(raw.events)) }
        set { raw.events = Int16(truncatingIfNeeded: newValue.rawValue) }
    }

    /// The events ready after the last `poll`.
    public var readyEvents: ZMQPollEvents { ZMQPollEvents(rawValue: Int32(raw.revents)) }

    /// Waits until at least one item is ready or `timeoutMilliseconds` pass (0: just check; -1: forever),
    /// and sets each item's `readyEvents`. Mutating the array in place does not allocate.
    /// - Returns: how many items are ready (0 on timeout).
    /// - Throws: `ZMQError` (`.contextTerminated` when a socket's context was shut down). `EINTR` is retried.
    ///
    /// The corresponding C function is `zmq_poll`.
    public static func poll(_ items: inout [ZMQPollItem], timeoutMilliseconds: Int) throws(ZMQError) -> Int {
        for index in items.indices { items[index].raw.revents = 0 }
        let count = Int32(items.count)
        let result = items.withUnsafeMutableBufferPointer { buffer in
            // ZMQPollItem is a single-field wrapper of zmq_pollitem_t, so the layouts are identical.
            buffer.withMemoryRebound(to: zmq_pollitem_t.self) { raw in
                retryingOnInterrupt(true) { system_zmq_poll(raw.baseAddress, count, timeoutMilliseconds) }
            }
        }
        switch result {
        case .success(let ready): return Int(ready)
        case .failure(let error): throw error
        }
    }
}
