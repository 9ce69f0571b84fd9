import AppCore
import ArgumentParser
import CoreProcessSupport
import Foundation
import SoCCommandLine
import SoCLink
import SoCParameters
import SoCLinkZMQ
import SoCWire
import Synchronization
import ZeroMQ

#if canImport(Glibc)
    import Glibc
#endif

/// `splitsoc-app`: the application core process (docs/process-interfaces.md).
///
/// One guest thread (the main thread) owns the link socket, the control REP socket, the telemetry
/// PUB socket, the link state machine and every WasmKit store; it polls the sockets, feeds frames
/// to the `ApplicationCore`, and answers control requests between batches — which is what makes a
/// swap atomic with respect to batches.
public struct AppCommand: ParsableCommand {
    public static let configuration = CommandConfiguration(
        commandName: "splitsoc-app",
        abstract: "The SplitSoC application core: runs sandboxed Wasm modules against the real-time core.",
        discussion: """
            Connects to the real-time core's link endpoint, handshakes, then runs the module pipeline \
            once per tick grant. Modules run in --module flag order. Exit codes: 0 on quit/SIGINT/SIGTERM, \
            64 for bad flags, 65 when a module fails to load at start.
            """)

    @Option(name: .long, help: "The real-time core's link endpoint (ipc://PATH or tcp://HOST:PORT).")
    var link: String

    @Option(name: .customLong("module"), help: "SLOT=PATH.wasm; repeat for a pipeline (order = flag order).")
    var modules: [String] = []

    @Option(name: .long, help: "Bind a REP socket for JSON control requests (status, swap, quit).")
    var control: String?

    @Option(name: .long, help: "Bind a PUB socket for JSON telemetry (topics app, event, module).")
    var telemetry: String?

    @Option(name: .long, parsing: .unconditional, help: "Fuel cap per batch call (≈ Wasm operators; \(Parameter.fuel.bounds)).")
    var fuel: UInt64 = 10_000_000

    @Option(name: .customLong("memory-pages"), parsing: .unconditional, help: "Linear memory cap per module in 64 KiB pages (\(Parameter.memoryPages.bounds)).")
    var memoryPages: Int = 256

    @Option(name: .customLong("deadline-ms"), parsing: .unconditional, help: "Wall-clock deadline cap per batch call (\(Parameter.batchDeadline.span)).")
    var deadlineMilliseconds: UInt64 = 50

    @Option(name: .customLong("probation-batches"), parsing: .unconditional, help: "Clean batches a swapped-in version must run before the old one is dropped (\(Parameter.probationBatches.bounds)).")
    var probationBatches: Int = 50

    @Option(name: .customLong("grant"), help: "Grant a capability (repeatable; default all): \(Capability.allCases.map(\.rawValue).joined(separator: ", ")).")
    var grants: [String] = []

    @Option(name: .customLong("curve-secret-key"), help: "Authenticate to the real-time core with CURVE, with this secret key (FILE.key, splitsoc keys generate).")
    var curveSecretKey: String?

    @Option(name: .customLong("curve-server-key"), help: "With --curve-secret-key: the real-time core's public key (FILE.pub); the link talks only to it.")
    var curveServerKey: String?

    public init() {}

    public func validate() throws {
        _ = try loadLinkSecurity()
        guard !modules.isEmpty else { throw ValidationError("give at least one --module SLOT=PATH.wasm") }
        for module in modules {
            let parts = module.split(separator: "=", maxSplits: 1)
            guard parts.count == 2, !parts[0].isEmpty, !parts[1].isEmpty else {
                throw ValidationError("--module '\(module)' is not SLOT=PATH.wasm")
            }
        }
        for grant in grants where Capability(rawValue: grant) == nil {
            throw ValidationError("unknown capability '\(grant)' for --grant")
        }
        try Parameter.fuel.validate(fuel, flag: "--fuel")
        try Parameter.memoryPages.validate(memoryPages, flag: "--memory-pages")
        try Parameter.batchDeadline.validate(deadlineMilliseconds, flag: "--deadline-ms")
        try Parameter.probationBatches.validate(probationBatches, flag: "--probation-batches")
    }

    /// The link security the flags ask for: both CURVE flags or neither.
    /// - Throws: `ValidationError` for one flag without the other, an inproc:// link, or a bad key file.
    func loadLinkSecurity() throws -> LinkSecurity {
        switch (curveSecretKey, curveServerKey) {
        case (nil, nil):
            return .none
        case (let secretPath?, let serverPath?):
            let security: LinkSecurity
            do {
                let pair = try LinkKeyFile.loadKeyPair(secretKeyPath: secretPath)
                let server = try LinkKeyFile.load(path: serverPath, expecting: .curvePublic)
                security = .curveClient(secretKey: pair.secretKey, publicKey: pair.publicKey, serverPublicKey: server)
            } catch {
                throw ValidationError("bad key file \(error)")
            }
            guard security.supports(endpoint: link) else {
                throw ValidationError("CURVE needs a tcp:// or ipc:// --link (inproc:// has no handshake), not \(link)")
            }
            return security
        default:
            throw ValidationError("--curve-secret-key and --curve-server-key go together")
        }
    }

