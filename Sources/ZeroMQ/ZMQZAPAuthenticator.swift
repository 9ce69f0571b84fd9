import CZeroMQ
import Synchronization

#if canImport(Glibc)
    import Glibc
#endif

/// A ZAP handler (ZeroMQ RFC 27): a REP socket bound to `inproc://zeromq.zap.01` in one context,
/// answered by a small thread of its own, that allows exactly the CURVE client keys of its
/// `ZMQZAPPolicy` and records what it refuses.
///
/// Get it with `ZMQContext.zapAuthenticator()`: libzmq allows one handler per context, and the
/// context owns it, so it runs exactly as long as the context (its thread ends when the context is
/// shut down or destroyed). Its socket holds no reference to the context, or the two would keep
/// each other alive.
///
/// Why it must run before a CURVE server binds and must not go away under one: libzmq 4.3.4
/// (without the draft `ZMQ_ZAP_ENFORCE_DOMAIN`) lets a CURVE client in unauthenticated when no ZAP
/// handler is bound. So `stop()` only stops answering: the socket stays bound until the context
/// ends, and a handshake that arrives after `stop()` waits unanswered (fails closed).
///
/// Thread-safe: the policy, counters and handler are behind a mutex; only the thread touches the socket.
public final class ZMQZAPAuthenticator: Sendable {
    /// The endpoint libzmq sends ZAP requests to (RFC 27).
    public static let endpoint = "inproc://zeromq.zap.01"
    /// How many distinct refused keys get their own `occurrence` count.
    static let trackedKeyLimit = 64
    /// How many refusals `recentRefusals` keeps.
    static let recentLimit = 16

    /// Totals since the authenticator started.
    public struct Statistics: Sendable, Hashable {
        /// Connections allowed.
        public var allowed: UInt64 = 0
        /// Connections refused.
        public var refused: UInt64 = 0
        /// Requests that were not well-formed ZAP 1.0 (answered 500) or could not be answered.
        public var errors: UInt64 = 0

        /// Counts with these values (all zero by default).
        public init(allowed: UInt64 = 0, refused: UInt64 = 0, errors: UInt64 = 0) {
            self.allowed = allowed
            self.refused = refused
            self.errors = errors
        }
    }

    private struct State {
        var policy = ZMQZAPPolicy()
        var statistics = Statistics()
        var refusalsByKey: [ZMQCurveKey?: UInt64] = [:]
        var recent: [ZMQZAPRefusal] = []
        var onRefusal: (@Sendable (ZMQZAPRefusal) -> Void)?
        var running = true
    }

    private let state = Mutex(State())
    /// The REP socket; used only by the thread, closed by `close()` after the thread ended.
    // nonisolated(unsafe): a raw C handle, touched by the handler thread while it runs and by
    // `close()` only after joining it.
    private nonisolated(unsafe) let socket: UnsafeMutableRawPointer
    private let wakeRead: Int32
    private let wakeWrite: Int32
    private let thread: Mutex<pthread_t?>

    /// Binds the handler socket in `context` and starts the thread. Use `ZMQContext.zapAuthenticator()`.
    init(contextHandle: UnsafeMutableRawPointer) throws(ZMQError) {
        let created = system_zmq_socket(contextHandle, ZMQ_REP)
        guard let socket = created.value else { throw ZMQError(rawValue: created.errno) }
        var linger: Int32 = 0
        _ = system_zmq_setsockopt(socket, ZMQ_LINGER, &linger, MemoryLayout<Int32>.size)
        let bound = Self.endpoint.withCString { system_zmq_bind(socket, $0) }
        var fds: [Int32] = [-1, -1]
        guard bound.value == 0, pipe(&fds) == 0 else {
            let code = bound.value == 0 ? errno : bound.errno
            _ = system_zmq_close(socket)
            throw ZMQError(rawValue: code)
        }
        self.socket = socket
        self.wakeRead = fds[0]
        self.wakeWrite = fds[1]
        self.thread = Mutex(nil)
        try startThread()
    }

    private func startThread() throws(ZMQError) {
        let box = Unmanaged.passRetained(self).toOpaque()
        var handle = pthread_t()
        let rc = pthread_create(&handle, nil, { argument in
            let authenticator = Unmanaged<ZMQZAPAuthenticator>.fromOpaque(argument!).takeRetainedValue()
            authenticator.serve()
            return nil
        }, box)
        guard rc == 0 else {
            Unmanaged<ZMQZAPAuthenticator>.fromOpaque(box).release()
            _ = system_zmq_close(socket)
            Glibc.close(wakeRead)
            Glibc.close(wakeWrite)
            throw ZMQError(rawValue: rc)
        }
        thread.withLock { $0 = handle }
    }

    // MARK: Policy and observations

    /// Allows exactly `keys` as CURVE clients of the sockets whose `ZMQ_ZAP_DOMAIN` is `domain`
    /// (replacing that domain's previous list; an empty set refuses everyone).
    public func allowCurveClients(_ keys: Set<ZMQCurveKey>, domain: String) {
        state.withLock { $0.policy.allowedCurveClients[domain] = keys }
    }

    /// The current policy.
    public var policy: ZMQZAPPolicy { state.withLock { $0.policy } }

    /// Calls `handler` on the authenticator's thread after each refusal (outside its lock). Keep it
    /// short, and do not capture the context (it owns the authenticator: a cycle would leak both).
    public func onRefusal(_ handler: @escaping @Sendable (ZMQZAPRefusal) -> Void) {
        state.withLock { $0.onRefusal = handler }
    }

