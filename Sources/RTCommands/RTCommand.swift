import Synchronization
import ArgumentParser
import CoreProcessSupport
import Foundation
import RTCore
import SoCCommandLine
import SoCLinkZMQ
import SoCParameters
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

    @Option(parsing: .unconditional, help: ArgumentHelp("Virtual clock: ticks per grant (\(Parameter.quantum.span)).", valueName: "ticks"))
    var quantum: Int = 10

    @Option(parsing: .unconditional, help: ArgumentHelp("Run this many seconds (virtual clock: virtual seconds), then exit (\(Parameter.duration.span)).", valueName: "seconds"))
    var duration: Double?

    @Option(parsing: .unconditional, help: ArgumentHelp("Run this many ticks, then exit.", valueName: "n"))
    var ticks: UInt64?

    @Option(parsing: .unconditional, help: ArgumentHelp("Seed of the plant noise and fault injection (0 or more).", valueName: "n"))
    var seed: UInt64 = 1

    @Option(help: ArgumentHelp("Write the run's trace to this file (docs/trace-format.md).", valueName: "file"))
    var trace: String?

    @Option(help: ArgumentHelp("Write a JSON summary of the run to this file.", valueName: "file.json"))
    var summary: String?

    @Option(help: ArgumentHelp("Bind a PUB socket here and publish a JSON status line every 100 ms.", valueName: "endpoint"))
    var status: String?

    @Option(help: ArgumentHelp("Bind a REP socket here for the operator: setpoint, ambient, sensor faults, I2C NACK rate; pause, resume and step (virtual clock). JSON requests (docs/process-interfaces.md).", valueName: "endpoint"))
    var control: String?

    @Option(parsing: .unconditional, help: ArgumentHelp("Operator setpoint, may be negative: milli-°C within the board's [limits] setpoint_min_mC...setpoint_max_mC; on a motor board milli-rad/s, \(Parameter.motorSpeedSetpoint.bounds) as [plant] speed_setpoint_mrad_s.", valueName: "milli-units"))
    var setpoint: Int32?

    @Option(parsing: .unconditional, help: ArgumentHelp("Ambient temperature, may be negative: \(Parameter.ambientTemperature.span), as [plant] ambient_mC.", valueName: "milli-°C"))
    var ambient: Int32?

    @Option(help: ArgumentHelp("Apply the inputs in this file at their ticks (lines `TICK setpoint|ambient|sensor|i2c-nack VALUE`).", valueName: "file"))
    var stimuli: String?

    @Option(name: .customLong("heartbeat-ms"), parsing: .unconditional, help: ArgumentHelp("Heartbeat interval (\(Parameter.heartbeatInterval.span)).", valueName: "ms"))
    var heartbeatMilliseconds: UInt16 = 50

    @Option(name: .customLong("liveness-ms"), parsing: .unconditional, help: ArgumentHelp("Peer liveness timeout (\(Parameter.livenessTimeout.span)), greater than --heartbeat-ms.", valueName: "ms"))
    var livenessMilliseconds: UInt16 = 250

    @Option(name: .customLong("ack-timeout-ms"), parsing: .unconditional, help: ArgumentHelp("Virtual clock: how long to wait for a TickAck (\(Parameter.ackTimeout.span)).", valueName: "ms"))
    var ackTimeoutMilliseconds: UInt32 = 2000

    @Option(name: .customLong("rt-priority"), parsing: .unconditional, help: ArgumentHelp("Run the tick thread SCHED_FIFO at this priority (\(Parameter.realTimePriority.span)).", valueName: "1-99"))
    var rtPriority: Int32?

    @Option(parsing: .unconditional, help: ArgumentHelp("Pin the tick thread to this CPU (\(Parameter.cpu.span)).", valueName: "n"))
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
        try validateNumbers()
        let boardDescription: BoardDescription
        do {
            boardDescription = try BoardLocator.load(board)
        } catch {
            throw ValidationError("bad --board: \(error.description)")
        }
        try validate(against: boardDescription, stimuli: try loadStimuli())
        _ = try loadLinkSecurity()
    }

    /// The ranges of `Parameter`, the same as the board file's where a board key sets the same value.
    func validateNumbers() throws(ValidationError) {
        try Parameter.quantum.validate(quantum, flag: "--quantum")
        try Parameter.duration.validate(duration, flag: "--duration")
        try Parameter.ticks.validate(ticks, flag: "--ticks")
        try Parameter.ambientTemperature.validate(ambient, flag: "--ambient")
        try Parameter.heartbeatInterval.validate(heartbeatMilliseconds, flag: "--heartbeat-ms")
        try Parameter.livenessTimeout.validate(livenessMilliseconds, flag: "--liveness-ms")
        try Parameter.ackTimeout.validate(ackTimeoutMilliseconds, flag: "--ack-timeout-ms")
        try Parameter.realTimePriority.validate(rtPriority, flag: "--rt-priority")
        try Parameter.cpu.validate(cpu, flag: "--cpu")
        guard livenessMilliseconds > heartbeatMilliseconds else {
            throw ValidationError(
                "--liveness-ms \(livenessMilliseconds) must be greater than --heartbeat-ms \(heartbeatMilliseconds)")
        }
    }

    /// What depends on the board: the operator setpoint (flag and stimuli) within the board's
    /// limits, and a duration of at least one tick.
    func validate(against board: BoardDescription, stimuli: [Stimulus]) throws(ValidationError) {
        let setpoints = board.operatorSetpointRange
        try setpoints.validate(setpoint, flag: "--setpoint")
        for stimulus in stimuli where stimulus.kind == .operatorSetpoint {
            if let refusal = setpoints.refusal(of: stimulus.value, as: "setpoint") {
                throw ValidationError("bad --stimuli: \(self.stimuli ?? ""): tick \(stimulus.tick): \(refusal)")
            }
        }
        if let duration, (duration * Double(board.tickHz)).rounded() < 1 {
            throw ValidationError(
                "--duration \(duration) is shorter than one tick of board \(board.name) (\(board.tickHz) ticks per second)")
        }
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
            linkSecurity: try loadLinkSecurity(),
            controlEndpoint: control)
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
