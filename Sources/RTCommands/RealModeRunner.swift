import CSystemShims
import Foundation
import RTCore
import SoCLink
import SoCLinkZMQ
import SoCWire
import Synchronization
import ZeroMQ

/// Real clock mode: a tick thread (scheduler on CLOCK_MONOTONIC; no ZeroMQ, no allocation, no
/// locks, no printing), an I/O thread (socket, link state machine, trace file, status) and the
/// main thread (signals, duration). They share only the node's SPSC rings, an eventfd the tick
/// thread signals after each tick, and atomics.
struct RealModeRunner {
    let configuration: RTConfiguration

    init(_ configuration: RTConfiguration) { self.configuration = configuration }

    /// State shared by the three threads.
    final class Shared: Sendable {
        let stopTicks = Atomic<Bool>(false)
        let tickThreadDone = Atomic<Bool>(false)
        let ioDone = Atomic<Bool>(false)
        /// CLOCK_MONOTONIC of tick 0's release, published by the tick thread before its first tick.
        let origin = Atomic<UInt64>(0)
        /// Per-tick wake-up lateness (ns) for the I/O thread's windowed percentiles.
        let lateness = SPSCRing<UInt64>(minimumCapacity: 1 << 14, filler: 0)
        let eventFD: Int32 = splitsoc_eventfd_create()
    }

    func run() -> Int32 {
        let board = configuration.board
        let engine = RTEngine(
            board: board, options: configuration.options, clock: MonotonicClock(), traceTiming: true)
        let node = engine.node
        let resources: RTRunResources
        do {
            resources = try RTRunResources.open(configuration, clock: "real", quantum: 1)
        } catch {
            return error.exitCode
        }
        let (writer, transport, status) = (resources.writer, resources.transport, resources.status)
        let link = RTLink(
            machine: LinkStateMachine(configuration: configuration.linkConfiguration), transport: transport, node: node,
            clockMode: .real)
        let shared = Shared()
        var outcome = ThreadSettings.Outcome()
        configuration.threadSettings.applyProcessWide(&outcome)
        let settingsBox = SettingsBox(outcome)
        say("link bound \(transport.endpoint)")

        let start = MonotonicClock.nanoseconds()
        // The tick thread owns the engine; the I/O thread only touches the node's rings, its
        // telemetry atomics and its immutable board (all safe across threads).
        let engineBox = HandOver(engine)
        let settings = configuration.threadSettings
        let maxTicks = configuration.maxTicks
        let tickThread = JoinableThread(name: "ssoc-tick") {
            let engine = engineBox.value
            var applied = settingsBox.value
            settings.applyToCurrentThread(&applied)
            settingsBox.set(applied)
            let period = engine.scheduler.periodNanoseconds
            let first = MonotonicClock.nanoseconds() &+ period
            engine.anchorNextTick(at: first)
            shared.origin.store(first, ordering: .releasing)
            while !shared.stopTicks.load(ordering: .relaxed) {
                if let maxTicks, engine.nextTick >= maxTicks { break }
                let tick = engine.nextTick
                let report = engine.step()
                shared.lateness.tryPush(report.lateness)
                engine.node.outbound.tryPush(OutboundMessage(kind: .tickGrant, tick: tick &+ 1))
                // The tick's one syscall (a non-blocking eventfd write): it wakes the I/O thread to
                // send this tick's frames now, instead of at the end of its 5 ms poll timeout.
                splitsoc_eventfd_signal(shared.eventFD)
            }
            shared.tickThreadDone.store(true, ordering: .releasing)
            splitsoc_eventfd_signal(shared.eventFD)
        }

        let control = resources.control.map { OperatorControl($0, node: node, clockMode: .real) }
        let ioBox = HandOver((link, writer, status, transport.pollItem(events: .readable), control))
        let ioResult = HandOver(IOResult())
        let ioThread = JoinableThread(name: "ssoc-io") {
            let (link, writer, status, linkPollItem, control) = ioBox.value
            IOLoop(
                link: link, linkPollItem: linkPollItem, writer: writer, status: status, shared: shared, start: start,
                boardName: board.name, control: control)
                .run(result: ioResult.value)
            shared.ioDone.store(true, ordering: .releasing)
        }

        // Main thread: print the thread settings once applied, then wait for the end.
        var printedSettings = false
        while !shared.ioDone.load(ordering: .acquiring) {
            if stopRequested.load(ordering: .relaxed) { shared.stopTicks.store(true, ordering: .relaxed) }
            if !printedSettings && shared.origin.load(ordering: .acquiring) != 0 {
                printedSettings = true
                say(settingsBox.value.line)
            }
            usleep(5_000)
        }
        // The I/O thread also ends on a link failure: stop the ticks too before joining.
        shared.stopTicks.store(true, ordering: .relaxed)
        tickThread.join()
        ioThread.join()
        let end = MonotonicClock.nanoseconds()
        close(shared.eventFD)
        let result = ioResult.value
        RunSummary(
            configuration: configuration, digest: result.digest, ticks: engine.nextTick,
            wallSeconds: Double(end - start) / 1e9, traceRecords: writer.recordCount,
            settings: settingsBox.value, tickLateness: engine.scheduler.tickLateness,
            roundTrip: link.roundTrip, deadlineMisses: engine.scheduler.deadlineMisses,
            overruns: engine.scheduler.overruns, tasks: engine.scheduler.statistics
        ).write(node: node, link: link)
        return result.failure
    }
}

