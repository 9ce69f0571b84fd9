import Synchronization
import ArgumentParser
import CoreProcessSupport
import Foundation
import RTCore
import SoCLinkZMQ
import SoCWire

/// `splitsoc-rt`: the real-time core process (docs/process-interfaces.md).
public struct RTCommand: ParsableCommand {
    public static let configuration = CommandConfiguration(
        commandName: "splitsoc-rt",
        abstract: "The SplitSoC real-time core: a deterministic periodic loop with mock peripherals, a plant and a safety supervisor.",
        discussion: """
            Binds --link and waits for the application core. Prints `link bound ENDPOINT` when ready, \
            `session established session=N ...` per handshake, `failsafe entered reason=R tick=T` and \
            `failsafe left tick=T` on supervisor transitions, and `trace digest sha256:HEX` at exit.
            Boards: firmware-mock/boards/*.toml (thermo-adc, thermo-i2c, motor-1k).
            """)

    @Option(help: ArgumentHelp("Board name (firmware-mock/boards/NAME.toml) or path to a board .toml file.", valueName: "name|path.toml"))
    var board: String = "thermo-adc"

    @Option(help: ArgumentHelp("Link endpoint to bind (ipc://PATH or tcp://HOST:PORT).", valueName: "endpoint"))
    var link: String?

    @Option(help: ArgumentHelp("Clock mode: real (CLOCK_MONOTONIC) or virtual (lockstep with the application core).", valueName: "real|virtual"))
    var clock: ClockChoice = .real

    @Option(help: ArgumentHelp("Virtual clock: ticks per grant.", valueName: "ticks"))
    var quantum: Int = 10

    @Option(help: ArgumentHelp("Run this many seconds (virtual clock: virtual seconds), then exit.", valueName: "seconds"))
    var duration: Double?

    @Option(help: ArgumentHelp("Run this many ticks, then exit.", valueName: "n"))
    var ticks: UInt64?

    @Option(help: ArgumentHelp("Seed of the plant noise and fault injection.", valueName: "n"))
    var seed: UInt64 = 1

    @Option(help: ArgumentHelp("Write the run's trace to this file (docs/trace-format.md).", valueName: "file"))
    var trace: String?

    @Option(help: ArgumentHelp("Write a JSON summary of the run to this file.", valueName: "file.json"))
    var summary: String?

    @Option(help: ArgumentHelp("Bind a PUB socket here and publish a JSON status line every 100 ms.", valueName: "endpoint"))
    var status: String?

    @Option(help: ArgumentHelp("Operator setpoint (milli-°C; milli-rad/s on a motor board).", valueName: "milli-units"))
    var setpoint: Int32?

    @Option(help: ArgumentHelp("Ambient temperature (milli-°C).", valueName: "milli-°C"))
    var ambient: Int32?

    @Option(help: ArgumentHelp("Apply the inputs in this file at their ticks (lines `TICK setpoint|ambient|sensor|i2c-nack VALUE`).", valueName: "file"))
    var stimuli: String?

    @Option(name: .customLong("heartbeat-ms"), help: ArgumentHelp("Heartbeat interval (ms).", valueName: "ms"))
    var heartbeatMilliseconds: UInt16 = 50

    @Option(name: .customLong("liveness-ms"), help: ArgumentHelp("Peer liveness timeout (ms).", valueName: "ms"))
    var livenessMilliseconds: UInt16 = 250

    @Option(name: .customLong("ack-timeout-ms"), help: ArgumentHelp("Virtual clock: how long to wait for a TickAck (ms).", valueName: "ms"))
    var ackTimeoutMilliseconds: UInt32 = 2000

    @Option(name: .customLong("rt-priority"), help: ArgumentHelp("Run the tick thread SCHED_FIFO at this priority (1-99).", valueName: "1-99"))
    var rtPriority: Int32?

    @Option(help: ArgumentHelp("Pin the tick thread to this CPU.", valueName: "n"))
    var cpu: Int32?

    @Flag(help: "Lock the process's memory (mlockall).")
    var mlock = false

    @Option(
        name: .customLong("curve-secret-key"),
        help: ArgumentHelp("Authenticate the link with CURVE as its server, with this secret key (splitsoc keys generate).", valueName: "file.key"))
    var curveSecretKey: String?

    @Option(
        name: .customLong("curve-allow"),
        help: ArgumentHelp("With --curve-secret-key: allow the application core holding this public key (repeatable: the allow-list).", valueName: "file.pub"))
    var curveAllow: [String] = []

    @Flag(name: .customLong("allow-shared-ipc-dir"), help: "Bind an ipc:// link even in a directory other users can open (or an abstract socket).")
    var allowSharedIPCDirectory = false

