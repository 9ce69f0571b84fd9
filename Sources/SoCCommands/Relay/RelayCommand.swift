import ArgumentParser
import Foundation
import Synchronization
import ZeroMQ

/// `splitsoc relay`: a fault-injecting relay process between the two cores (docs/scenarios.md,
/// "Bridge faults"). `splitsoc scenario run` starts it for scenarios with a `[bridge]` section.
public struct RelayCommand: ParsableCommand {
    public static let configuration = CommandConfiguration(
        commandName: "relay",
        abstract: "Forward link frames between the two cores, dropping, delaying, duplicating, reordering or corrupting them (seeded).",
        discussion: """
            Binds a DEALER on --listen for the application core and connects a DEALER to the real-time \
            core's link (--connect). Each direction takes a fault spec: drop=‰,corrupt=‰,dup=‰,delay=‰,\
            delay-ms=N,reorder=‰,types=sample+command,from-ms=N,until-ms=N (‰ = per thousand frames). \
            Prints `relay listening ENDPOINT` when ready; on SIGINT/SIGTERM writes the counters to \
            --summary (JSON) and prints them.
            """
    )

    @Option(help: "Endpoint to bind for the application core (ipc://PATH or tcp://HOST:PORT).")
    public var listen: String

    @Option(help: "The real-time core's link endpoint to connect to.")
    public var connect: String

    @Option(parsing: .unconditional, help: "Seed of every fault decision.")
    public var seed: UInt64 = 1

    @Option(name: .customLong("app-to-rt"), help: "Faults on frames from the application core to the real-time core.")
    public var appToRT: String = ""

    @Option(name: .customLong("rt-to-app"), help: "Faults on frames from the real-time core to the application core.")
    public var rtToApp: String = ""

    @Option(help: "Bind a REP socket here that replaces a direction's faults while the relay runs (splitsoc bridge faults; JSON requests, docs/process-interfaces.md).")
    public var control: String?

    @Option(help: "Write the counters here (JSON) when stopping.")
    public var summary: String?

    public init() {}

    public func validate() throws {
        do {
            _ = try FaultProfile(spec: appToRT)
            _ = try FaultProfile(spec: rtToApp)
        } catch {
            throw ValidationError("bad fault spec: \(error)")
        }
    }

    public func run() throws {
        let faults = BridgeFaults(
            seed: seed, appToRT: try FaultProfile(spec: appToRT), rtToApp: try FaultProfile(spec: rtToApp))
        let relay = FaultRelay(listen: listen, connect: connect, faults: faults)
        var sources: [any DispatchSourceSignal] = []
        for signalNumber in [SIGINT, SIGTERM] {
            signal(signalNumber, SIG_IGN)
            let source = DispatchSource.makeSignalSource(signal: signalNumber, queue: .global())
            source.setEventHandler { relay.stop() }
            source.resume()
            sources.append(source)
        }
        // Like the cores: exit when the orchestrator that started us is gone (even after SIGKILL).
        let parent = ProcessInfo.processInfo.environment["SPLITSOC_PARENT_PID"].flatMap { Int32($0) }
        if let parent {
            Thread.detachNewThread {
                while kill(parent, 0) == 0 { Thread.sleep(forTimeInterval: 0.5) }
                relay.stop()
            }
        }
        let context: ZMQContext
        let relayControl = control.map { RelayControl(relay: relay, endpoint: $0) }
        do {
            context = try ZMQContext()
            try relayControl?.start(context: context)
            try relay.run(context: context) {
                print("relay listening \(listen) connect \(connect) seed \(seed)")
                fflush(nil)
            }
        } catch {
            FileHandle.standardError.write(Data("splitsoc relay: \(error)\n".utf8))
            throw ExitCode(70)
        }
        relayControl?.stop()
        let json = relay.summaryJSON
        if let summary { try json.write(toFile: summary, atomically: true, encoding: .utf8) }
        print("relay summary \(json)")
        _ = sources
    }
}