/// What the I/O thread reports back.
final class IOResult {
    var digest = ""
    var failure: Int32 = 0
}

/// The I/O thread's loop.
struct IOLoop {
    let link: RTLink
    /// The link socket's poll item (the socket is owned by `link`'s transport and outlives the loop).
    let linkPollItem: ZMQPollItem
    let writer: TraceWriter
    let status: StatusPublisher?
    let shared: RealModeRunner.Shared
    let start: UInt64
    let boardName: String
    /// The operator's control socket, served between ticks (OperatorControl.swift).
    let control: OperatorControl?

    func run(result: IOResult) {
        let node = link.node
        let drain = TraceDrain(writer: writer, node: node)
        var windowLateness = LatencyHistogram()
        var nextStatus = start &+ 100_000_000
        var statusCount = 0
        var items = [linkPollItem, ZMQPollItem(fileDescriptor: shared.eventFD, events: .readable)]
        while shared.origin.load(ordering: .acquiring) == 0 { usleep(100) }
        link.origin = shared.origin.load(ordering: .acquiring)
        do {
            while true {
                let finished = shared.tickThreadDone.load(ordering: .acquiring)
                _ = try ZMQPollItem.poll(&items, timeoutMilliseconds: finished ? 0 : 5)
                _ = splitsoc_eventfd_drain(shared.eventFD)
                let now = MonotonicClock.nanoseconds()
                try link.pumpInbound(now: now)
                link.pumpOutbound()
                link.pollTimers(now: now)
                control?.serve()
                drain.drain()
                drain.drainConsole()
                while let lateness = shared.lateness.tryPop() { windowLateness.record(lateness) }
                if now >= nextStatus {
                    nextStatus = now &+ 100_000_000
                    statusCount += 1
                    if let status {
                        let snapshot = StatusSnapshot(
                            tMilliseconds: (now &- start) / 1_000_000, mode: "real", boardName: boardName,
                            lateness: windowLateness, roundTrip: link.roundTripWindow)
                        status.publish(snapshot.json(node: node, link: link))
                    }
                    if statusCount % 10 == 0 {  // the status percentiles cover about the last second
                        windowLateness.reset()
                        link.roundTripWindow.reset()
                    }
                }
                if finished && node.outbound.count == 0 && node.trace.count == 0 { break }
            }
        } catch {
            warn("splitsoc-rt: link failed: \(error)")
            result.failure = 74
        }
        link.sayGoodbye(now: MonotonicClock.nanoseconds())
        drain.drain()
        writer.comment("end ticks=\(node.telemetry.tick.load(ordering: .relaxed) + 1)")
        result.digest = writer.finish()
    }
}
