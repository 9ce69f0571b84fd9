import Foundation
import ZeroMQ

/// What a `StatusCollector` saw, stamped with the orchestrator's own clock (seconds since the
/// collector started), so that the two cores' messages share one time axis.
package struct CollectedStatus: Sendable {
    package var rt: [(time: Double, status: RTStatus)] = []
    package var app: [(time: Double, telemetry: AppTelemetry)] = []
    package var events: [(time: Double, event: AppEvent)] = []
    /// Messages that did not parse (counted, never fatal), with the last reason.
    package var malformed = 0
    package var lastParseError: String?
}

/// Subscribes to the real-time core's status and the application core's telemetry on a
/// background thread and keeps everything it receives.
///
/// Thread-safe: the receiving thread appends under a lock; readers take snapshots.
public final class StatusCollector: @unchecked Sendable {
    // @unchecked: `collected` and `running` are only touched under `lock`.
    private let lock = NSLock()
    private var collected = CollectedStatus()
    private var running = true
    private var thread: Thread?
    private let started = ContinuousClock.now

    /// Keep at most about this many status and telemetry messages of each core (nil: all).
    private let historyLimit: Int?

    /// Starts receiving from the given PUB endpoints (either may be nil).
    /// - Parameter historyLimit: keep only about the last this many messages of each core; a
    ///   studio left on for a day would otherwise keep a million (events are always kept).
    public init(rtStatus: String?, appTelemetry: String?, historyLimit: Int? = nil) {
        self.historyLimit = historyLimit
        let endpoints = [rtStatus, appTelemetry].compactMap { $0 }
        let thread = Thread { [self] in self.receiveLoop(endpoints: endpoints) }
        thread.name = "status-collector"
        self.thread = thread
        thread.start()
    }

    deinit { stop() }

    /// Seconds since the collector started: the time axis of everything collected.
    public var elapsed: Double { (ContinuousClock.now - started).seconds }

    /// A copy of everything received so far.
    package func snapshot() -> CollectedStatus { lock.withLock { collected } }

    /// The newest status of each core and when it arrived, and the module events so far, without
    /// copying the whole history (the studio asks several times a second).
    package func latest() -> (rt: (time: Double, status: RTStatus)?, app: (time: Double, telemetry: AppTelemetry)?,
                              events: [(time: Double, event: AppEvent)]) {
        lock.withLock { (collected.rt.last, collected.app.last, collected.events) }
    }

    /// The latest real-time core status, if any.
    package var latestRT: RTStatus? { lock.withLock { collected.rt.last?.status } }

    /// The latest application core telemetry, if any.
    package var latestApp: AppTelemetry? { lock.withLock { collected.app.last?.telemetry } }

    /// Stops the receiving thread (idempotent).
    public func stop() {
        lock.withLock { running = false }
    }

    private var isRunning: Bool { lock.withLock { running } }

    private func receiveLoop(endpoints: [String]) {
        do {
            let context = try ZMQContext()
            var sockets: [ZMQSocketBox] = []
            for endpoint in endpoints {
                let socket = try ZMQSocket(context: context, type: .subscriber)
                // Only the topics this collector understands (the app also publishes `module`).
                for topic in ["rt ", "app ", "event "] { try socket.subscribe(to: topic) }
                try socket.connect(endpoint)
                sockets.append(ZMQSocketBox(socket))
            }
            var buffer = [UInt8](repeating: 0, count: 64 * 1024)
            while isRunning {
                var received = false
                for box in sockets {
                    while case .received(let count) = try buffer.withUnsafeMutableBytes({ bytes throws(ZMQError) in
                        try box.socket.tryReceive(into: bytes)
                    }) {
                        received = true
                        handle(String(decoding: buffer[0..<count], as: UTF8.self))
                    }
                }
                if !received { Thread.sleep(forTimeInterval: 0.01) }
            }
        } catch {
            FileHandle.standardError.write(Data("splitsoc: status subscription failed: \(error)\n".utf8))
        }
    }

    private func handle(_ message: String) {
        let now = elapsed
        let parsed = Result { () throws(PublishedMessage.ParseError) in try PublishedMessage.parse(message) }
        lock.withLock {
            switch parsed {
            case .success(.rt(let status)):
                collected.rt.append((now, status))
                trim(&collected.rt)
            case .success(.app(let telemetry)):
                collected.app.append((now, telemetry))
                trim(&collected.app)
            case .success(.event(let event)): collected.events.append((now, event))
            case .failure(let error):
                collected.malformed += 1
                collected.lastParseError = error.description
            }
        }
    }
}

extension StatusCollector {
    /// Drops the oldest entries once there are twice `historyLimit`, so trimming costs O(1) per
    /// message on average.
    fileprivate func trim<T>(_ entries: inout [T]) {
        guard let historyLimit, entries.count > 2 * historyLimit else { return }
        entries.removeFirst(entries.count - historyLimit)
    }
}

/// Holds a `~Copyable` socket in a class so that several can live in an array on one thread.
final class ZMQSocketBox {
    let socket: ZMQSocket
    init(_ socket: consuming ZMQSocket) { self.socket = socket }
}

extension Duration {
    /// This duration in seconds, as a `Double`.
    var seconds: Double {
        let (seconds, attoseconds) = components
        return Double(seconds) + Double(attoseconds) / 1e18
    }
}
