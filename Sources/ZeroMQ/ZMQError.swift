import CZeroMQ

/// An error number from libzmq or the OS, with its `zmq_strerror` text as the description.
///
/// Mirrors the errno space like swift-system's `Errno`. "Would block" is not thrown by the
/// non-blocking calls: they return `ZMQIOResult.wouldBlock` / `ZMQReceiveResult.wouldBlock`.
public struct ZMQError: Error, RawRepresentable, Hashable, Sendable, CustomStringConvertible {
    /// The error number (`errno` / `zmq_errno()`).
    public let rawValue: Int32

    /// Wraps an error number.
    public init(rawValue: Int32) { self.rawValue = rawValue }

    /// The text libzmq gives for this number. The corresponding C function is `zmq_strerror`.
    public var message: String { String(cString: zmq_strerror(rawValue)) }

    /// "MESSAGE (errno N)".
    public var description: String { "\(message) (errno \(rawValue))" }

    /// The operation would block. The corresponding C constant is `EAGAIN`.
    public static var wouldBlock: ZMQError { ZMQError(rawValue: EAGAIN) }
    /// The context was terminated or shut down: the normal shutdown path. The corresponding C constant is `ETERM`.
    public static var contextTerminated: ZMQError { ZMQError(rawValue: ETERM) }
    /// A blocking call was interrupted by a signal. The corresponding C constant is `EINTR`.
    public static var interrupted: ZMQError { ZMQError(rawValue: EINTR) }
    /// The message cannot be routed to its peer. The corresponding C constant is `EHOSTUNREACH`.
    public static var hostUnreachable: ZMQError { ZMQError(rawValue: EHOSTUNREACH) }
    /// An argument (endpoint, option value, ...) is invalid. The corresponding C constant is `EINVAL`.
    public static var invalidArgument: ZMQError { ZMQError(rawValue: EINVAL) }
    /// The endpoint's transport (scheme) is not supported. The corresponding C constant is `EPROTONOSUPPORT`.
    public static var protocolNotSupported: ZMQError { ZMQError(rawValue: EPROTONOSUPPORT) }
    /// The endpoint is already bound. The corresponding C constant is `EADDRINUSE`.
    public static var addressInUse: ZMQError { ZMQError(rawValue: EADDRINUSE) }
    /// The endpoint's address is not local. The corresponding C constant is `EADDRNOTAVAIL`.
    public static var addressNotAvailable: ZMQError { ZMQError(rawValue: EADDRNOTAVAIL) }
    /// A path or endpoint does not exist (ipc:// directory, unbind of an unknown endpoint). The corresponding C constant is `ENOENT`.
    public static var noSuchEntry: ZMQError { ZMQError(rawValue: ENOENT) }
    /// The operation is not valid for this socket type. The corresponding C constant is `ENOTSUP`.
    public static var notSupported: ZMQError { ZMQError(rawValue: ENOTSUP) }
    /// The operation is not valid in the socket's current state (e.g. REQ sending twice). The corresponding C constant is `EFSM`.
    public static var invalidState: ZMQError { ZMQError(rawValue: EFSM) }
    /// No I/O thread is available. The corresponding C constant is `EMTHREAD`.
    public static var noIOThread: ZMQError { ZMQError(rawValue: EMTHREAD) }
    /// Too many open sockets or files. The corresponding C constant is `EMFILE`.
    public static var tooManyOpenFiles: ZMQError { ZMQError(rawValue: EMFILE) }
}
