import CZeroMQ

/// A ZeroMQ socket type (the messaging pattern).
public struct ZMQSocketType: RawRepresentable, Hashable, Sendable {
    /// The C constant.
    public let rawValue: Int32
    /// Wraps a C `ZMQ_*` socket type constant.
    public init(rawValue: Int32) { self.rawValue = rawValue }

    /// Asynchronous, fair-queued, one peer in our use: the link socket. The corresponding C constant is `ZMQ_DEALER`.
    public static var dealer: ZMQSocketType { ZMQSocketType(rawValue: ZMQ_DEALER) }
    /// Exclusive pair (inproc:// signalling). The corresponding C constant is `ZMQ_PAIR`.
    public static var pair: ZMQSocketType { ZMQSocketType(rawValue: ZMQ_PAIR) }
    /// Publisher (status and telemetry). The corresponding C constant is `ZMQ_PUB`.
    public static var publisher: ZMQSocketType { ZMQSocketType(rawValue: ZMQ_PUB) }
    /// Subscriber: receives nothing until `subscribe(to:)`. The corresponding C constant is `ZMQ_SUB`.
    public static var subscriber: ZMQSocketType { ZMQSocketType(rawValue: ZMQ_SUB) }
    /// Request (strict send/receive alternation). The corresponding C constant is `ZMQ_REQ`.
    public static var request: ZMQSocketType { ZMQSocketType(rawValue: ZMQ_REQ) }
    /// Reply (strict receive/send alternation; the control socket). The corresponding C constant is `ZMQ_REP`.
    public static var reply: ZMQSocketType { ZMQSocketType(rawValue: ZMQ_REP) }
    /// Router (addresses peers by routing id). The corresponding C constant is `ZMQ_ROUTER`.
    public static var router: ZMQSocketType { ZMQSocketType(rawValue: ZMQ_ROUTER) }
}