    @Flag(name: .customLong("bench-lateness"), help: "Benchmark: run the tick loop alone (no link) and print wake-up lateness p50/p99/max.")
    var benchLateness = false

    public init() {}

    enum ClockChoice: String, ExpressibleByArgument, CaseIterable {
        case real, virtual
    }

    public mutating func validate() throws {
        if link == nil && !benchLateness { throw ValidationError("--link ENDPOINT is required") }
        guard (1...10_000).contains(quantum) else { throw ValidationError("--quantum must be 1...10000 ticks") }
        if let duration, !(duration > 0) { throw ValidationError("--duration must be positive") }
        if let ticks, ticks == 0 { throw ValidationError("--ticks must be positive") }
        if let rtPriority, !(1...99).contains(rtPriority) { throw ValidationError("--rt-priority must be 1...99") }
        if let cpu, cpu < 0 { throw ValidationError("--cpu must be ≥ 0") }
        guard heartbeatMilliseconds > 0, livenessMilliseconds > heartbeatMilliseconds else {
            throw ValidationError("--liveness-ms must be greater than --heartbeat-ms (> 0)")
        }
        do {
            _ = try BoardLocator.load(board)
        } catch {
            throw ValidationError("bad --board: \(error.description)")
        }
        _ = try loadStimuli()
        _ = try loadLinkSecurity()
    }

    /// The link security the flags ask for.
    /// - Throws: `ValidationError` for an incomplete pair of flags, an inproc:// link, or a bad key file.
    func loadLinkSecurity() throws -> RTLinkSecurity {
        guard let curveSecretKey else {
            if !curveAllow.isEmpty { throw ValidationError("--curve-allow needs --curve-secret-key FILE.key") }
            return RTLinkSecurity(allowSharedIPCDirectory: allowSharedIPCDirectory)
        }
        guard !curveAllow.isEmpty else {
            throw ValidationError("--curve-secret-key needs at least one --curve-allow FILE.pub (the application cores allowed to connect)")
        }
        do {
            let security = try RTLinkSecurity.curveServer(secretKeyPath: curveSecretKey, allowPaths: curveAllow)
            guard security.supports(endpoint: link ?? "") else {
                throw ValidationError("CURVE needs a tcp:// or ipc:// --link (inproc:// has no handshake), not \(link ?? "")")
            }
            return RTLinkSecurity(security: security, allowSharedIPCDirectory: allowSharedIPCDirectory)
        } catch let error as LinkKeyFileError {
            throw ValidationError("bad key file \(error)")
        }
    }

    func loadStimuli() throws -> [Stimulus] {
        guard let stimuli else { return [] }
        guard let data = FileManager.default.contents(atPath: stimuli) else {
            throw ValidationError("bad --stimuli: cannot read \(stimuli)")
        }
        do {
            return try Stimulus.parseFile(String(decoding: data, as: UTF8.self), source: stimuli)
        } catch {
            throw ValidationError("bad --stimuli: \(error.description)")
        }
    }

    public func run() throws {
        installStopHandlers()
        // Started by `splitsoc`: stop (cleanly, through SIGTERM) if it dies, even by SIGKILL.
        ParentWatchdog.startIfRequested()
        let boardDescription: BoardDescription
        do {
            boardDescription = try BoardLocator.load(board)
        } catch {
            throw ValidationError("bad --board: \(error.description)")
        }
        let configuration = RTConfiguration(
            board: boardDescription, link: link ?? "", clockMode: clock == .virtual ? .virtual : .real,
            quantum: clock == .virtual ? quantum : 1,
            maxTicks: ticks ?? duration.map { UInt64(($0 * Double(boardDescription.tickHz)).rounded()) },
            options: RTRunOptions(seed: seed, setpoint: setpoint, ambientMilliC: ambient, stimuli: try loadStimuli()),
            tracePath: trace, summaryPath: summary, statusEndpoint: status,
            heartbeatMilliseconds: heartbeatMilliseconds, livenessMilliseconds: livenessMilliseconds,
            ackTimeoutMilliseconds: ackTimeoutMilliseconds,
            threadSettings: ThreadSettings(priority: rtPriority, cpu: cpu, lockMemory: mlock),
            linkSecurity: try loadLinkSecurity())
        if benchLateness {
            LatenessBenchmark.run(configuration, seconds: duration ?? 5)
            return
        }
        let code: Int32 = configuration.clockMode == .virtual
            ? VirtualModeRunner(configuration).run() : RealModeRunner(configuration).run()
        if code != 0 { throw ExitCode(code) }
    }
}

/// The entry point of the `splitsoc-rt` executable (so `main.swift` needs only this module).
public enum SplitSoCRT {
    /// Parses the command line and runs the real-time core; exits the process.
    public static func main() { RTCommand.main() }
}
