import ArgumentParser
import Foundation
import SoCCommandLine
import SoCParameters

/// `splitsoc rt`: the operator's inputs to a running real-time core (`splitsoc-rt --control`).
/// Each subcommand sends one request, prints the reply as one JSON line, and exits 0 if the core
/// took it, 1 if it refused it (out of range, wrong board, real clock for pause) or did not answer.
struct RTOperatorCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "rt",
        abstract: "Operate a running real-time core: setpoint, ambient, sensor faults, I2C NACK rate, pause/step.",
        discussion: """
            Values are checked by the core against the same ranges as the board file and \
            splitsoc-rt's flags; an accepted input reaches the next tick and is traced as an `input` \
            record. `splitsoc demo` and `splitsoc studio` print or use the control endpoint.
            """,
        subcommands: [
            Setpoint.self, Ambient.self, Sensor.self, I2CNack.self, Pause.self, Resume.self, Step.self, Status.self,
        ]
    )

    /// Options shared by the subcommands.
    struct Options: ParsableArguments {
        @Option(help: "The real-time core's control endpoint (splitsoc-rt --control).")
        var control: String

        @Option(parsing: .unconditional, help: "How long to wait for the reply (\(Parameter.replyTimeout.span)).")
        var timeoutMs: Int32 = 5_000

        func validate() throws {
            try Parameter.replyTimeout.validate(timeoutMs, flag: "--timeout-ms")
        }

        func send(_ request: [String: Any]) throws {
            let client = AppControlClient(endpoint: control, timeoutMilliseconds: timeoutMs, peer: "the real-time core")
            try OperatorReply.send(request, with: client, command: "splitsoc rt")
        }
    }

    struct Setpoint: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Set the operator setpoint (milli-°C; milli-rad/s on a motor board), within the board's limits.")
        @OptionGroup var options: Options
        @Argument(help: "The setpoint in milli-units (may be negative on a motor board).") var value: Int32
        func run() throws { try options.send(["op": "setpoint", "value": value]) }
    }

    struct Ambient: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Set the ambient temperature of a thermal plant (\(Parameter.ambientTemperature.span)).")
        @OptionGroup var options: Options
        @Argument(help: "The ambient temperature in milli-°C.") var value: Int32
        func run() throws { try options.send(["op": "ambient", "value": value]) }
    }

    struct Sensor: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Break or repair the sensor: ok, stuck, noisy or out-of-range.")
        @OptionGroup var options: Options
        @Argument(help: "ok | stuck | noisy | out-of-range") var mode: String
        func run() throws { try options.send(["op": "sensor", "mode": mode]) }
    }

    struct I2CNack: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "i2c-nack", abstract: "Set the I2C NACK rate of an I2C board (\(Parameter.i2cNack.span)).")
        @OptionGroup var options: Options
        @Argument(help: "NACKs per thousand transfers.") var value: Int32
        func run() throws { try options.send(["op": "i2c-nack", "value": value]) }
    }

    struct Pause: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Hold the virtual clock before its next quantum.")
        @OptionGroup var options: Options
        func run() throws { try options.send(["op": "pause"]) }
    }

    struct Resume: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Let the virtual clock run again.")
        @OptionGroup var options: Options
        func run() throws { try options.send(["op": "resume"]) }
    }

    struct Step: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "While paused, run this many quanta of the virtual clock.")
        @OptionGroup var options: Options
        @Option(parsing: .unconditional, help: "Quanta to run (1...10000).") var quanta = 1
        func run() throws { try options.send(["op": "step", "quanta": quanta]) }
    }

    struct Status: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Print the control state: clock, paused, tick, inputs sent.")
        @OptionGroup var options: Options
        func run() throws { try options.send(["op": "status"]) }
    }
}

/// `splitsoc bridge`: switches the bridge faults of a running relay (`splitsoc relay --control`).
struct BridgeCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "bridge",
        abstract: "Switch the faults of a running relay between the cores on and off, per direction.",
        subcommands: [Faults.self, Status.self]
    )

    struct Options: ParsableArguments {
        @Option(help: "The relay's control endpoint (splitsoc relay --control).")
        var control: String

        func send(_ request: [String: Any]) throws {
            let client = AppControlClient(endpoint: control, timeoutMilliseconds: 5_000, peer: "the relay")
            try OperatorReply.send(request, with: client, command: "splitsoc bridge")
        }
    }

    struct Faults: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Replace a direction's faults (the relay's spec: drop=‰,corrupt=‰,dup=‰,delay=‰,delay-ms=N,reorder=‰; '' = none).")
        @OptionGroup var options: Options
        @Option(name: .customLong("app-to-rt"), help: "Faults on frames from the application core (omit: unchanged).")
        var appToRT: String?
        @Option(name: .customLong("rt-to-app"), help: "Faults on frames from the real-time core (omit: unchanged).")
        var rtToApp: String?

        func validate() throws {
            do {
                _ = try appToRT.map { spec throws(FaultProfileError) in try FaultProfile(spec: spec) }
                _ = try rtToApp.map { spec throws(FaultProfileError) in try FaultProfile(spec: spec) }
            } catch {
                throw ValidationError("bad fault spec: \(error)")
            }
        }

        func run() throws {
            var request: [String: Any] = ["op": "faults"]
            if let appToRT { request["app_to_rt"] = appToRT }
            if let rtToApp { request["rt_to_app"] = rtToApp }
            try options.send(request)
        }
    }

    struct Status: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Print the faults in force and the relay's counters.")
        @OptionGroup var options: Options
        func run() throws { try options.send(["op": "status"]) }
    }
}

/// Prints a control reply as one JSON line; a refusal or no answer exits 1.
enum OperatorReply {
    static func send(_ request: [String: Any], with client: AppControlClient, command: String) throws {
        let reply: [String: Any]
        do {
            reply = try client.request(request)
        } catch {
            FileHandle.standardError.write(Data("\(command): \(error)\n".utf8))
            throw ExitCode(1)
        }
        print(StudioState.text(reply))
        if reply["ok"] as? Bool != true { throw ExitCode(1) }
    }
}
