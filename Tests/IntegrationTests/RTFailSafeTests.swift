import Foundation
import SoCLink
import SoCLinkZMQ
import SoCTesting
import SoCWire
import Testing
import ZeroMQ

/// A scripted stand-in for the application core: the app side of `LinkStateMachine` over a real
/// `ZMQFrameTransport`, answering every `TickGrant` with a heater command and the `TickAck`, both
/// echoing the grant's timestamp. Deterministic: the command is a function of the last sample.
///
/// Not thread-safe: driven by the test's thread.
private final class StandInAppCore {
    var machine: LinkStateMachine
    let transport: ZMQFrameTransport
    private let rx = UnsafeMutableRawBufferPointer.allocate(byteCount: Wire.maxFrameSize, alignment: 8)
    private let tx = UnsafeMutableRawBufferPointer.allocate(byteCount: Wire.maxFrameSize, alignment: 8)
    var sessions = 0
    var grants = 0
    var samples = 0
    var commandsSent = 0
    var lastTemperature: Int32 = 20_000
    var lastSetpoint: Int32 = 40_000

    init(endpoint: String, context: ZMQContext, nonceSeed: UInt64) throws {
        transport = try ZMQFrameTransport.connect(endpoint: endpoint, context: context)
        machine = LinkStateMachine(
            configuration: LinkConfiguration(
                role: .application, sessionParameters: SessionParameters(clockMode: .real, tickPeriodNanoseconds: 1_000_000, quantumTicks: 1),
                nonceSeed: nonceSeed))
    }

    deinit {
        rx.deallocate()
        tx.deallocate()
    }

    static func now() -> UInt64 {
        var ts = timespec()
        clock_gettime(CLOCK_MONOTONIC, &ts)
        return UInt64(ts.tv_sec) * 1_000_000_000 + UInt64(ts.tv_nsec)
    }

    func send(_ message: Message, timestamp: UInt64, flags: FrameFlags = []) throws {
        let frame = machine.makeFrame(message, timestamp: timestamp, flags: flags)
        let size = try FrameCodec.encode(frame, into: tx)
        _ = try transport.trySend(UnsafeRawBufferPointer(rebasing: tx[0..<size]))
    }

    func perform(_ action: LinkAction, frame: Frame?) throws {
        switch action {
        case .send(let message): try send(message, timestamp: Self.now())
        case .established: sessions += 1
        case .peerLost(let reply?): try send(reply, timestamp: Self.now())
        case .deliver(.sample(let sample)):
            samples += 1
            if sample.channel == 0 && sample.status == .ok { lastTemperature = sample.milliValue }
            if sample.channel == 1 { lastSetpoint = sample.milliValue }
        case .deliver(.tickGrant(let through)):
            grants += 1
            let stamp = frame?.timestamp ?? 0
            let flags = frame?.flags.intersection(.virtualTime) ?? []
            let duty = Int32(clamping: max(0, min(1000, (Int(lastSetpoint) - Int(lastTemperature)) / 2)))
            try send(.command(Command(target: 1, milliValue: duty, validTicks: 0)), timestamp: stamp, flags: flags)
            commandsSent += 1
            try send(.tickAck(throughTick: through), timestamp: stamp, flags: flags)
        default: break
        }
    }

    /// Answers the real-time core until `done()` or `timeout`.
    func run(timeout: Duration, until done: () -> Bool) throws {
        if case .idle = machine.state { try perform(machine.start(now: Self.now()), frame: nil) }
        let deadline = ContinuousClock.now + timeout
        var lastCheck = ContinuousClock.now
        while ContinuousClock.now < deadline {
            _ = try transport.waitUntilReadable(timeoutMilliseconds: 5)
            while case .received(let count) = try transport.tryReceive(into: rx) {
                let bytes = UnsafeRawBufferPointer(rebasing: rx[0..<count])
                let frame = try FrameCodec.decode(bytes)
                try perform(machine.frameReceived(frame, now: Self.now()), frame: frame)
            }
            try perform(machine.pollTimers(now: Self.now()), frame: nil)
            if ContinuousClock.now - lastCheck > .milliseconds(50) {
                lastCheck = ContinuousClock.now
                if done() { return }
            }
        }
        Issue.record("the stand-in application core timed out")
    }
}