    var coreConfiguration: AppCoreConfiguration {
        var configuration = AppCoreConfiguration()
        configuration.maxFuelPerBatch = fuel
        configuration.maxMemoryPages = memoryPages
        configuration.maxDeadlineNanoseconds = deadlineMilliseconds * 1_000_000
        configuration.probationBatches = probationBatches
        if !grants.isEmpty { configuration.grantedCapabilities = Set(grants.compactMap(Capability.init(rawValue:))) }
        return configuration
    }

    public func run() throws {
        // The interrupt flag stops a running guest call at its next budget check, so SIGTERM is
        // honoured within about a millisecond of guest work even mid-call (docs/threat-model.md).
        _ = InterruptFlag.process.isRequested  // initialise the global outside the signal handler
        signal(SIGINT) { _ in
            stopRequested.store(true, ordering: .relaxed)
            InterruptFlag.process.request()
        }
        signal(SIGTERM) { _ in
            stopRequested.store(true, ordering: .relaxed)
            InterruptFlag.process.request()
        }
        signal(SIGPIPE, SIG_IGN)
        // Started by `splitsoc`: stop (cleanly, through SIGTERM) if it dies, even by SIGKILL.
        ParentWatchdog.startIfRequested()

        let security = try loadLinkSecurity()
        let context: ZMQContext
        let transport: ZMQFrameTransport
        let publisher: TelemetryPublisher?
        do {
            context = try ZMQContext()
            transport = try ZMQFrameTransport.connect(
                endpoint: link, context: context, options: .init(security: security))
            publisher = try telemetry.map { endpoint throws(ZMQError) in try TelemetryPublisher(endpoint: endpoint, context: context) }
        } catch {
            FileHandle.standardError.write(Data("splitsoc-app: cannot open sockets: \(error)\n".utf8))
            throw ExitCode(69)
        }
        let machine = LinkStateMachine(
            configuration: LinkConfiguration(
                role: .application, capabilities: .all,
                sessionParameters: SessionParameters(clockMode: .real, tickPeriodNanoseconds: 1_000_000, quantumTicks: 1),
                nonceSeed: UInt64(truncatingIfNeeded: getpid()) &* 0x9E37_79B9_7F4A_7C15 ^ SystemMonotonicClock().nanoseconds()))
        let appLink = AppLink(machine: machine, transport: transport, telemetry: publisher)
        let core = ApplicationCore(configuration: coreConfiguration, output: appLink)

        for module in modules {
            let parts = module.split(separator: "=", maxSplits: 1).map(String.init)
            do {
                let bytes = try Self.readModule(parts[1], maxBytes: core.configuration.maxModuleBytes)
                try core.addModule(slot: parts[0], bytes: bytes)
            } catch {
                FileHandle.standardError.write(Data("splitsoc-app: module \(parts[0]) (\(parts[1])): \(error)\n".utf8))
                throw ExitCode(65)
            }
        }

        var controlSocket: ControlServer?
        if let control {
            do {
                controlSocket = try ControlServer(endpoint: control, context: context)
            } catch {
                FileHandle.standardError.write(Data("splitsoc-app: cannot bind control \(control): \(error)\n".utf8))
                throw ExitCode(69)
            }
        }

        say("link connecting \(link)" + (security == .none ? "" : " security=curve"))
        var loop = GuestLoop(link: appLink, core: core, control: controlSocket)
        let code = loop.run()
        if code != 0 { throw ExitCode(code) }
    }

    /// Reads a module file, refusing one over `maxBytes` before reading it (a huge file must not
    /// stall the guest thread).
    static func readModule(_ path: String, maxBytes: Int = 4 << 20) throws -> [UInt8] {
        let size = (try? FileManager.default.attributesOfItem(atPath: path)[.size] as? Int) ?? 0
        guard size <= maxBytes else {
            throw ModuleLoadError(.tooLarge, "\(path) is \(size) bytes; the limit is \(maxBytes)")
        }
        guard let data = FileManager.default.contents(atPath: path) else {
            throw ModuleLoadError(.invalidBinary, "cannot read \(path)")
        }
        return Array(data)
    }
}

/// The entry point of the `splitsoc-app` executable (so `main.swift` needs only this module).
public enum SplitSoCApp {
    /// Parses the command line and runs the application core (or `bench`); exits the process.
    public static func main() {
        let arguments = Array(CommandLine.arguments.dropFirst())
        if arguments.first == "bench" {
            AppBenchCommand.main(Array(arguments.dropFirst()))
        } else {
            AppCommand.main()
        }
    }
}
