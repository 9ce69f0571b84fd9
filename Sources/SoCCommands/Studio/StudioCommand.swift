import ArgumentParser
import Foundation
import RTCore
import SoCStudio
import Synchronization

/// `splitsoc studio`: the live, interactive teaching view in a browser (issue 15).
struct StudioCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "studio",
        abstract: "Run both cores and show them live in a browser page you can poke: kill, restart, swap, setpoint, faults.",
        discussion: """
            Starts splitsoc-rt, a relay (splitsoc relay) and splitsoc-app as real processes, the \
            application core connected through the relay, and serves a page on --host:--port \
            (default http://127.0.0.1:8080/) with the two cores, the bridge, the plant, the module \
            pipeline and a timeline, live. Its buttons use the same control sockets as `splitsoc rt`, \
            `splitsoc app` and `splitsoc bridge`; "Guided tour" plays the story of `splitsoc demo`. \
            Prints `studio listening URL` when the page is up. Ctrl-C stops everything. Every asset \
            is served by this binary: no network access is needed.
            """
    )

    @Option(help: "The board: thermo-adc, thermo-i2c, motor-1k, or a board .toml file.")
    var board = "thermo-adc"

    @Option(help: "The clock: real, or virtual (pause and step work only on the virtual clock).")
    var clock = "real"

    @Option(help: "The link's transport: ipc or tcp.")
    var transport = "ipc"

    @Option(help: "The address to serve on (127.0.0.1: only this machine; 0.0.0.0 for the room's network: no authentication, anyone there can press the buttons).")
    var host = "127.0.0.1"

    @Option(parsing: .unconditional, help: "The port to serve on (0: any free port, printed).")
    var port = 8080

    @Option(parsing: .unconditional, help: "Seed of the real-time core's noise and the relay's fault decisions.")
    var seed: UInt64 = 1

    @Option(help: "Where logs and the trace go (default: splitsoc-out/studio-<timestamp>/).")
    var out: String?

    func validate() throws {
        guard ["real", "virtual"].contains(clock) else { throw ValidationError("--clock must be real or virtual, not '\(clock)'") }
        guard LinkTransportKind(rawValue: transport) != nil else {
            throw ValidationError("--transport must be ipc or tcp, not '\(transport)'")
        }
        guard (0...65_535).contains(port) else { throw ValidationError("--port \(port) is out of range: must be 0...65535") }
    }

    func run() throws {
        OrchestratorSignals.install()
        guard let root = DemoFirmware.packageRoot() else {
            throw ValidationError("cannot find the SplitSoC checkout (firmware-mock/); run from inside it")
        }
        let description: BoardDescription
        do {
            description = try BoardFile.load(board, packageRoot: root)
        } catch {
            throw ValidationError("bad --board: \(error)")
        }
        print("Building the Wasm modules…")
        let directory = out.map { URL(fileURLWithPath: $0) } ?? DemoCommand.defaultOutputDirectory(prefix: "studio")
        let configuration = StudioSession.Configuration(
            board: board, clock: clock, transport: LinkTransportKind(rawValue: transport) ?? .ipc, seed: seed,
            runDirectory: directory,
            firmware: try StudioFirmware.build(packageRoot: root, motor: description.plant == .motor))
        let session = try StudioSession(configuration: configuration)
        defer { session.stop() }
        try Self.serve(session, host: host, port: port)
    }

    /// Runs the server until it fails (a port in use) or the process is stopped by a signal.
    static func serve(_ session: StudioSession, host: String, port: Int) throws {
        let server = try StudioServer(backend: session, host: host, port: port)
        let done = DispatchSemaphore(value: 0)
        let failure = Mutex<String?>(nil)
        Task {
            do {
                try await server.run { bound in
                    print("studio listening http://\(host):\(bound)/")
                    fflush(nil)
                }
            } catch {
                failure.withLock { $0 = "\(error)" }
            }
            done.signal()
        }
        done.wait()
        if let message = failure.withLock({ $0 }) {
            FileHandle.standardError.write(Data("splitsoc studio: \(message)\n".utf8))
            throw ExitCode(69)
        }
    }
}
