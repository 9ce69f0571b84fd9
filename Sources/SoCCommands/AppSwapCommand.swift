import ArgumentParser
import Foundation
import SoCCommandLine
import SoCParameters

/// `splitsoc app`: talks to a running application core's control socket (`splitsoc-app --control`).
struct AppControlCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "app",
        abstract: "Control a running application core: hot-swap a module, read its status, stop it.",
        subcommands: [AppSwapCommand.self, AppStatusCommand.self, AppQuitCommand.self]
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
