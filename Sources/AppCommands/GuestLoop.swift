import AppCore
import Foundation
import SoCLink
import SoCLinkZMQ
import SoCWire
import Synchronization
import ZeroMQ

/// The control REP socket: one JSON request, one JSON reply (docs/process-interfaces.md).
final class ControlServer {
    private let socket: ZMQSocket
    private let buffer = UnsafeMutableRawBufferPointer.allocate(byteCount: 64 * 1024, alignment: 8)

    init(endpoint: String, context: ZMQContext) throws(ZMQError) {
        let socket = try ZMQSocket(context: context, type: .reply)
        try socket.bind(endpoint)
        self.socket = socket
    }

    deinit { buffer.deallocate() }

    /// A request whose answer comes later (a swap being built): REP allows no other request until
    /// it is answered, so `serve` receives nothing meanwhile.
    private(set) var awaitingReply = false

    func pollItem() -> ZMQPollItem { socket.pollItem() }

    /// Answers every waiting request with `handler` (REP: one reply per request, in order). A nil
    /// answer defers the reply to `reply(_:)`.
    func serve(_ handler: (String) -> String?) {
        while !awaitingReply {
            let text: String
            switch try? socket.tryReceive(into: buffer) {
            case .received(let count):
                text = String(decoding: UnsafeRawBufferPointer(rebasing: buffer[0..<count]), as: UTF8.self)
            case .truncated:
                text = ""
            case .wouldBlock, .none:
                return
            }
            guard let answer = text.isEmpty ? "{\"ok\":false,\"error\":\"request too large or empty\"}" : handler(text) else {
                awaitingReply = true
                return
            }
            send(answer)
        }
    }

    /// Sends the deferred answer.
    func reply(_ answer: String) {
        awaitingReply = false
        send(answer)
    }

    private func send(_ answer: String) {
        var reply = answer
        reply.withUTF8 { bytes in _ = try? socket.send(UnsafeRawBufferPointer(bytes), flags: .dontWait) }
    }
}

/// The guest thread's loop: link frames in, pipeline, link frames out, control requests, timers,
/// periodic status telemetry.
struct GuestLoop {
    let link: AppLink
    let core: ApplicationCore
    let control: ControlServer?
    private var quitRequested = false
    /// Messages larger than a frame (the link counters count only what reached the decoder).
    private var rxOversized: UInt64 = 0
    private var rejectLog = RejectLog()
    private let receiveBuffer = UnsafeMutableRawBufferPointer.allocate(byteCount: Wire.maxFrameSize, alignment: 8)

    init(link: AppLink, core: ApplicationCore, control: ControlServer?) {
        self.link = link
        self.core = core
        self.control = control
    }

    /// Runs until SIGINT/SIGTERM, a `quit` request, or a refused handshake.
    /// - Returns: the process exit code.
    mutating func run() -> Int32 {
        defer { receiveBuffer.deallocate() }
        if let code = handle(link.machine.start(now: link.now), frame: nil) { return code }
        var items = [link.transport.pollItem()]
        if let control { items.append(control.pollItem()) }
        var nextStatus = link.now
        while !stopRequested.load(ordering: .relaxed) && !quitRequested {
            _ = try? ZMQPollItem.poll(&items, timeoutMilliseconds: 5)
            if let code = drainLink() { return code }
            core.applyFinishedBuilds()  // swaps and restarts built off this thread
            control?.serve { request in self.answer(request) }
            for _ in 0..<4 {
                let action = link.machine.pollTimers(now: link.now)
                if action == .none { break }
                if let code = handle(action, frame: nil) { return code }
            }
            if let line = rejectLog.flush(now: link.now) { say(line) }
            let now = link.now
            if now >= nextStatus {
                nextStatus = now + 100_000_000
                link.telemetry?.publish(topic: "app", statusJSON())
            }
        }
        link.sendLink(link.machine.close(reason: .shutdown))
        return 0
    }

    private mutating func drainLink() -> Int32? {
        while true {
            let result: TransportReceiveResult
            do {
                result = try link.transport.tryReceive(into: receiveBuffer)
            } catch {
                FileHandle.standardError.write(Data("splitsoc-app: link receive failed: \(error)\n".utf8))
                return 74
            }
            switch result {
            case .wouldBlock:
                return nil
            case .truncated, .received:
                var count = receiveBuffer.count  // truncated: the first bytes name it (SPEC §4.4)
                if case .received(let received) = result { count = received } else { rxOversized += 1 }
                let bytes = UnsafeRawBufferPointer(rebasing: receiveBuffer[0..<count])
                let action: LinkAction
                var decoded: Frame?
                do {
                    let frame = try FrameCodec.decode(bytes)
                    decoded = frame
                    action = link.machine.frameReceived(frame, now: link.now)
                } catch {
                    action = link.machine.decodeFailed(error, peek: FrameCodec.peekTypeAndSequence(bytes), now: link.now)
                }
                if let code = handle(action, frame: decoded) { return code }
            }
        }
    }

