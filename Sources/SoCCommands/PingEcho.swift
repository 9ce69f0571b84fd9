import Foundation
import SoCLink
import SoCLinkZMQ
import SoCWire
import ZeroMQ

/// The child side of `splitsoc ping` (`splitsoc ping --echo ENDPOINT [--raw]`): connects to the
/// parent and sends every message back until an empty message says stop.
///
/// Framed mode decodes each frame and re-encodes it (the codec work a bridge endpoint does);
/// a message that does not decode is counted and dropped, and the echo keeps going. The echo exits
/// by itself when its parent goes away.
struct PingEcho {
    var endpoint: String
    var raw: Bool

    func run() throws {
        let parent = getppid()
        let context = try ZMQContext()
        let (echoed, rejected) = raw ? try runRaw(context: context, parent: parent) : try runFramed(context: context, parent: parent)
        print("ping echo stopped mode=\(raw ? "raw" : "framed") echoed=\(echoed) rejected=\(rejected)")
    }

    private func runRaw(context: ZMQContext, parent: pid_t) throws -> (Int, Int) {
        let socket = try ZMQSocket(context: context, type: .dealer)
        try socket.setOption(.sendHighWaterMark, to: 10_000)
        try socket.setOption(.receiveHighWaterMark, to: 10_000)
        try socket.setOption(.receiveTimeout, to: 1000)
        try socket.connect(endpoint)
        let buffer = UnsafeMutableRawBufferPointer.allocate(byteCount: PingCommand.maxPayload, alignment: 8)
        defer { buffer.deallocate() }
        var echoed = 0
        var rejected = 0
        while true {
            switch try socket.receive(into: buffer) {
            case .received(0):
                return (echoed, rejected)
            case .received(let count):
                _ = try socket.send(UnsafeRawBufferPointer(rebasing: buffer[0..<count]))
                echoed += 1
            case .truncated:
                rejected += 1
            case .wouldBlock:
                if getppid() != parent { return (echoed, rejected) }
            }
        }
    }

    private func runFramed(context: ZMQContext, parent: pid_t) throws -> (Int, Int) {
        let link = try ZMQFrameTransport.connect(endpoint: endpoint, context: context)
        let inbound = UnsafeMutableRawBufferPointer.allocate(byteCount: Wire.maxFrameSize, alignment: 8)
        let outbound = UnsafeMutableRawBufferPointer.allocate(byteCount: Wire.maxFrameSize, alignment: 8)
        defer {
            inbound.deallocate()
            outbound.deallocate()
        }
        var echoed = 0
        var rejected = 0
        while true {
            guard try link.waitUntilReadable(timeoutMilliseconds: 1000) else {
                if getppid() != parent { return (echoed, rejected) }
                continue
            }
            switch try link.tryReceive(into: inbound) {
            case .received(0):
                return (echoed, rejected)
            case .received(let count):
                do {
                    let frame = try FrameCodec.decode(UnsafeRawBufferPointer(rebasing: inbound[0..<count]))
                    let size = try FrameCodec.encode(frame, into: outbound)
                    while try link.trySend(UnsafeRawBufferPointer(rebasing: outbound[0..<size])) == .wouldBlock {
                        if getppid() != parent { return (echoed, rejected) }
                        _ = try link.waitUntilReadable(timeoutMilliseconds: 1)
                    }
                    echoed += 1
                } catch {
                    rejected += 1
                }
            case .truncated:
                rejected += 1
            case .wouldBlock:
                break
            }
        }
    }
}
