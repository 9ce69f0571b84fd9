import Foundation
import SoCStudio

#if canImport(Glibc)
import Glibc
#endif

/// The running pair the studio shows: both cores and a relay between them as real processes, the
/// status subscriptions, the control clients, the timeline and the guided tour. The web server
/// (`SoCStudio`) only calls `stateJSON()` and `perform(action:parameters:)`.
///
/// Thread-safe: every mutable member is touched under `lock`; the monitor thread and the server's
/// request threads share it.
final class StudioSession: StudioBackend, @unchecked Sendable {
    // @unchecked: `timeline`, `tour`, `lastRT`, `launcher`'s app restarts and `appStartedAt` are
    // only touched under `lock`; everything else is immutable or thread-safe itself.
    struct Configuration: Sendable {
        var board = "thermo-adc"
        var clock = "real"
        var transport: LinkTransportKind = .ipc
        var seed: UInt64 = 1
        var runDirectory: URL
        var firmware: StudioFirmware
    }

    let configuration: Configuration
    let launcher: CoreLauncher
    let collector: StatusCollector
    let rtControl: AppControlClient
    let appControl: AppControlClient
    let bridgeControl: AppControlClient
    private let relay: ChildProcess
    private let lock = NSLock()
    private var timeline = StudioTimeline()
    private var tour: StudioTour?
    private var lastRT: RTStatus?
    private var paused = false
    private var running = true
    private var appPid: Int32?
    /// Serialises the actions (buttons and the tour): `CoreLauncher` is not thread-safe.
    private let actionLock = NSLock()

    /// Starts the real-time core, the relay and the application core (connected through the relay).
    /// - Throws: `OrchestrationError` when a process does not start; those already started are stopped.
    init(configuration: Configuration) throws {
        self.configuration = configuration
        var options = CoreOptions(runDirectory: configuration.runDirectory)
        options.board = configuration.board
        options.clock = configuration.clock
        options.transport = configuration.transport
        options.seed = configuration.seed
        options.modules = configuration.firmware.pipeline
        launcher = try CoreLauncher(options: options)
        let endpoints = launcher.endpoints
        rtControl = AppControlClient(endpoint: endpoints.rtControl, timeoutMilliseconds: 3_000, peer: "the real-time core")
        appControl = AppControlClient(endpoint: endpoints.appControl, timeoutMilliseconds: 8_000)
        bridgeControl = AppControlClient(endpoint: endpoints.relayControl, timeoutMilliseconds: 3_000, peer: "the relay")
        relay = ChildProcess(
            name: "relay", executable: Executables.url("splitsoc"),
            arguments: [
                "relay", "--listen", endpoints.relayListen, "--connect", endpoints.link, "--control",
                endpoints.relayControl, "--seed", String(configuration.seed),
            ], logDirectory: configuration.runDirectory)
        // The page needs only the newest status: keep a minute of history, not a whole lesson's.
        collector = StatusCollector(rtStatus: endpoints.rtStatus, appTelemetry: endpoints.appTelemetry, historyLimit: 600)
        do {
            try launcher.startRealTimeCore()
            try relay.start()
            try relay.waitForLine(containing: "relay listening", timeout: .seconds(10))
            try launcher.startApplicationCore(waitForSession: true, via: endpoints.relayListen)
        } catch {
            stop()
            throw error
        }
        appPid = launcher.app?.pid
        note("studio", "both cores up: rt pid \(launcher.rt?.pid ?? 0), app pid \(launcher.app?.pid ?? 0), relay between them")
        let monitor = Thread { [self] in monitorLoop() }
        monitor.name = "studio-monitor"
        monitor.start()
    }

    /// Stops the tour, the monitor, the cores and the relay (idempotent).
    func stop() {
        lock.withLock { running = false }
        collector.stop()
        launcher.app?.terminate(grace: .seconds(3))
        relay.terminate()
        launcher.rt?.terminate(grace: .seconds(5))
    }

    // MARK: State

    func stateJSON() -> String {
        let latest = collector.latest()
        let now = collector.elapsed
        let state = lock.withLock {
            StudioState(
                t: now, board: configuration.board, plant: configuration.firmware.motor ? "motor" : "thermal",
                clock: configuration.clock, paused: paused,
                rt: latest.rt?.status, rtAlive: latest.rt.map { now - $0.time < Self.staleAfter } ?? false,
                app: latest.app?.telemetry, appAlive: latest.app.map { now - $0.time < Self.staleAfter } ?? false,
                appPid: appPid,
                events: timeline.newest(50), tour: tour?.view(at: now), modules: configuration.firmware.swappable.map(\.label))
        }
        return state.json()
    }

    /// A core whose last status is older than this is shown as silent (they publish at 10 Hz).
    static let staleAfter = 0.6

    /// Watches for state changes to put on the timeline, and drives the tour.
    private func monitorLoop() {
        var seenEvents = 0
        while lock.withLock({ running }) {
            let latest = collector.latest()
            for entry in latest.events.dropFirst(seenEvents) {
                note("app", StudioTimeline.describe(entry.event), at: entry.time)
            }
            seenEvents = latest.events.count
            if let status = latest.rt?.status { noteTransitions(to: status, at: latest.rt?.time ?? 0) }
            advanceTour()
            Thread.sleep(forTimeInterval: 0.1)
        }
    }

