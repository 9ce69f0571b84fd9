import Foundation
import SoCCommands
import SoCWire
import Testing

/// A real pair of cores for one bridge test: `splitsoc-rt` and `splitsoc-app` (calibrate-filter +
/// thermostat) started by `CoreLauncher`, their status and telemetry collected by `StatusCollector`.
final class CorePair {
    let launcher: CoreLauncher
    let collector: StatusCollector
    let directory: URL

    init(
        transport: LinkTransportKind = .ipc, clock: String = "real", rtArguments: [String] = [],
        appArguments: [String] = [], startApp: Bool = true
    ) throws {
        let root = try #require(DemoFirmware.packageRoot(startingAt: FirmwareBuilderRoot.path))
        let firmware = try DemoFirmware.build(packageRoot: root)
        directory = FileManager.default.temporaryDirectory
            .appendingPathComponent("bridge-\(getpid())-\(UInt32.random(in: 0...UInt32.max))")
        var options = CoreOptions(runDirectory: directory)
        options.transport = transport
        options.clock = clock
        options.modules = [("filter", firmware.filter), ("thermostat", firmware.thermostat)]
        options.rtExtraArguments = rtArguments
        options.appExtraArguments = appArguments
        launcher = try CoreLauncher(options: options)
        collector = StatusCollector(rtStatus: launcher.endpoints.rtStatus, appTelemetry: launcher.endpoints.appTelemetry)
        try launcher.startRealTimeCore()
        if startApp { try launcher.startApplicationCore() }
    }

    deinit {
        collector.stop()
        launcher.stop()
        try? FileManager.default.removeItem(at: directory)
    }

    var rt: ChildProcess { launcher.rt! }
    var app: ChildProcess { launcher.app! }
    var latest: RTStatus? { collector.latestRT }

    /// Polls the real-time core's status every 10 ms until `condition` holds.
    /// - Returns: the status that satisfied it and the seconds it took, or nil at the timeout.
    func waitForStatus(timeout: Duration, _ condition: (RTStatus) -> Bool) -> (status: RTStatus, seconds: Double)? {
        let start = ContinuousClock.now
        while ContinuousClock.now - start < timeout {
            if let status = latest, condition(status) { return (status, Self.seconds(ContinuousClock.now - start)) }
            usleep(10_000)
        }
        return nil
    }

    static func seconds(_ duration: Duration) -> Double {
        Double(duration.components.seconds) + Double(duration.components.attoseconds) / 1e18
    }

    /// Regulating: `normal`, link up, and commands being applied (two status messages apart), in
    /// status the real-time core published after its own time `afterMilliseconds`.
    /// By default only status newer than the latest one counts, so a stale `normal` cannot pass.
    func waitUntilRegulating(timeout: Duration, afterMilliseconds: Int? = nil) -> Double? {
        let afterMilliseconds = afterMilliseconds ?? latest?.tMs ?? 0
        let start = ContinuousClock.now
        guard let first = waitForStatus(timeout: timeout, {
            $0.tMs > afterMilliseconds && $0.state == "normal" && $0.link == "up"
        }) else { return nil }
        let applied = first.status.commandsApplied
        let remaining = timeout - (ContinuousClock.now - start)
        guard waitForStatus(timeout: remaining, { $0.state == "normal" && $0.commandsApplied > applied + 20 }) != nil
        else { return nil }
        return first.seconds
    }

    /// Stops both cores (app first) and returns the real-time core's trace, complete.
    func stopAndReadTrace() throws -> String {
        launcher.stop()
        return try String(contentsOf: launcher.options.traceURL, encoding: .utf8)
    }

    /// The real-time core's summary, written at its exit.
    func summary() throws -> [String: Any] {
        let data = try Data(contentsOf: launcher.options.rtSummaryURL)
        return try #require(try JSONSerialization.jsonObject(with: data) as? [String: Any])
    }
}

/// Where the package is, for `DemoFirmware.packageRoot` (tests run from any directory).
enum FirmwareBuilderRoot {
    static let path = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent().path
}

/// The safety property of SPEC §4.8, checked on a whole trace: no command is accepted outside
/// `normal`, and every actuator value stays inside `limits`.
struct TraceSafetyCheck {
    var acceptedOutsideNormal: [String] = []
    var actuatorOutsideLimits: [String] = []
    var failSafeEntries = 0
    var failSafeExits = 0
    /// The run ended in fail-safe because the application core said Goodbye when it was stopped.
    var endedByGoodbye = false
    /// Every fail-safe was left again, except the one a clean stop causes.
    var everyFailSafeLeft: Bool { failSafeEntries == failSafeExits + (endedByGoodbye ? 1 : 0) }

    init(trace: String, limits: ClosedRange<Int>) {
        var state = "starting"
        for line in trace.split(separator: "\n") where !line.hasPrefix("#") {
            let words = line.split(separator: " ")
            guard words.count >= 2 else { continue }
            switch words[1] {
            case "state":
                state = Self.value(of: "to", in: words) ?? state
                endedByGoodbye = state == "failsafe" && Self.value(of: "reason", in: words) == "peer-left"
                if state == "failsafe" { failSafeEntries += 1 } else if Self.value(of: "from", in: words) == "failsafe" {
                    failSafeExits += 1
                }
            case "cmd-accept" where state != "normal":
                acceptedOutsideNormal.append(String(line))
            case "actuator":
                if let value = Self.value(of: "value", in: words).flatMap({ Int($0) }), !limits.contains(value) {
                    actuatorOutsideLimits.append(String(line))
                }
            default:
                break
            }
        }
    }

    static func value(of key: String, in words: [Substring]) -> String? {
        words.first { $0.hasPrefix(key + "=") }.map { String($0.dropFirst(key.count + 1)) }
    }
}
