import AppCore
import Foundation
import SoCLink
import SoCLinkZMQ
import SoCWire
import Synchronization
import ZeroMQ

/// Set by SIGINT/SIGTERM; the guest loop checks it between polls.
let stopRequested = Atomic<Bool>(false)

/// The link end of the application core: the link state machine, the transport, and the encode
/// buffer. Implements `ApplicationCoreOutput`, so the core's messages are framed (sequence numbers
/// from the state machine) and sent without blocking; a send that would block is dropped and counted.
///
/// Not thread-safe: owned by the guest thread, like the core and the socket.
final class AppLink: ApplicationCoreOutput {
    var machine: LinkStateMachine
    let transport: ZMQFrameTransport
    let telemetry: TelemetryPublisher?
    let startNanoseconds: UInt64
    let clock = SystemMonotonicClock()
    private let encodeBuffer = UnsafeMutableRawBufferPointer.allocate(byteCount: Wire.maxFrameSize, alignment: 8)
    var txDropped: UInt64 = 0
    var sessionID: UInt32?

    init(machine: consuming LinkStateMachine, transport: ZMQFrameTransport, telemetry: TelemetryPublisher?) {
        self.machine = machine
        self.transport = transport
        self.telemetry = telemetry
        self.startNanoseconds = clock.nanoseconds()
    }

    deinit { encodeBuffer.deallocate() }

    /// Nanoseconds since the process started: the timestamp of frames that are not grant answers.
    var now: UInt64 { clock.nanoseconds() &- startNanoseconds }

    /// Frames and sends `message` if the session's rules permit it: nothing but `Hello` before a
    /// session, data only with its capability (SPEC §4.1 step 8, §4.2); otherwise counted as suppressed.
    func send(_ message: Message, timestamp: UInt64, flags: FrameFlags) {
        guard machine.permits(message) else {
            machine.countSuppressed()
            return
        }
        let frame = machine.makeFrame(message, timestamp: timestamp, flags: flags)
        do {
            let size = try FrameCodec.encode(frame, into: encodeBuffer)
            if try transport.trySend(UnsafeRawBufferPointer(rebasing: encodeBuffer[0..<size])) == .wouldBlock {
                txDropped += 1
            }
        } catch {
            txDropped += 1
        }
    }

    /// Sends a link-level message (Hello, Heartbeat, Reject, Goodbye) stamped with process time.
    func sendLink(_ message: Message) { send(message, timestamp: now, flags: []) }

    func report(_ event: AppEvent) {
        let version = (event.to ?? event.from)?.description ?? "-"
        let words: String
        switch event.kind {
        case .loaded: words = "loaded slot=\(event.slot) name=\(event.module) version=\(version)"
        case .swapped: words = "swapped slot=\(event.slot) name=\(event.module) from=\(event.from?.description ?? "-") to=\(version)"
        case .rolledBack: words = "rolled back slot=\(event.slot) name=\(event.module) from=\(event.from?.description ?? "-") to=\(version)"
        case .restarted: words = "restarted slot=\(event.slot) version=\(version)"
        case .quarantined: words = "quarantined slot=\(event.slot) version=\(version)"
        case .trapped, .outOfFuel, .deadlineExceeded:
            words = "trapped slot=\(event.slot) version=\(version) kind=\(event.kind.telemetryName)"
        }
        say("module \(words) detail=\"\(event.detail)\"")
        telemetry?.publish(topic: "event", JSONText.event(event, tMilliseconds: now / 1_000_000))
    }

    func publish(_ value: ModuleTelemetry) {
        telemetry?.publish(topic: "module", JSONText.telemetry(value, tMilliseconds: now / 1_000_000))
    }

    func log(_ line: ModuleLogLine) {
        say("module log slot=\(line.slot) level=\(line.level) \(line.message)")
    }
}

/// The telemetry PUB socket. Publishing never blocks; a full queue drops the message.
final class TelemetryPublisher {
    private let socket: ZMQSocket
    private(set) var dropped: UInt64 = 0

    init(endpoint: String, context: ZMQContext) throws(ZMQError) {
        let socket = try ZMQSocket(context: context, type: .publisher)
        try socket.bind(endpoint)
        self.socket = socket
    }

    func publish(topic: String, _ json: String) {
        var text = topic + " " + json
        text.withUTF8 { bytes in
            if (try? socket.trySend(UnsafeRawBufferPointer(bytes))) != .processed(bytes.count) { dropped += 1 }
        }
    }
}
