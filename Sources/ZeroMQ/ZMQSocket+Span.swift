extension ZMQSocket {
    /// Sends the bytes of `message` (see `send(_:flags:retryOnInterrupt:)` for the behaviour).
    /// - Throws: as `send(_:flags:retryOnInterrupt:)`.
    ///
    /// The corresponding C function is `zmq_send`.
    public func send(_ message: RawSpan, flags: ZMQMessageFlags = []) throws(ZMQError) -> ZMQIOResult {
        let handle = self.handle
        let result = message.withUnsafeBytes { raw in
            retryingOnInterrupt(true) { system_zmq_send(handle, raw.baseAddress, raw.count, flags.rawValue) }
        }
        switch result {
        case .success(let count): return .processed(Int(count))
        case .failure(let error) where error == .wouldBlock: return .wouldBlock
        case .failure(let error): throw error
        }
    }

    /// Sends `message` without blocking (`ZMQ_DONTWAIT`).
    /// - Throws: as `send(_:flags:retryOnInterrupt:)`.
    ///
    /// The corresponding C function is `zmq_send` with `ZMQ_DONTWAIT`.
    public func trySend(_ message: RawSpan) throws(ZMQError) -> ZMQIOResult {
        try send(message, flags: .dontWait)
    }

    /// Receives one message into `buffer` (see `receive(into:flags:retryOnInterrupt:)` for the behaviour).
    /// - Throws: as `receive(into:flags:retryOnInterrupt:)`.
    ///
    /// The corresponding C function is `zmq_recv`.
    public func receive(into buffer: inout MutableSpan<UInt8>, flags: ZMQMessageFlags = []) throws(ZMQError) -> ZMQReceiveResult {
        let handle = self.handle
        let result = buffer.withUnsafeMutableBytes { raw in
            retryingOnInterrupt(true) { system_zmq_recv(handle, raw.baseAddress, raw.count, flags.rawValue) }
        }
        switch result {
        case .success(let size):
            return Int(size) > buffer.count ? .truncated(size: Int(size)) : .received(Int(size))
        case .failure(let error) where error == .wouldBlock: return .wouldBlock
        case .failure(let error): throw error
        }
    }

    /// Receives one message into `buffer` without blocking (`ZMQ_DONTWAIT`).
    /// - Throws: as `receive(into:flags:retryOnInterrupt:)`.
    ///
    /// The corresponding C function is `zmq_recv` with `ZMQ_DONTWAIT`.
    public func tryReceive(into buffer: inout MutableSpan<UInt8>) throws(ZMQError) -> ZMQReceiveResult {
        try receive(into: &buffer, flags: .dontWait)
    }
}
