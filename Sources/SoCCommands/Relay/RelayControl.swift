import Foundation
import Synchronization
import ZeroMQ

/// `splitsoc relay --control ENDPOINT`: a REP socket, served on its own thread, that replaces a
/// direction's `FaultProfile` while the relay runs (docs/process-interfaces.md):
/// `{"op":"faults","app_to_rt":"drop=500","rt_to_app":""}` and `{"op":"status"}`. Both reply with
/// the profiles in force and the counters so far.
///
/// Thread-safe: the serving thread only calls `FaultRelay`'s thread-safe methods.
final class RelayControl: Sendable {
    private let relay: FaultRelay
    private let endpoint: String
    private let stopped = Mutex(false)

    init(relay: FaultRelay, endpoint: String) {
        self.relay = relay
        self.endpoint = endpoint
    }

    /// Binds the socket (so a bad endpoint fails before the relay starts), then serves until `stop()`.
    /// - Throws: `ZMQError` when the socket cannot be created or bound.
    func start(context: ZMQContext) throws(ZMQError) {
        let box = ZMQSocketBox(try ZMQSocket(context: context, type: .reply))
        try box.socket.bind(endpoint)
        let handOver = SocketHandOver(box)
        Thread.detachNewThread { [self] in serve(handOver.box) }
    }

    func stop() { stopped.withLock { $0 = true } }

    private func serve(_ box: ZMQSocketBox) {
        let buffer = UnsafeMutableRawBufferPointer.allocate(byteCount: 16 * 1024, alignment: 8)
        defer { buffer.deallocate() }
        while !stopped.withLock({ $0 }) {
            guard (try? box.socket.poll(timeoutMilliseconds: 100)).map({ $0.contains(.readable) }) == true,
                case .received(let count)? = try? box.socket.tryReceive(into: buffer)
            else { continue }
            let request = (try? JSONSerialization.jsonObject(with: Data(UnsafeRawBufferPointer(rebasing: buffer[0..<count]))))
                as? [String: Any] ?? [:]
            var reply = Self.text(answer(request))
            reply.withUTF8 { bytes in _ = try? box.socket.send(UnsafeRawBufferPointer(bytes), flags: .dontWait) }
        }
    }

    /// Decides one request: a `faults` request is refused whole when either spec is bad.
    func answer(_ request: [String: Any]) -> [String: Any] {
        switch request["op"] as? String {
        case "faults":
            do throws(FaultProfileError) {
                let appToRT = try (request["app_to_rt"] as? String).map { spec throws(FaultProfileError) in try FaultProfile(spec: spec) }
                let rtToApp = try (request["rt_to_app"] as? String).map { spec throws(FaultProfileError) in try FaultProfile(spec: spec) }
                relay.replaceFaults(appToRT: appToRT, rtToApp: rtToApp)
            } catch {
                return ["ok": false, "error": "bad fault spec: \(error)"]
            }
            return status()
        case "status":
            return status()
        default:
            return ["ok": false, "error": "unknown op (faults, status)"]
        }
    }

    private func status() -> [String: Any] {
        let (profiles, counters) = (relay.profiles, relay.counters)
        return [
            "ok": true, "app_to_rt": profiles.appToRT.activeSpec, "rt_to_app": profiles.rtToApp.activeSpec,
            "counters": ["app_to_rt": counters.appToRT.byName, "rt_to_app": counters.rtToApp.byName],
        ]
    }

    static func text(_ object: [String: Any]) -> String {
        let data = (try? JSONSerialization.data(withJSONObject: object, options: [.sortedKeys])) ?? Data("{}".utf8)
        return String(decoding: data, as: UTF8.self)
    }
}

extension FaultProfile {
    /// The spec, or "" for a profile that changes nothing (`spec` always names the delay).
    public var activeSpec: String { isActive ? spec : "" }
}

/// Moves a socket to the thread that will own it.
private final class SocketHandOver: @unchecked Sendable {
    // @unchecked: the creating thread never touches `box` after handing it over.
    let box: ZMQSocketBox
    init(_ box: ZMQSocketBox) { self.box = box }
}
