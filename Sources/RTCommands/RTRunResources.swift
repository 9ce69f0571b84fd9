import RTCore
import SoCLinkZMQ
import ZeroMQ

/// What both clock modes open before the first tick: the trace file, the link socket and the
/// status publisher. Opened in one place so that both modes fail the same way, with the same
/// exit codes (sysexits: 73 cannot create output, 69 service unavailable).
struct RTRunResources {
    let writer: TraceWriter
    let context: ZMQContext
    let transport: ZMQRouterFrameTransport
    let status: StatusPublisher?
    /// The operator's control socket (`--control`), if asked for.
    let control: OperatorControl.Endpoint?

    /// Why the run could not start; the message has already been printed on stderr.
    struct StartFailure: Error {
        let exitCode: Int32
    }

    /// Checks that an ipc:// link is in a private directory, opens the trace (writing its header),
    /// starts the CURVE authenticator if asked, binds the link and, if asked, the status endpoint.
    /// - Throws: `StartFailure` after printing what went wrong.
    static func open(_ configuration: RTConfiguration, clock: String, quantum: Int) throws(StartFailure) -> RTRunResources {
        // Checked first, so a refused start leaves no trace file behind.
        let security = configuration.linkSecurity
        if !security.allowSharedIPCDirectory, let problem = IPCDirectoryCheck.problem(endpoint: configuration.link) {
            warn("splitsoc-rt: \(problem)")
            throw StartFailure(exitCode: 64)
        }
        let board = configuration.board
        let writer: TraceWriter
        do {
            writer = try TraceWriter(path: configuration.tracePath)
        } catch {
            warn("splitsoc-rt: \(error)")
            throw StartFailure(exitCode: 73)
        }
        writer.writeHeader(board: board.name, clock: clock, seed: configuration.options.seed, tickHz: board.tickHz, quantum: quantum)
        let context: ZMQContext
        let transport: ZMQRouterFrameTransport
        do {
            context = try ZMQContext()
            try security.prepare(context)
            // A ROUTER, so the link layer knows which connection owns the session (SPEC §4.7).
            transport = try ZMQRouterFrameTransport.bind(
                endpoint: configuration.link, context: context, options: .init(security: security.security))
        } catch {
            warn("splitsoc-rt: cannot bind \(configuration.link): \(error)")
            throw StartFailure(exitCode: 69)
        }
        let status: StatusPublisher?
        do {
            status = try configuration.statusEndpoint.map { endpoint throws(ZMQError) in
                try StatusPublisher(endpoint: endpoint, context: context)
            }
        } catch {
            warn("splitsoc-rt: cannot bind status \(configuration.statusEndpoint ?? ""): \(error)")
            throw StartFailure(exitCode: 69)
        }
        let control: OperatorControl.Endpoint?
        do {
            control = try configuration.controlEndpoint.map { endpoint throws(ZMQError) in
                try OperatorControl.Endpoint(endpoint, context: context)
            }
        } catch {
            warn("splitsoc-rt: cannot bind control \(configuration.controlEndpoint ?? ""): \(error)")
            throw StartFailure(exitCode: 69)
        }
        return RTRunResources(writer: writer, context: context, transport: transport, status: status, control: control)
    }
}