    private func noteTransitions(to status: RTStatus, at time: Double) {
        let previous = lock.withLock {
            defer { lastRT = status }
            return lastRT
        }
        for line in StudioTimeline.transitions(from: previous, to: status) { note("rt", line, at: time) }
    }

    func note(_ source: String, _ text: String, at time: Double? = nil) {
        let at = time ?? collector.elapsed
        lock.withLock { timeline.append(StudioEvent(at: at, source: source, text: text)) }
    }

    // MARK: Tour

    private func advanceTour() {
        let now = collector.elapsed
        let due = lock.withLock { tour?.takeDuePhase(at: now) }
        if let phase = due { actionLock.withLock { perform(phase) } }
    }

    /// What the demo's story does in each phase, done with the studio's own buttons.
    private func perform(_ phase: DemoPhase) {
        note("tour", "\(phase.shortTitle): \(phase.story)")
        let firmware = configuration.firmware
        switch phase {
        case .regulation: break
        case .hotSwap: _ = swap(to: firmware.swappable.first { $0.role == .upgrade })
        case .moduleFault: _ = swap(to: firmware.swappable.first { $0.role == .faulty })
        case .appKilled: _ = killApp()
        case .recovery: _ = restartApp()
        }
    }

    // MARK: Actions

    func perform(action: String, parameters: [String: String]) -> String {
        StudioState.text(actionLock.withLock { act(action, parameters) })
    }

    private func act(_ action: String, _ parameters: [String: String]) -> [String: Any] {
        let reply: [String: Any]
        switch action {
        case "kill-app": reply = killApp()
        case "restart-app": reply = restartApp()
        case "swap": reply = swap(to: configuration.firmware.swappable.first { $0.label == parameters["module"] })
        case "setpoint", "ambient", "i2c-nack": reply = rtInput(action, parameters["value"])
        case "sensor": reply = forward(rtControl, ["op": "sensor", "mode": parameters["mode"] ?? ""], "sensor \(parameters["mode"] ?? "")")
        case "pause", "resume", "step": reply = clock(action)
        case "bridge": reply = bridgeFaults(parameters)
        case "tour": reply = startTour()
        default: reply = ["ok": false, "error": "unknown action '\(action)'"]
        }
        return reply
    }

    private func killApp() -> [String: Any] {
        guard let app = launcher.app, app.isRunning else { return ["ok": false, "error": "the application core is not running"] }
        app.send(signal: SIGKILL)
        _ = app.waitForExit(timeout: .seconds(2))
        lock.withLock { appPid = nil }
        note("studio", "SIGKILL sent to splitsoc-app (pid \(app.pid)): watch the real-time core go fail-safe on its own")
        return ["ok": true, "pid": Int(app.pid)]
    }

    private func restartApp() -> [String: Any] {
        launcher.app?.terminate(grace: .seconds(2))
        do {
            let app = try launcher.startApplicationCore(waitForSession: false, via: launcher.endpoints.relayListen)
            lock.withLock { appPid = app.pid }
            note("studio", "splitsoc-app started again (pid \(app.pid)): a new Hello, a new session")
            return ["ok": true, "pid": Int(app.pid)]
        } catch {
            note("studio", "could not start splitsoc-app: \(error)")
            return ["ok": false, "error": "\(error)"]
        }
    }

    private func swap(to module: StudioFirmware.Module?) -> [String: Any] {
        guard let module else { return ["ok": false, "error": "unknown module"] }
        note("studio", "swap requested: \(module.slot) -> \(module.label)")
        return forward(appControl, ["op": "swap", "slot": module.slot, "path": module.path], nil)
    }

    private func rtInput(_ op: String, _ value: String?) -> [String: Any] {
        guard let value, let number = Int(value) else { return ["ok": false, "error": "\(op) needs an integer value"] }
        return forward(rtControl, ["op": op, "value": number], "\(op) \(number)")
    }

    private func clock(_ op: String) -> [String: Any] {
        let reply = forward(rtControl, ["op": op], op)
        if let state = reply["paused"] as? Bool { lock.withLock { paused = state } }
        return reply
    }

    private func bridgeFaults(_ parameters: [String: String]) -> [String: Any] {
        let request: [String: Any] = [
            "op": "faults", "app_to_rt": parameters["app_to_rt"] ?? "", "rt_to_app": parameters["rt_to_app"] ?? "",
        ]
        let label = "bridge faults app→rt '\(parameters["app_to_rt"] ?? "")' rt→app '\(parameters["rt_to_app"] ?? "")'"
        return forward(bridgeControl, request, label)
    }

    /// Sends a control request and notes the outcome on the timeline (`label` nil: only failures).
    private func forward(_ client: AppControlClient, _ request: [String: Any], _ label: String?) -> [String: Any] {
        do {
            let reply = try client.request(request)
            if reply["ok"] as? Bool == true {
                if let label { note("studio", label) }
            } else {
                note("studio", "\(label ?? "request") refused: \(reply["error"] ?? "no reason given")")
            }
            return reply
        } catch {
            note("studio", "\(label ?? "request") failed: \(error)")
            return ["ok": false, "error": "\(error)"]
        }
    }

    private func startTour() -> [String: Any] {
        let phases = DemoPhase.allCases
        let now = collector.elapsed
        lock.withLock { tour = StudioTour(start: now, schedule: DemoSchedule(duration: StudioTour.duration, phases: phases)) }
        note("studio", "guided tour started: the story of `splitsoc demo` in \(Int(StudioTour.duration)) s")
        return ["ok": true]
    }
}