    /// Counts since the start.
    public var statistics: Statistics { state.withLock { $0.statistics } }

    /// The last refusals, oldest first (at most 16).
    public var recentRefusals: [ZMQZAPRefusal] { state.withLock { $0.recent } }

    /// Whether the thread still answers requests.
    public var isRunning: Bool { state.withLock { $0.running } }

    // MARK: Lifecycle

    /// Stops answering and joins the thread. New handshakes then wait unanswered (see the type's
    /// summary for why the socket stays bound). Idempotent.
    public func stop() {
        let handle: pthread_t? = thread.withLock { handle in
            defer { handle = nil }
            return handle
        }
        guard let handle else { return }
        var byte: UInt8 = 1
        _ = write(wakeWrite, &byte, 1)
        pthread_join(handle, nil)
    }

    /// Stops the thread and closes the socket and the wake-up pipe: called by the context's `deinit`
    /// before `zmq_ctx_term`, which would otherwise wait for this socket.
    func close() {
        stop()
        _ = system_zmq_close(socket)
        Glibc.close(wakeRead)
        Glibc.close(wakeWrite)
    }

    // MARK: The thread

    /// Answers requests until `stop()` (the pipe becomes readable) or the context ends (`ETERM`).
    private func serve() {
        var items = [
            ZMQPollItem(socketHandle: socket, events: .readable),
            ZMQPollItem(fileDescriptor: wakeRead, events: .readable),
        ]
        defer { state.withLock { $0.running = false } }
        while true {
            do {
                _ = try ZMQPollItem.poll(&items, timeoutMilliseconds: -1)
            } catch {
                return  // ETERM: the context was shut down
            }
            if items[1].readyEvents.contains(.readable) { return }
            guard items[0].readyEvents.contains(.readable) else { continue }
            do {
                try answerOne()
            } catch where error == .contextTerminated {
                return
            } catch {
                state.withLock { $0.statistics.errors += 1 }
            }
        }
    }

    /// Receives one request, decides it and sends the reply (a REP socket must answer every request).
    private func answerOne() throws(ZMQError) {
        let frames = try receiveFrames()
        guard let request = ZMQZAPRequest(frames: frames) else {
            state.withLock { $0.statistics.errors += 1 }
            let requestID = frames.count > 1 ? frames[1] : []
            try sendFrames(ZMQZAPDecision(statusCode: "500", statusText: "malformed ZAP request").replyFrames(requestID: requestID))
            return
        }
        let (decision, refusal, handler) = record(request)
        try sendFrames(decision.replyFrames(requestID: request.requestID))
        if let refusal, let handler { handler(refusal) }
    }

    /// Decides `request` under the lock and updates the counters.
    private func record(_ request: ZMQZAPRequest) -> (ZMQZAPDecision, ZMQZAPRefusal?, (@Sendable (ZMQZAPRefusal) -> Void)?) {
        state.withLock { state in
            let decision = state.policy.decide(request)
            if decision.isAllowed {
                state.statistics.allowed += 1
                return (decision, nil, nil)
            }
            state.statistics.refused += 1
            let key = request.curveClientKey
            // Past the bound, unknown keys share the nil bucket, so the map (and the log) stays bounded.
            let bucket = state.refusalsByKey[key] != nil || state.refusalsByKey.count < Self.trackedKeyLimit ? key : nil
            let occurrence = (state.refusalsByKey[bucket] ?? 0) + 1
            state.refusalsByKey[bucket] = occurrence
            let refusal = ZMQZAPRefusal(
                domain: request.domain, address: request.address, mechanism: request.mechanism, clientKey: key,
                reason: decision.statusText, occurrence: occurrence, total: state.statistics.refused)
            state.recent.append(refusal)
            if state.recent.count > Self.recentLimit { state.recent.removeFirst() }
            return (decision, refusal, state.onRefusal)
        }
    }

    /// Receives every part of one message (the parts of a message arrive together, so this does not block
    /// once the first is readable). Parts over 512 bytes are truncated: no ZAP field is that long.
    private func receiveFrames() throws(ZMQError) -> [[UInt8]] {
        var frames: [[UInt8]] = []
        var buffer = [UInt8](repeating: 0, count: 512)
        var more: Int32 = 1
        while more != 0 {
            let socket = self.socket
            let result = buffer.withUnsafeMutableBytes { raw in
                retryingOnInterrupt(true) { system_zmq_recv(socket, raw.baseAddress, raw.count, 0) }
            }
            let size = try result.get()
            frames.append(Array(buffer.prefix(min(Int(size), buffer.count))))
            var length = MemoryLayout<Int32>.size
            _ = try retryingOnInterrupt(true) { system_zmq_getsockopt(socket, ZMQ_RCVMORE, &more, &length) }.get()
        }
        return frames
    }

    /// Sends `frames` as one multi-part message.
    private func sendFrames(_ frames: [[UInt8]]) throws(ZMQError) {
        let socket = self.socket
        for (index, frame) in frames.enumerated() {
            let flags = index == frames.count - 1 ? 0 : ZMQ_SNDMORE
            let result = frame.withUnsafeBytes { raw in
                retryingOnInterrupt(true) { system_zmq_send(socket, raw.baseAddress, raw.count, flags) }
            }
            _ = try result.get()
        }
    }
}
