import Foundation

#if canImport(Glibc)
import Glibc
#endif

/// Which transport carries the link between the two cores.
public enum LinkTransportKind: String, CaseIterable, Sendable {
    case ipc
    case tcp
}

/// The endpoints of one run: the link, and the local observation/control sockets.
public struct CoreEndpoints: Sendable {
    /// The bridge between the cores (ipc:// or tcp://127.0.0.1:PORT).
    public var link: String
    /// The real-time core's status PUB.
    public var rtStatus: String
    /// The application core's telemetry PUB.
    public var appTelemetry: String
    /// The application core's control REP.
    public var appControl: String
    /// The real-time core's operator control REP (`splitsoc-rt --control`; `splitsoc rt …`).
    public var rtControl: String
    /// Where a relay between the cores listens for the application core (`splitsoc relay --listen`).
    public var relayListen: String
    /// The relay's control REP (`splitsoc relay --control`; `splitsoc bridge …`).
    public var relayControl: String
}

/// What to run: the board, the clock, the modules and where to put the files.
public struct CoreOptions: Sendable {
    public var board: String = "thermo-adc"
    public var transport: LinkTransportKind = .ipc
    public var clock: String = "real"
    public var quantum: Int = 10
    public var seed: UInt64 = 1
    /// The real-time core stops by itself after this long (nil: until stopped).
    public var durationSeconds: Double?
    /// Pipeline of the application core, in order.
    public var modules: [(slot: String, path: String)] = []
    /// Logs, trace and summary go here.
    public var runDirectory: URL
    public var rtExtraArguments: [String] = []
    public var appExtraArguments: [String] = []

    public init(runDirectory: URL) { self.runDirectory = runDirectory }

    /// The real-time core's trace file.
    public var traceURL: URL { runDirectory.appendingPathComponent("rt.trace") }
    /// The real-time core's end-of-run summary.
    public var rtSummaryURL: URL { runDirectory.appendingPathComponent("rt-summary.json") }
}

/// Finds the sibling executables `splitsoc-rt` and `splitsoc-app`.
public enum Executables {
    /// `$SPLITSOC_BIN_DIR` when set, else the directory of the running executable (SwiftPM puts
    /// all products, and the test bundle, in one directory).
    public static var directory: URL {
        if let override = ProcessInfo.processInfo.environment["SPLITSOC_BIN_DIR"], !override.isEmpty {
            return URL(fileURLWithPath: override)
        }
        // /proc/self/exe, not argv[0]: a `splitsoc` found through PATH has no directory in argv[0].
        let me = (try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/exe"))
            .map { URL(fileURLWithPath: $0) }
            ?? URL(fileURLWithPath: CommandLine.arguments[0]).resolvingSymlinksInPath()
        if let main = Bundle.main.executableURL, main.lastPathComponent.hasSuffix(".xctest") {
            return main.deletingLastPathComponent()
        }
        return me.deletingLastPathComponent()
    }

    public static func url(_ name: String) -> URL { directory.appendingPathComponent(name) }
}

/// Starts, restarts and stops the two cores of one run as real OS processes.
///
/// Not thread-safe: driven by the orchestrating command's main flow.
public final class CoreLauncher {
    public let options: CoreOptions
    public let endpoints: CoreEndpoints
    public private(set) var rt: ChildProcess?
    public private(set) var app: ChildProcess?
    /// How many times the application core was started.
    public private(set) var appStarts = 0
    private let socketDirectory: URL

    /// Chooses endpoints (a private socket directory under /tmp, mode 0700 as `splitsoc-rt` requires,
    /// and short since ipc:// paths are limited to 107 bytes; a free loopback port for tcp://).
    public init(options: CoreOptions) throws {
        self.options = options
        try FileManager.default.createDirectory(at: options.runDirectory, withIntermediateDirectories: true)
        let socketDirectory = try PrivateDirectory.create(prefix: "splitsoc-\(getpid())")
        self.socketDirectory = socketDirectory
        let link =
            switch options.transport {
            case .ipc: "ipc://\(socketDirectory.path)/link"
            case .tcp: "tcp://127.0.0.1:\(try Self.freeLoopbackPort())"
            }
        endpoints = CoreEndpoints(
            link: link, rtStatus: "ipc://\(socketDirectory.path)/rt-status",
            appTelemetry: "ipc://\(socketDirectory.path)/app-telemetry",
            appControl: "ipc://\(socketDirectory.path)/app-control",
            rtControl: "ipc://\(socketDirectory.path)/rt-control",
            relayListen: "ipc://\(socketDirectory.path)/relay", relayControl: "ipc://\(socketDirectory.path)/relay-control")
    }

