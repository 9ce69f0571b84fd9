/// An in-memory transport pair for unit tests of the layers above the transport: what one end
/// sends, the other receives, in order, up to `capacity` queued messages per direction.
///
/// Not thread-safe: both ends must be used from one thread (tests drive them step by step).
public final class LoopbackTransport: FrameTransport {
    private final class Queue {
        var messages: [[UInt8]] = []
        let capacity: Int
        init(capacity: Int) { self.capacity = capacity }
    }

    private let outbound: Queue
    private let inbound: Queue

    private init(outbound: Queue, inbound: Queue) {
        self.outbound = outbound
        self.inbound = inbound
    }

    /// Creates two connected ends.
    public static func makePair(capacity: Int = 1024) -> (LoopbackTransport, LoopbackTransport) {
        let aToB = Queue(capacity: capacity)
        let bToA = Queue(capacity: capacity)
        return (LoopbackTransport(outbound: aToB, inbound: bToA), LoopbackTransport(outbound: bToA, inbound: aToB))
    }

    /// Messages this end sent that the other end has not received yet.
    public var pendingOutbound: Int { outbound.messages.count }

    public func trySend(_ message: UnsafeRawBufferPointer) throws(TransportError) -> TransportSendResult {
        guard outbound.messages.count < outbound.capacity else { return .wouldBlock }
        outbound.messages.append(Array(message))
        return .sent
    }

    public func tryReceive(into buffer: UnsafeMutableRawBufferPointer) throws(TransportError) -> TransportReceiveResult {
        guard !inbound.messages.isEmpty else { return .wouldBlock }
        let message = inbound.messages.removeFirst()
        guard message.count <= buffer.count else { return .truncated(size: message.count) }
        message.withUnsafeBytes { buffer.copyMemory(from: $0) }
        return .received(message.count)
    }

    public func waitUntilReadable(timeoutMilliseconds: Int32) throws(TransportError) -> Bool {
        !inbound.messages.isEmpty
    }
}
