import ArgumentParser
import Foundation
import SoCCommandLine
import SoCParameters

/// `splitsoc app`: talks to a running application core's control socket (`splitsoc-app --control`).
struct AppControlCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "app",
        abstract: "Control a running application core: hot-swap a module, read its status, stop it, start it again.",
        subcommands: [
            AppSwapCommand.self, AppStatusCommand.self, AppQuitCommand.self, AppStartCommand.self, AppRestartCommand.self,
        ]
    )
}

/// Options shared by the `app` subcommands.
struct AppControlOptions: ParsableArguments {
    @Option(help: "The application core's control endpoint (splitsoc-app --control; `splitsoc demo` prints it).")
    var control: String

    @Option(parsing: .unconditional, help: "How long to wait for the reply (\(Parameter.replyTimeout.span)).")
    var timeoutMs: Int32 = 10_000

    func validate() throws {
        try Parameter.replyTimeout.validate(timeoutMs, flag: "--timeout-ms")
    }

    var client: AppControlClient { AppControlClient(endpoint: control, timeoutMilliseconds: timeoutMs) }

    /// Prints `reply` as one line of JSON (sorted keys) on stdout.
    func printReply(_ reply: [String: Any]) {
        let data = (try? JSONSerialization.data(withJSONObject: reply, options: [.sortedKeys, .withoutEscapingSlashes]))
            ?? Data("{}".utf8)
        FileHandle.standardOutput.write(data + Data("\n".utf8))
    }
}

/// `splitsoc app swap`: replaces the module of a slot while the pipeline runs.
struct AppSwapCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "swap",
        abstract: "Hot-swap the module of a slot with a new .wasm file.",
        discussion: """
            The new module must keep the slot's module name (its manifest's `name`). It is compiled, \
            checked and initialised between two batches; if it is refused, the running version keeps \
            going. A swapped-in version is on probation: if it faults during its first batches, the \
            application core rolls back to the previous version by itself. Prints the reply \
            ({"ok":true,"from":"1.0","to":"1.1"}) and exits 0, or prints the error and exits 1.
            """
    )

    @OptionGroup var options: AppControlOptions

    @Option(help: "The slot to swap (the SLOT of splitsoc-app --module SLOT=PATH; the demo uses filter and regulator).")
    var slot: String

    @Option(help: "The new module (.wasm, with its splitsoc.manifest section).")
    var path: String

    func validate() throws {
        guard FileManager.default.fileExists(atPath: path) else {
            throw ValidationError("no such file: \(path)")
        }
    }

    func run() throws {
        // The application core resolves the path in its own working directory: send it absolute.
        let absolute = URL(fileURLWithPath: path).standardizedFileURL.path
        let reply: [String: Any]
        do {
            reply = try options.client.swap(slot: slot, path: absolute)
        } catch {
            FileHandle.standardError.write(Data("splitsoc app swap: \(error)\n".utf8))
            throw ExitCode(1)
        }
        options.printReply(reply)
        if reply["ok"] as? Bool != true { throw ExitCode(1) }
    }
}

/// `splitsoc app status`: prints the application core's status object.
struct AppStatusCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "status",
        abstract: "Print the application core's status (modules, versions, counters) as JSON."
    )

    @OptionGroup var options: AppControlOptions

    func run() throws {
        do {
            options.printReply(try options.client.status())
        } catch {
            FileHandle.standardError.write(Data("splitsoc app status: \(error)\n".utf8))
            throw ExitCode(1)
        }
    }
}

/// `splitsoc app quit`: asks the application core to exit cleanly.
struct AppQuitCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "quit",
        abstract: "Ask the application core to send Goodbye and exit."
    )

    @OptionGroup var options: AppControlOptions

    func run() throws {
        do {
            options.printReply(try options.client.request(["op": "quit"]))
        } catch {
            FileHandle.standardError.write(Data("splitsoc app quit: \(error)\n".utf8))
            throw ExitCode(1)
        }
    }
}

/// `splitsoc app start`: starts the application core of a running pair again, from its session file.
struct AppStartCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "start",
        abstract: "Start the application core of a running pair again (after a crash or `app quit`).",
        discussion: """
            Reads the run's session.json (written by `splitsoc demo`, `studio` and `scenario run` in \
            their output folder), refuses if an application core already answers on its control \
            endpoint, starts splitsoc-app with the same command line (logs appended to the run's \
            app.*.log), waits for its session with the real-time core and prints \
            `app started pid=N`. The new process is not a child of the run's `splitsoc`: stop it \
            with `splitsoc app quit`.
            """
    )

    @Option(help: "The run's session file (OUT/session.json).")
    var session: String

    func run() throws {
        let file = try RunSessionFile.read(session)
        let probe = AppControlClient(endpoint: file.appControl, timeoutMilliseconds: 500)
        if (try? probe.status()) != nil {
            FileHandle.standardError.write(Data("splitsoc app start: an application core already answers on \(file.appControl)\n".utf8))
            throw ExitCode(1)
        }
        try Self.start(file)
    }

    /// Starts `splitsoc-app` as the session file says and waits for its session.
    static func start(_ file: RunSessionFile) throws {
        let child = ChildProcess(
            name: "app", executable: URL(fileURLWithPath: file.appExecutable), arguments: file.appArguments,
            logDirectory: URL(fileURLWithPath: file.runDirectory), environment: ["SPLITSOC_PARENT_PID": String(file.ownerPID)])
        let offset = child.stdoutOffset
        try child.start()
        try child.waitForLine(containing: "session established", timeout: .seconds(30), afterOffset: offset)
        print("app started pid=\(child.pid)")
    }
}

/// `splitsoc app restart`: stops the running application core cleanly (Goodbye), then starts it again.
struct AppRestartCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "restart",
        abstract: "Stop the application core of a running pair (Goodbye) and start it again from its session file."
    )

    @Option(help: "The run's session file (OUT/session.json).")
    var session: String

    func run() throws {
        let file = try RunSessionFile.read(session)
        let control = AppControlClient(endpoint: file.appControl, timeoutMilliseconds: 2_000)
        // A dead core cannot answer: then there is nothing to stop.
        if (try? control.request(["op": "quit"])) != nil {
            let gone = ContinuousClock.now + .seconds(5)
            while (try? AppControlClient(endpoint: file.appControl, timeoutMilliseconds: 200).status()) != nil,
                ContinuousClock.now < gone
            {
                Thread.sleep(forTimeInterval: 0.05)
            }
        }
        try AppStartCommand.start(file)
    }
}
