import ArgumentParser
import Foundation
import SoCCommandLine
import SoCParameters

extension ConformanceRole: ExpressibleByArgument {}

/// `splitsoc conformance`: checks a third-party implementation of either core against SPEC §10.
public struct ConformanceCommand: ParsableCommand {
    public static let configuration = CommandConfiguration(
        commandName: "conformance",
        abstract: "Check an implementation of the application core or the real-time core against protocol/SPEC.md §10.",
        discussion: """
            --role app: the kit plays the real-time core: it binds a ROUTER at --endpoint and the application core under \
            test connects (start it yourself, or give --exec "COMMAND {endpoint} …" and the kit starts and restarts it). \
            --role rt: the kit plays application cores: it connects DEALERs to the real-time core under test at --endpoint.
            Prints `PASS|FAIL|SKIP ID WHAT [— why]` per check and `conformance: N passed, N failed, N skipped`; exits 1 \
            when a check fails, 2 when the kit cannot run. docs/conformance.md explains each check.
            """)

    @Option(help: "Which implementation to check: app (the kit plays the real-time core) or rt (the kit plays the application core).")
    var role: ConformanceRole?

    @Option(
        help: ArgumentHelp(
            "app: the endpoint to bind (ipc://PATH, tcp://127.0.0.1:PORT or :*); rt: the endpoint to connect to.",
            valueName: "endpoint"))
    var endpoint: String?

    @Option(
        help: ArgumentHelp(
            "--role app: start the application core with this command ({endpoint} is replaced), "
                + "restarting it where a check needs a fresh process.",
            valueName: "command"))
    var exec: String?

    @Option(help: ArgumentHelp("Run only these checks (comma-separated ids, e.g. A-HELLO,A-SEQ).", valueName: "ids"))
    var only: String?

    @Option(
        name: .customLong("timeout-scale"), parsing: .unconditional,
        help: ArgumentHelp(
            "Multiply every wait and upper timing tolerance, \(Parameter.timeoutScale.span) (slow machines).", valueName: "x"))
    var timeoutScale: Double = 1

    @Flag(help: "Print the checks (of --role, or of both roles) and exit.")
    var list = false

    @Option(help: ArgumentHelp("Write JUnit XML (one test case per check) to this file.", valueName: "file.xml"))
    var junit: String?

    public init() {}

    public func validate() throws {
        guard list || role != nil else { throw ValidationError("give --role app or --role rt (or --list)") }
        guard list || endpoint != nil else { throw ValidationError("give --endpoint ENDPOINT") }
        try Parameter.timeoutScale.validate(timeoutScale, flag: "--timeout-scale")
        if exec != nil && role != .app { throw ValidationError("--exec starts an application core: it needs --role app") }
        if let role, let only {
            let known = Set(Self.checks(for: role).map(\.id))
            let unknown = Self.ids(only).filter { !known.contains($0) }
            if !unknown.isEmpty {
                throw ValidationError("unknown check ids for --role \(role.rawValue): \(unknown.joined(separator: ", ")) (see --list)")
            }
        }
    }

    static func checks(for role: ConformanceRole) -> [ConformanceCheck] {
        role == .app ? AppRoleChecks.all : RTRoleChecks.all
    }

    static func ids(_ list: String) -> [String] {
        list.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces).uppercased() }.filter { !$0.isEmpty }
    }

    public func run() throws {
        if list {
            for role in role.map({ [$0] }) ?? ConformanceRole.allCases {
                for check in Self.checks(for: role) { print("\(check.id)  \(check.what)  (§\(check.section), since \(check.since))") }
            }
            return
        }
        guard let role, let endpoint else { return }
        OrchestratorSignals.install()
        var selected = Self.checks(for: role)
        if let only {
            let wanted = Set(Self.ids(only))
            selected = selected.filter { wanted.contains($0.id) }
        }
        let report = try execute(role: role, endpoint: endpoint, checks: selected)
        print(report.revision)
        print(report.summary)
        if let junit {
            try report.junit().write(toFile: junit, atomically: true, encoding: .utf8)
        }
        if report.failed > 0 { throw ExitCode(1) }
    }

    private func execute(role: ConformanceRole, endpoint: String, checks: [ConformanceCheck]) throws -> ConformanceReport {
        let conformanceRun: ConformanceRun
        do {
            conformanceRun = try makeRun(role: role, endpoint: endpoint)
        } catch {
            FileHandle.standardError.write(Data("splitsoc conformance: \(error)\n".utf8))
            throw ExitCode(2)
        }
        print("conformance role=\(role.rawValue) endpoint=\(conformanceRun.endpoint) spec=1.1 checks=\(checks.count)")
        if role == .app && exec == nil {
            FileHandle.standardError.write(Data("waiting for the application core to connect to \(conformanceRun.endpoint)\n".utf8))
        }
        defer { conformanceRun.peerProcess?.stop() }
        return ConformanceRunner(run: conformanceRun, checks: checks).runAll { line in
            print(line)
            fflush(nil)
        }
    }

    private func makeRun(role: ConformanceRole, endpoint: String) throws -> ConformanceRun {
        let wire = try ConformanceWire()
        guard role == .app else {
            return ConformanceRun(role: role, endpoint: endpoint, wire: wire, scale: timeoutScale, rt: nil, peerProcess: nil)
        }
        let (router, bound) = try wire.bindRouter(endpoint)
        let process = try exec.map { try PeerProcess(command: $0, endpoint: bound) }
        return ConformanceRun(role: role, endpoint: bound, wire: wire, scale: timeoutScale, rt: router, peerProcess: process)
    }
}