    /// Performs a link action. Returns an exit code when the process must stop.
    private mutating func handle(_ action: LinkAction, frame: Frame?) -> Int32? {
        switch action {
        case .none:
            break
        case .send(let message):
            link.sendLink(message)
        case .deliver:
            if let frame { core.receive(frame) }
        case .established(let parameters, let sessionID, let reply, let resynchronised):
            link.sessionID = sessionID
            core.resetSession()
            if let reply { link.sendLink(reply) }
            say(
                "session established session=\(sessionID) clock=\(parameters.clockMode == .virtual ? "virtual" : "real") "
                    + "period_ns=\(parameters.tickPeriodNanoseconds) quantum=\(parameters.quantumTicks)"
                    + (resynchronised ? " resynchronised" : ""))
        case .peerLost(let reply):
            link.sessionID = nil
            core.resetSession()
            say("link lost (no frame within the liveness timeout); handshaking again")
            if let reply { link.sendLink(reply) }
        case .peerLeft(let reason):
            link.sessionID = nil
            core.resetSession()
            say("link peer left reason=\(reason)")
        case .handshakeRefused(let reject):
            FileHandle.standardError.write(Data("splitsoc-app: the real-time core refused the handshake: \(reject.code)\n".utf8))
            return 76
        case .rejectedByPeer(let reject):
            // Counted by the state machine; logged at most once a second (SPEC §4.4).
            if let line = rejectLog.note(reject, now: link.now) { say(line) }
        }
        return nil
    }

    private func statusJSON() -> String {
        let counters = link.machine.counters
        return JSONText.status(
            tMilliseconds: link.now / 1_000_000, session: link.sessionID, linkUp: link.sessionID != nil,
            rxFrames: counters.framesReceived, txFrames: counters.framesSent,
            rxRejected: counters.malformed + counters.unexpected, txDropped: link.txDropped, counters: counters,
            rxOversized: rxOversized, core: core.status)
    }

    private mutating func answer(_ request: String) -> String? {
        guard let data = request.data(using: .utf8),
            let object = try? JSONSerialization.jsonObject(with: data) as? [String: Any],
            let op = object["op"] as? String
        else {
            return "{\"ok\":false,\"error\":\"expected a JSON object with an \\\"op\\\"\"}"
        }
        switch op {
        case "status":
            return statusJSON()
        case "swap":
            guard let slot = object["slot"] as? String, let path = object["path"] as? String else {
                return "{\"ok\":false,\"error\":\"swap needs \\\"slot\\\" and \\\"path\\\"\"}"
            }
            // Built off this thread (a compile bomb must not delay batches); answered when done.
            do {
                let bytes = try AppCommand.readModule(path, maxBytes: core.configuration.maxModuleBytes)
                try core.requestSwap(slot: slot, bytes: bytes) { [control] result in
                    control?.reply(Self.swapReply(result, slot: slot, path: path))
                }
                return nil
            } catch {
                return Self.swapReply(.failure(error as? ModuleLoadError ?? ModuleLoadError(.invalidBinary, "\(error)")), slot: slot, path: path)
            }
        case "fault":
            // Fault injection for demos and integration tests: stall the guest thread, so the
            // real-time core sees late acks / silence and must cope on its own.
            let milliseconds = (object["ms"] as? Int) ?? 500
            guard (object["kind"] as? String ?? "stall") == "stall", (0...10_000).contains(milliseconds) else {
                return "{\"ok\":false,\"error\":\"fault supports {\\\"kind\\\":\\\"stall\\\",\\\"ms\\\":0…10000}\"}"
            }
            // In slices, so SIGTERM is still honoured within 10 ms during a stall.
            var left = milliseconds
            while left > 0 && !stopRequested.load(ordering: .relaxed) {
                usleep(UInt32(min(left, 10)) * 1000)
                left -= 10
            }
            return "{\"ok\":true,\"stalled_ms\":\(milliseconds)}"
        case "quit":
            quitRequested = true
            return "{\"ok\":true}"
        default:
            return "{\"ok\":false,\"error\":\(JSONText.string("unknown op '\(op)' (status, swap, fault, quit)"))}"
        }
    }

    private static func swapReply(_ result: Result<ApplicationCore.SwapVersions, ModuleLoadError>, slot: String, path: String)
        -> String
    {
        switch result {
        case .success(let swapped):
            return "{\"ok\":true,\"from\":\(JSONText.string(swapped.from?.description ?? "none")),"
                + "\"to\":\(JSONText.string(swapped.to.description))}"
        case .failure(let error):
            say("module swap refused slot=\(slot) path=\(path) error=\"\(error)\"")
            return "{\"ok\":false,\"error\":\(JSONText.string(String(describing: error)))}"
        }
    }
}
