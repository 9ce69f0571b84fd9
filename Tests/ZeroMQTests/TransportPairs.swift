import SoCLink
import SoCLinkZMQ
import SoCTesting
import ZeroMQ

/// The transports every `FrameTransport` body runs over (NIO's `forEachCrossConnectedStreamChannelPair`).
enum TransportKind: String, CaseIterable, Sendable {
    case loopback, inproc, ipc, tcp
}

/// Runs `body` with a connected pair of `kind`: `bound` is the stable side (the real-time core's),
/// `connected` the side that comes and goes. ZeroMQ pairs are torn down after `body`.
func withTransportPair<Result>(
    _ kind: TransportKind,
    _ body: (_ bound: any FrameTransport, _ connected: any FrameTransport) throws -> Result
) throws -> Result {
    switch kind {
    case .loopback:
        let (a, b) = LoopbackTransport.makePair()
        return try body(a, b)
    case .inproc:
        let context = try ZMQContext()
        let bound = try ZMQFrameTransport.bind(endpoint: "inproc://pair-\(UInt64.random(in: 0...UInt64.max))", context: context)
        let connected = try ZMQFrameTransport.connect(endpoint: bound.endpoint, context: context)
        return try body(bound, connected)
    case .ipc:
        return try withTemporaryIPCPath { endpoint throws in
            let context = try ZMQContext()
            let bound = try ZMQFrameTransport.bind(endpoint: endpoint, context: context)
            let connected = try ZMQFrameTransport.connect(endpoint: bound.endpoint, context: context)
            return try body(bound, connected)
        }
    case .tcp:
        let context = try ZMQContext()
        let bound = try ZMQFrameTransport.bind(endpoint: "tcp://127.0.0.1:*", context: context)
        let connected = try ZMQFrameTransport.connect(endpoint: bound.endpoint, context: context)
        return try body(bound, connected)
    }
}

/// Runs the same body over every transport kind.
func forEachTransport(_ body: (TransportKind, any FrameTransport, any FrameTransport) throws -> Void) throws {
    for kind in TransportKind.allCases {
        try withTransportPair(kind) { bound, connected in try body(kind, bound, connected) }
    }
}

/// Sends `bytes`, retrying while the transport says `.wouldBlock` (the connection is still being
/// set up: DEALER sends block until the peer's pipe exists). Gives up after `attempts` tries of
/// about 5 ms each and returns `false`.
@discardableResult
func sendEventually(_ bytes: [UInt8], on transport: any FrameTransport, attempts: Int = 4000) throws -> Bool {
    for _ in 0..<attempts {
        let result = try bytes.withUnsafeBytes { raw throws(TransportError) in try transport.trySend(raw) }
        if result == .sent { return true }
        // A bounded wait that is not a sleep: poll our own socket for a few milliseconds.
        _ = try transport.waitUntilReadable(timeoutMilliseconds: 5)
    }
    return false
}

/// Waits (up to 20 s) for one message and returns it, or `nil` if none came.
func receiveEventually(on transport: any FrameTransport, capacity: Int = 2048) throws -> TransportReceiveResult {
    var buffer = [UInt8](repeating: 0, count: capacity)
    for _ in 0..<2000 {
        let result = try buffer.withUnsafeMutableBytes { raw throws(TransportError) in try transport.tryReceive(into: raw) }
        if result != .wouldBlock { return result }
        _ = try transport.waitUntilReadable(timeoutMilliseconds: 10)
    }
    return .wouldBlock
}

/// Waits for one message and returns its bytes (empty when none came or it was truncated).
func receiveBytesEventually(on transport: any FrameTransport, capacity: Int = 2048) throws -> [UInt8] {
    var buffer = [UInt8](repeating: 0, count: capacity)
    for _ in 0..<2000 {
        let result = try buffer.withUnsafeMutableBytes { raw throws(TransportError) in try transport.tryReceive(into: raw) }
        switch result {
        case .received(let count): return Array(buffer.prefix(count))
        case .truncated: return []
        case .wouldBlock: _ = try transport.waitUntilReadable(timeoutMilliseconds: 10)
        }
    }
    return []
}
