import Foundation
import SoCWire
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
    /// Grants with `throughTick` above this are held (UInt64.max: none).
    private let barrier = Atomic<UInt64>(UInt64.max)
    /// `throughTick` of the grant held at the barrier (0: none).
    private let heldGrant = Atomic<UInt64>(0)
    private let snapshot = Mutex<(RelayDirectionCounters, RelayDirectionCounters)>((.init(), .init()))
    /// Profiles asked for by `replaceFaults` and not yet taken by the loop (app→rt, rt→app).
    private let pendingProfiles = Mutex<(FaultProfile?, FaultProfile?)>((nil, nil))
    /// The profiles in force (app→rt, rt→app), for status replies.
    private let activeProfiles: Mutex<(FaultProfile, FaultProfile)>

    public init(listen: String, connect: String, faults: BridgeFaults) {
        listenEndpoint = listen
        connectEndpoint = connect
        self.faults = faults
        activeProfiles = Mutex((faults.appToRT, faults.rtToApp))
    }

    /// Replaces the fault profile of one or both directions (from any thread); the loop takes it
    /// before the next frame. The seed stays the run's, so decisions stay reproducible.
    public func replaceFaults(appToRT: FaultProfile?, rtToApp: FaultProfile?) {
        pendingProfiles.withLock { pending in
            if let appToRT { pending.0 = appToRT }
            if let rtToApp { pending.1 = rtToApp }
        }
        activeProfiles.withLock { active in
            if let appToRT { active.0 = appToRT }
            if let rtToApp { active.1 = rtToApp }
        }
    }

    /// The fault profiles in force: application core → real-time core, then the reverse.
    public var profiles: (appToRT: FaultProfile, rtToApp: FaultProfile) { activeProfiles.withLock { ($0.0, $0.1) } }

    /// Asks `run` to return (from any thread, e.g. a signal handler's queue).
    public func stop() { stopRequested.store(true, ordering: .relaxed) }

    /// Holds the first `TickGrant` with `throughTick > tick`, and every frame from the real-time
    /// core after it, until the barrier moves. In virtual clock mode the real-time core then waits
    /// for the ack with every tick `< throughTick` run and the application core idle: an exact
    /// quantum boundary at which the orchestrator can act (a hot swap) deterministically.
    public func holdGrants(after tick: UInt64) { barrier.store(tick, ordering: .sequentiallyConsistent) }

    /// Lets every held frame go (in order) and holds nothing from now on.
    public func releaseGrants() { barrier.store(.max, ordering: .sequentiallyConsistent) }

    /// The `throughTick` of the grant being held at the barrier, or nil.
    public var heldGrantTick: UInt64? {
        let value = heldGrant.load(ordering: .sequentiallyConsistent)
        return value == 0 ? nil : value
    }

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
        var held: [[UInt8]] = []
        var items = [appSide.pollItem(), rtSide.pollItem()]
        while !stopRequested.load(ordering: .relaxed) {
            let deadlines = [appToRT.nextDeadline, rtToApp.nextDeadline].compactMap { $0 }
            var timeout = held.isEmpty ? 20 : 2
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
            let replaced = pendingProfiles.withLock { pending in
                defer { pending = (nil, nil) }
                return pending
            }
            if let profile = replaced.0 { appToRT.replace(profile: profile) }
            if let profile = replaced.1 { rtToApp.replace(profile: profile) }
            // Drain each side completely, then release whatever came due.
            while let frame = received(try appSide.receive(into: buffer, flags: .dontWait)) {
                try send(appToRT.process(frame, now: now()), on: rtSide, injector: &appToRT)
            }
            while let frame = received(try rtSide.receive(into: buffer, flags: .dontWait)) {
                held.append(frame)
            }
            // Frames from the real-time core pass in order unless a grant beyond the barrier
            // stops them; everything behind a held grant waits with it.
            let limit = barrier.load(ordering: .sequentiallyConsistent)
            var released = 0
            for frame in held {
                if case .tickGrant(let through)? = Self.message(frame), through > limit {
                    heldGrant.store(through, ordering: .sequentiallyConsistent)
                    break
                }
                try send(rtToApp.process(frame, now: now()), on: appSide, injector: &rtToApp)
                released += 1
            }
            held.removeFirst(released)
            if held.isEmpty { heldGrant.store(0, ordering: .sequentiallyConsistent) }
            let current = now()
            try send(appToRT.releaseDue(now: current), on: rtSide, injector: &appToRT)
            try send(rtToApp.releaseDue(now: current), on: appSide, injector: &rtToApp)
            let counters = (appToRT.counters, rtToApp.counters)
            snapshot.withLock { $0 = counters }
        }
    }

    static func message(_ bytes: [UInt8]) -> Message? {
        bytes.withUnsafeBytes { raw in (try? FrameCodec.decode(raw))?.message }
    }
}
