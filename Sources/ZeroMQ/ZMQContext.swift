import CZeroMQ
import Synchronization

/// A libzmq context: the owner of the I/O threads and of every socket created from it.
///
/// Each `ZMQSocket` holds a strong reference to its context, so a context is only terminated
/// (`zmq_ctx_term` in `deinit`) once no socket is left, and termination cannot block on a live socket.
// @unchecked Sendable: zmq(7) "Thread safety": "ØMQ has both thread safe socket type and thread
// unsafe socket types. [...] contexts are thread safe" — the context may be shared between threads;
// the only state this class adds is the immutable handle.
public final class ZMQContext: @unchecked Sendable {
    /// The C handle. Valid until `deinit`.
    let handle: UnsafeMutableRawPointer
    /// The context's ZAP handler, started on first use and stopped before `zmq_ctx_term`.
    private let authenticator = Mutex<ZMQZAPAuthenticator?>(nil)

    /// Creates a context.
    /// - Parameter ioThreads: the size of libzmq's I/O thread pool (`ZMQ_IO_THREADS`, default 1);
    ///   one is plenty for a single link, and inproc:// needs none.
    /// - Throws: `ZMQError` from `zmq_ctx_new` / `zmq_ctx_set` (e.g. `.tooManyOpenFiles`).
    ///
    /// The corresponding C function is `zmq_ctx_new`.
    public init(ioThreads: Int32 = 1) throws(ZMQError) {
        let created = system_zmq_ctx_new()
        guard let handle = created.value else { throw ZMQError(rawValue: created.errno) }
        if ioThreads != 1 {
            let set = system_zmq_ctx_set(handle, ZMQ_IO_THREADS, ioThreads)
            if set.value < 0 {
                _ = system_zmq_ctx_term(handle)
                throw ZMQError(rawValue: set.errno)
            }
        }
        self.handle = handle
    }

    /// Makes every blocking call on this context's sockets return `ZMQError.contextTerminated` from now on,
    /// without destroying the context. Safe from any thread; used to stop a thread that blocks in a receive.
    ///
    /// The corresponding C function is `zmq_ctx_shutdown`.
    public func shutdown() {
        _ = system_zmq_ctx_shutdown(handle)
    }

    /// The context's ZAP authenticator (ZeroMQ RFC 27), started on first use: the handler libzmq asks
    /// before letting a client into a CURVE server socket of this context. Start it before binding a
    /// CURVE server (`ZMQZAPAuthenticator` says why). It runs until the context is shut down or destroyed.
    /// - Throws: `ZMQError` when its socket cannot be bound (`.addressInUse`: something else already
    ///   bound `inproc://zeromq.zap.01` in this context) or its thread cannot start.
    public func zapAuthenticator() throws(ZMQError) -> ZMQZAPAuthenticator {
        try authenticator.withLock { slot throws(ZMQError) -> ZMQZAPAuthenticator in
            if let existing = slot { return existing }
            let started = try ZMQZAPAuthenticator(contextHandle: handle)
            slot = started
            return started
        }
    }

    deinit {
        // The authenticator's socket does not hold the context, so it is still open: close it first.
        authenticator.withLock { $0 }?.close()
        // Every socket holds its context, so none is open here and zmq_ctx_term returns promptly.
        while system_zmq_ctx_term(handle).errno == EINTR {}
    }
}
