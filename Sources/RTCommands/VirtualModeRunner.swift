import Synchronization
import Foundation
import RTCore
import SoCLink
import SoCLinkZMQ
import SoCWire
import ZeroMQ

/// Virtual clock mode (docs/architecture.md): one thread runs Q ticks, sends their samples and
/// `TickGrant(t+Q)`, then blocks until `TickAck(t+Q)`; everything received before the ack is
/// applied at tick t+Q. With no session (before the first `Hello`: wait; after the peer is lost:
/// continue alone in fail-safe) the ticks run without waiting.
struct VirtualModeRunner {
    let configuration: RTConfiguration

    init(_ configuration: RTConfiguration) { self.configuration = configuration }

    func run() -> Int32 {
        let board = configuration.board
        let engine = RTEngine(board: board, options: configuration.options, clock: VirtualClock(), traceTiming: false, origin: 0)
        let node = engine.node
        let resources: RTRunResources
        do {
            resources = try RTRunResources.open(configuration, clock: "virtual", quantum: configuration.quantum)
        } catch {
            return error.exitCode
        }
        let (writer, transport, status) = (resources.writer, resources.transport, resources.status)
        let drain = TraceDrain(writer: writer, node: node)
        let link = RTLink(
            machine: LinkStateMachine(configuration: configuration.linkConfiguration), transport: transport, node: node,
            clockMode: .virtual)
        let control = resources.control.map { OperatorControl($0, node: node, clockMode: .virtual) }
        say("link bound \(transport.endpoint)")
        say("rt thread timerslack=default fifo=off cpu=any mlock=off clock=virtual quantum=\(configuration.quantum)")

        let start = MonotonicClock.nanoseconds()
        var nextStatus = start
        let ackTimeout = UInt64(configuration.ackTimeoutMilliseconds) * 1_000_000
        var waitingForFirstSession = true
        var wallAtStart = start
        var failure: Int32 = 0

        func publishStatus(_ now: UInt64) {
            guard let status, now >= nextStatus else { return }
            nextStatus = now + 100_000_000
            let snapshot = StatusSnapshot(
                tMilliseconds: (now - start) / 1_000_000, mode: "virtual", boardName: board.name,
                lateness: LatencyHistogram(), roundTrip: link.roundTrip)
            status.publish(snapshot.json(node: node, link: link))
        }

        do {
            // Tick 0 waits for the first session, so that a run does not depend on when the peer connects.
            while waitingForFirstSession && !stopRequested.load(ordering: .relaxed) {
                _ = try transport.waitUntilReadable(timeoutMilliseconds: 50)
                let now = MonotonicClock.nanoseconds()
                try link.pumpInbound(now: now)
                link.pollTimers(now: now)
                publishStatus(now)
                control?.serve()
                if link.isEstablished { waitingForFirstSession = false }
            }
            wallAtStart = MonotonicClock.nanoseconds()
            let lockstep = Lockstep(link: link, transport: transport, ackTimeout: ackTimeout)
            while !stopRequested.load(ordering: .relaxed) {
                control?.serve()
                try control?.holdWhilePaused(until: { stopRequested.load(ordering: .relaxed) }) {
                    let now = MonotonicClock.nanoseconds()
                    try link.pumpInbound(now: now)
                    link.pollTimers(now: now)
                    publishStatus(now)
                }
                var count = configuration.quantum
                if let max = configuration.maxTicks {
                    if engine.nextTick >= max { break }
                    count = Int(min(UInt64(count), max - engine.nextTick))
                }
                for _ in 0..<count { engine.step() }
                drain.drain()
                let through = engine.nextTick
                link.pumpOutbound()
                if link.isEstablished {
                    try lockstep.grantAndWait(through: through)
                } else {
                    // No session: run alone in fail-safe, still answering the link (SPEC §5.2 rule 7).
                    let now = MonotonicClock.nanoseconds()
                    try link.pumpInbound(now: now)
                    link.pollTimers(now: now)
                }
                let now = MonotonicClock.nanoseconds()
                publishStatus(now)
                drain.drainConsole()
            }
        } catch {
            warn("splitsoc-rt: link failed: \(error)")
            failure = 74
        }
        let end = MonotonicClock.nanoseconds()
        drain.drain()
        link.sayGoodbye(now: end)
        drain.drainConsole()
        writer.comment("end ticks=\(engine.nextTick)")
        let digest = writer.finish()
        RunSummary(
            configuration: configuration, digest: digest, ticks: engine.nextTick,
            wallSeconds: Double(end - wallAtStart) / 1e9, traceRecords: writer.recordCount,
            settings: ThreadSettings.Outcome(), tickLateness: engine.scheduler.tickLateness, roundTrip: link.roundTrip,
            deadlineMisses: engine.scheduler.deadlineMisses, overruns: engine.scheduler.overruns,
            tasks: engine.scheduler.statistics
        ).write(node: node, link: link)
        return failure
    }
}

/// One quantum's grant and the wait for its ack (SPEC §5.2 rules 6–8). Every wait ends: with the
/// awaited ack, with the session's end (the peer lost or left), or with the ack timeout, which ends
/// the session; a new session during the wait gets the same grant again.
struct Lockstep {
    let link: RTLink
    let transport: any FrameTransport
    let ackTimeout: UInt64

    func grantAndWait(through: UInt64) throws(TransportError) {
        var session = link.sessionCount
        var sentAt = grant(through)
        while link.awaitedThrough != nil && !stopRequested.load(ordering: .relaxed) {
            guard link.isEstablished else {
                link.awaitedThrough = nil  // lost or left: the run goes on alone
                return
            }
            if link.sessionCount != session {
                // Rule 8: the outstanding grant is void; the new session gets it again.
                session = link.sessionCount
                sentAt = grant(through)
            }
            if MonotonicClock.nanoseconds() &- sentAt > ackTimeout {
                link.ackTimedOut(through: through)
                return
            }
            _ = try transport.waitUntilReadable(timeoutMilliseconds: 20)
            let now = MonotonicClock.nanoseconds()
            try link.pumpInbound(now: now)
            link.pollTimers(now: now)
        }
    }

    private func grant(_ through: UInt64) -> UInt64 {
        link.awaitedThrough = through
        link.send(OutboundMessage(kind: .tickGrant, tick: through))
        return MonotonicClock.nanoseconds()
    }
}
