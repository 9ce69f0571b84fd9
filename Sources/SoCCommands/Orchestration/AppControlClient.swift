import Foundation
import ZeroMQ

/// Talks to a control socket (REQ → REP, one JSON object each way; docs/process-interfaces.md):
/// the application core's, and with `peer` set, the real-time core's operator socket or the relay's.
///
/// Each request uses a fresh REQ socket: a REQ socket that timed out is stuck in its
/// send/receive lockstep, and a control request is rare enough that a new socket costs nothing.
public struct AppControlClient: Sendable {
    public let endpoint: String
    public let timeoutMilliseconds: Int32

    /// Who answers, in error messages ("the application core", "the real-time core", "the relay").
    public let peer: String

    public init(endpoint: String, timeoutMilliseconds: Int32 = 10_000, peer: String = "the application core") {
        self.endpoint = endpoint
        self.timeoutMilliseconds = timeoutMilliseconds
        self.peer = peer
    }

    /// Sends `request` and returns the decoded reply object.
    /// - Throws: `OrchestrationError.controlFailed` when nobody answers in time or the reply is
    ///   not a JSON object.
    public func request(_ request: [String: Any]) throws -> [String: Any] {
        let body = try JSONSerialization.data(withJSONObject: request, options: [.sortedKeys])
        let replyBytes: [UInt8]
        do {
            let context = try ZMQContext()
            let socket = try ZMQSocket(context: context, type: .request)
            try socket.setOption(.sendTimeout, to: timeoutMilliseconds)
            try socket.setOption(.receiveTimeout, to: timeoutMilliseconds)
            try socket.connect(endpoint)
            replyBytes = try exchange(on: socket, body: Array(body))
        } catch let error as ZMQError {
            throw OrchestrationError.controlFailed("control request to \(endpoint) failed: \(error)")
        }
        guard let reply = try? JSONSerialization.jsonObject(with: Data(replyBytes)) as? [String: Any] else {
            throw OrchestrationError.controlFailed("\(peer)'s reply is not a JSON object")
        }
        return reply
    }

    private func exchange(on socket: borrowing ZMQSocket, body: [UInt8]) throws -> [UInt8] {
        // Plain buffers instead of `withUnsafeBytes` closures: a borrowed ~Copyable socket cannot
        // be captured by a closure.
        let message = UnsafeMutableRawBufferPointer.allocate(byteCount: body.count, alignment: 1)
        defer { message.deallocate() }
        message.copyBytes(from: body)
        guard case .processed = try socket.send(UnsafeRawBufferPointer(message)) else {
            throw OrchestrationError.controlFailed("nobody (\(peer)) is listening on \(endpoint)")
        }
        let buffer = UnsafeMutableRawBufferPointer.allocate(byteCount: 256 * 1024, alignment: 1)
        defer { buffer.deallocate() }
        guard case .received(let count) = try socket.receive(into: buffer) else {
            throw OrchestrationError.controlFailed(
                "\(peer) at \(endpoint) did not answer within \(timeoutMilliseconds) ms")
        }
        return Array(buffer[0..<count])
    }

    /// Hot-swaps the module in `slot` with the one at `path`.
    /// - Returns: the reply (`ok`, `from`, `to`, or `error`).
    public func swap(slot: String, path: String) throws -> [String: Any] {
        try request(["op": "swap", "slot": slot, "path": path])
    }

    /// The application core's current telemetry object.
    public func status() throws -> [String: Any] {
        try request(["op": "status"])
    }
}