@Suite("splitsoc-rt fail-safe and recovery across processes", .serialized)
struct RTFailSafeTests {
    @Test("Silence puts the real-time core in fail-safe; a new handshake brings it back to normal")
    func silenceThenRecovery() throws {
        try withTemporaryIPCPath { endpoint in
            try withProcessHarness { harness in
                let tracePath = harness.directory + "/rt.trace"
                let rt = try harness.spawn(
                    "splitsoc-rt",
                    ["--board", "thermo-adc", "--link", endpoint, "--clock", "real", "--duration", "40", "--trace", tracePath,
                     "--liveness-ms", "250"])
                _ = try rt.waitForLine(containing: "link bound", timeout: .seconds(20))
                let context = try ZMQContext()
                var app: StandInAppCore? = try StandInAppCore(endpoint: endpoint, context: context, nonceSeed: 11)
                try app!.run(timeout: .seconds(20)) { app!.commandsSent > 300 && rt.stdout.contains("session established") }
                #expect(app!.sessions == 1)
                #expect(app!.samples > 0)

                // The application core goes silent (as if it crashed): no frames at all.
                app = nil
                let entered = try rt.waitForLine(containing: "failsafe entered", timeout: .seconds(20))
                #expect(entered.contains("reason=silence") || entered.contains("reason=peer-lost"), "\(entered)")

                // It comes back as a new process would: a new socket, a new session nonce.
                let restarted = try StandInAppCore(endpoint: endpoint, context: context, nonceSeed: 99)
                try restarted.run(timeout: .seconds(20)) { rt.stdout.contains("failsafe left") && restarted.commandsSent > 100 }
                #expect(restarted.sessions == 1)
                #expect(rt.stdout.contains("session established session=2"))

                rt.send(signal: SIGTERM)
                #expect(try rt.waitForExit(timeout: .seconds(20)) == 0, "\(rt.report())")
                let stdout = rt.stdout
                let digestLine = try #require(stdout.split(separator: "\n").first { $0.hasPrefix("trace digest sha256:") })
                let trace = try String(contentsOfFile: tracePath, encoding: .utf8)
                #expect(trace.contains(" state from=normal to=failsafe "))
                #expect(trace.contains(" state from=failsafe to=normal "))
                #expect(trace.contains(" session n=2"))
                #expect(String(digestLine.dropFirst("trace digest sha256:".count)) == (try sha256sum(tracePath)))
            }
        }
    }

    @Test("Virtual clock: the same seed gives the same trace digest across runs; another seed another")
    func virtualRunsAreReproducible() throws {
        func digest(seed: Int) throws -> String {
            try withTemporaryIPCPath { endpoint in
                try withProcessHarness { harness in
                    let rt = try harness.spawn(
                        "splitsoc-rt",
                        ["--board", "thermo-i2c", "--link", endpoint, "--clock", "virtual", "--quantum", "5",
                         "--ticks", "1500", "--seed", String(seed)])
                    _ = try rt.waitForLine(containing: "link bound", timeout: .seconds(20))
                    let context = try ZMQContext()
                    let app = try StandInAppCore(endpoint: endpoint, context: context, nonceSeed: UInt64(seed) &* 7 &+ 1)
                    try app.run(timeout: .seconds(50)) { !rt.isRunning }
                    #expect(try rt.waitForExit(timeout: .seconds(20)) == 0, "\(rt.report())")
                    #expect(app.grants == 300)
                    let line = try #require(rt.stdout.split(separator: "\n").first { $0.hasPrefix("trace digest sha256:") })
                    return String(line)
                }
            }
        }
        let first = try digest(seed: 5)
        let second = try digest(seed: 5)
        let other = try digest(seed: 6)
        #expect(first == second)
        #expect(first != other)
    }
}

/// `sha256sum FILE`'s hex digest: what users run to check a trace.
private func sha256sum(_ path: String) throws -> String {
    let process = Process()
    process.executableURL = URL(fileURLWithPath: "/usr/bin/sha256sum")
    process.arguments = [path]
    let pipe = Pipe()
    process.standardOutput = pipe
    try process.run()
    let data = pipe.fileHandleForReading.readDataToEndOfFile()
    process.waitUntilExit()
    return String(decoding: data, as: UTF8.self).split(separator: " ").first.map(String.init) ?? ""
}

@Suite("Two processes handshake and exchange heartbeats over every transport", .serialized)
struct LinkAcrossProcessesTests {
    @Test(
        "splitsoc-rt and an application-core process establish a session and exchange heartbeats",
        arguments: ["ipc", "tcp"])
    func handshakeAndHeartbeats(transport: String) throws {
        try withTemporaryIPCPath { ipcEndpoint in
            try withProcessHarness { harness in
                let summaryPath = harness.directory + "/rt-summary.json"
                // tcp: let the core pick a free loopback port and read it back from "link bound".
                let bindEndpoint = transport == "tcp" ? "tcp://127.0.0.1:*" : ipcEndpoint
                let rt = try harness.spawn(
                    "splitsoc-rt",
                    ["--board", "thermo-i2c", "--link", bindEndpoint, "--clock", "real", "--summary", summaryPath])
                let bound = try rt.waitForLine(containing: "link bound", timeout: .seconds(20))
                let endpoint = String(try #require(bound.split(separator: " ").last))
                #expect(endpoint.hasPrefix("\(transport)://"))
                let context = try ZMQContext()
                let app = try StandInAppCore(endpoint: endpoint, context: context, nonceSeed: 5)
                // 100 Hz board, 50 ms heartbeats: a second gives about 20 each way.
                let start = ContinuousClock.now
                try app.run(timeout: .seconds(20)) {
                    app.sessions == 1 && ContinuousClock.now - start > .seconds(1)
                        && app.machine.counters.heartbeatsReceived >= 5
                }
                #expect(app.sessions == 1)
                #expect(app.machine.state.isEstablished)
                #expect(app.machine.counters.heartbeatsReceived >= 5)
                #expect(app.machine.counters.malformed == 0)
                rt.send(signal: SIGTERM)
                #expect(try rt.waitForExit(timeout: .seconds(20)) == 0, "\(rt.report())")
                let summary = try #require(
                    try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: summaryPath)))
                        as? [String: Any])
                let link = try #require(summary["link"] as? [String: Any])
                #expect((summary["sessions"] as? Int) == 1)
                #expect((link["heartbeats_rx"] as? Int ?? 0) >= 5, "\(link)")
                #expect((link["malformed"] as? Int) == 0)
            }
        }
    }
}
