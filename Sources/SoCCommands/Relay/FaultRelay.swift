import Foundation
import Synchronization
import ZeroMQ

/// A fault-injecting relay between the two cores: a DEALER bound for the application core to
/// connect to, a DEALER connected to the real-time core's link, and a `FaultInjector` per
/// direction. Everything it does is counted.
///
/// ```
/// splitsoc-app ──connect──▶ [listen DEALER]  relay  [connect DEALER] ──connect──▶ splitsoc-rt
/// ```
///
/// Not thread-safe: `run` owns the sockets on the calling thread; `stop()` and `counters` may be
/// called from any thread.
public final class FaultRelay: Sendable {
    public let listenEndpoint: String
    public let connectEndpoint: String
    public let faults: BridgeFaults
    private let stopRequested = Atomic<Bool>(false)
    private let snapshot = Mutex<(RelayDirectionCounters, RelayDirectionCounters)>((.init(), .init()))

    public init(listen: String, connect: String, faults: BridgeFaults) {
        listenEndpoint = listen
        connectEndpoint = connect
        self.faults = faults
    }

    /// Asks `run` to return (from any thread, e.g. a signal handler's queue).
    public func stop() { stopRequested.store(true, ordering: .relaxed) }

    /// The counters so far: application core → real-time core, then the reverse.
    public var counters: (appToRT: RelayDirectionCounters, rtToApp: RelayDirectionCounters) {
        snapshot.withLock { ($0.0, $0.1) }
    }

    /// The counters as a JSON object: `{"app_to_rt":{…},"rt_to_app":{…},"seed":N}`.
    public var summaryJSON: String {
        let (a, r) = counters
        func object(_ c: RelayDirectionCounters) -> String {
            "{" + c.byName.sorted { $0.key < $1.key }.map { "\"\($0.key)\":\($0.value)" }.joined(separator: ",") + "}"
        }
        return "{\"app_to_rt\":\(object(a)),\"rt_to_app\":\(object(r)),\"seed\":\(faults.seed)}"
    }

    /// Binds, connects and forwards until `stop()`.
    /// - Parameter ready: called once the listening socket is bound.
    /// - Throws: `ZMQError` when a socket cannot be created, bound or connected, or libzmq fails.
    public func run(context: ZMQContext? = nil, ready: () -> Void = {}) throws {
        let context = try context.map { $0 } ?? ZMQContext()
        let appSide = try ZMQSocket(context: context, type: .dealer)
        try appSide.setOption(.sendHighWaterMark, to: 10_000)
        try appSide.setOption(.receiveHighWaterMark, to: 10_000)
        try appSide.bind(listenEndpoint)
        let rtSide = try ZMQSocket(context: context, type: .dealer)
        try rtSide.setOption(.sendHighWaterMark, to: 10_000)
        try rtSide.setOption(.receiveHighWaterMark, to: 10_000)
        try rtSide.setOption(.reconnectInterval, to: 20)
        try rtSide.connect(connectEndpoint)
        ready()

        var appToRT = FaultInjector(profile: faults.appToRT, seed: faults.seed, direction: 1)
        var rtToApp = FaultInjector(profile: faults.rtToApp, seed: faults.seed, direction: 2)
        // Raw buffers and no closures around the sockets: a `~Copyable` socket captured by a
        // closure counts as consumed.
        let buffer = UnsafeMutableRawBufferPointer.allocate(byteCount: 4096, alignment: 8)
        let outgoing = UnsafeMutableRawBufferPointer.allocate(byteCount: 4096, alignment: 8)
        defer {
            buffer.deallocate()
            outgoing.deallocate()
        }
        let start = ContinuousClock.now
        func now() -> UInt64 {
            let elapsed = ContinuousClock.now - start
            return UInt64(elapsed.components.seconds) * 1_000_000_000 + UInt64(elapsed.components.attoseconds / 1_000_000_000)
        }
        func send(_ frames: [[UInt8]], on socket: borrowing ZMQSocket, injector: inout FaultInjector) throws {
            for frame in frames {
                let count = min(frame.count, outgoing.count)
                outgoing.copyBytes(from: frame[0..<count])
                let result = try socket.send(UnsafeRawBufferPointer(rebasing: outgoing[0..<count]), flags: .dontWait)
                if case .wouldBlock = result { injector.countUndeliverable() }
            }
        }
        func received(_ result: ZMQReceiveResult) -> [UInt8]? {
            switch result {
            case .received(let count): return Array(UnsafeRawBufferPointer(rebasing: buffer[0..<count]))
            // Larger than any v1 frame: forward what was kept so the receiver rejects and counts it.
            case .truncated: return Array(UnsafeRawBufferPointer(buffer))
            case .wouldBlock: return nil
            }
        }
        var items = [appSide.pollItem(), rtSide.pollItem()]
        while !stopRequested.load(ordering: .relaxed) {
            let deadlines = [appToRT.nextDeadline, rtToApp.nextDeadline].compactMap { $0 }
            var timeout = 20
            if let next = deadlines.min() {
                let current = now()
                timeout = next <= current ? 0 : min(timeout, Int((next - current) / 1_000_000) + 1)
            }
            do {
                _ = try ZMQPollItem.poll(&items, timeoutMilliseconds: timeout)
            } catch {
                if error == .contextTerminated { break }
                throw error
            }
            // Drain each side completely, then release whatever came due.
            while let frame = received(try appSide.receive(into: buffer, flags: .dontWait)) {
                try send(appToRT.process(frame, now: now()), on: rtSide, injector: &appToRT)
            }
            while let frame = received(try rtSide.receive(into: buffer, flags: .dontWait)) {
                try send(rtToApp.process(frame, now: now()), on: appSide, injector: &rtToApp)
            }
            let current = now()
            try send(appToRT.releaseDue(now: current), on: rtSide, injector: &appToRT)
            try send(rtToApp.releaseDue(now: current), on: appSide, injector: &rtToApp)
            let counters = (appToRT.counters, rtToApp.counters)
            snapshot.withLock { $0 = counters }
        }
    }
}