    deinit {
        stop()
        try? FileManager.default.removeItem(at: socketDirectory)
    }

    /// The command line of the real-time core for this run.
    public var rtArguments: [String] {
        var arguments = [
            "--board", options.board, "--link", endpoints.link, "--clock", options.clock,
            "--quantum", String(options.quantum), "--seed", String(options.seed),
            "--trace", options.traceURL.path, "--summary", options.rtSummaryURL.path,
            "--status", endpoints.rtStatus, "--control", endpoints.rtControl,
        ]
        if let duration = options.durationSeconds { arguments += ["--duration", String(duration)] }
        return arguments + options.rtExtraArguments
    }

    /// The command line of the application core for this run.
    public var appArguments: [String] {
        var arguments = ["--link", endpoints.link, "--control", endpoints.appControl, "--telemetry", endpoints.appTelemetry]
        for module in options.modules { arguments += ["--module", "\(module.slot)=\(module.path)"] }
        return arguments + options.appExtraArguments
    }

    /// Starts `splitsoc-rt` and waits for `link bound`.
    @discardableResult
    public func startRealTimeCore(timeout: Duration = .seconds(30)) throws -> ChildProcess {
        let child = ChildProcess(
            name: "rt", executable: Executables.url("splitsoc-rt"), arguments: rtArguments,
            logDirectory: options.runDirectory)
        try child.start()
        rt = child
        try child.waitForLine(containing: "link bound", timeout: timeout)
        return child
    }

    /// Starts `splitsoc-app` (again, after a crash) and, unless told otherwise, waits until it
    /// reports a session with the real-time core.
    @discardableResult
    /// - Parameter link: connect here instead of the real-time core's endpoint (a relay between them).
    public func startApplicationCore(
        waitForSession: Bool = true, timeout: Duration = .seconds(30), via link: String? = nil
    ) throws -> ChildProcess {
        let offset = app?.stdoutOffset ?? 0
        var arguments = appArguments
        if let link, let index = arguments.firstIndex(of: "--link") { arguments[index + 1] = link }
        let child = ChildProcess(
            name: "app", executable: Executables.url("splitsoc-app"), arguments: arguments,
            logDirectory: options.runDirectory)
        try child.start()
        app = child
        appStarts += 1
        try writeSessionFile(appArguments: arguments)
        if waitForSession {
            try child.waitForLine(containing: "session established", timeout: timeout, afterOffset: offset)
        }
        return child
    }

    /// Writes `session.json` (`RunSessionFile`) so `splitsoc app start|restart` can start this
    /// application core again from outside.
    private func writeSessionFile(appArguments: [String]) throws {
        let file = RunSessionFile(
            ownerPID: getpid(), runDirectory: options.runDirectory.path, link: endpoints.link,
            rtStatus: endpoints.rtStatus, rtControl: endpoints.rtControl, appTelemetry: endpoints.appTelemetry,
            appControl: endpoints.appControl, appExecutable: Executables.url("splitsoc-app").path,
            appArguments: appArguments)
        try file.write(to: RunSessionFile.url(in: options.runDirectory))
    }

    /// Stops both cores politely (SIGTERM, then SIGKILL after a grace period), app first.
    public func stop() {
        app?.terminate()
        rt?.terminate()
    }

    /// Asks the OS for a free TCP port on 127.0.0.1 (bind to port 0, read it back, close).
    /// Another process could take it before the core binds it; the core then fails with a clear
    /// "address in use" and the run can be repeated.
    public static func freeLoopbackPort() throws -> UInt16 {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard fd >= 0 else { throw OrchestrationError.launchFailed("socket(): errno \(errno)") }
        defer { close(fd) }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = 0
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        let bound = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, length) }
        }
        guard bound == 0 else { throw OrchestrationError.launchFailed("bind(127.0.0.1:0): errno \(errno)") }
        let named = withUnsafeMutablePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(fd, $0, &length) }
        }
        guard named == 0 else { throw OrchestrationError.launchFailed("getsockname: errno \(errno)") }
        return UInt16(bigEndian: address.sin_port)
    }
}
