import FirmwareBuild
import Foundation
import SoCTesting
import SoCWire
import Synchronization
import Testing
import ZeroMQ

@testable import SoCCommands

/// The check ids of SPEC §10, written here from the spec (not from the kit), so a check the kit
/// forgot or renamed fails these tests.
private enum SpecChecks {
    static let app = [
        "A-HELLO", "A-RETRY", "A-NODATA", "A-ACK", "A-SEQ", "A-STALEACK", "A-LOSS", "A-MALFORMED", "A-NOPINGPONG",
        "A-RATELIMIT", "A-GRANT", "A-REGRANT", "A-NOTREADY", "A-GOODBYE", "A-LIVENESS", "A-CAPS", "A-REFUSED",
    ]
    static let rt = [
        "R-NOTREADY", "R-VERSION", "R-ROLE", "R-HANDSHAKE", "R-CAPS", "R-RETRY", "R-HEARTBEAT", "R-LOSS", "R-MALFORMED",
        "R-RATELIMIT", "R-FOREIGN", "R-TAKEOVER", "R-LIVENESS", "R-RESYNC", "R-GRANT", "R-EARLYACK", "R-REGRANT", "R-GOODBYE",
    ]
}

/// What one `splitsoc conformance` run printed.
private struct KitOutput {
    let status: Int32
    let stdout: String
    /// Check id → PASS, FAIL or SKIP.
    var verdicts: [String: String] {
        var result: [String: String] = [:]
        for line in stdout.split(separator: "\n") {
            let words = line.split(separator: " ", maxSplits: 2)
            guard words.count >= 2, ["PASS", "FAIL", "SKIP"].contains(String(words[0])) else { continue }
            result[String(words[1])] = String(words[0])
        }
        return result
    }
    /// The summary line's three numbers.
    var summary: (passed: Int, failed: Int, skipped: Int)? {
        for line in stdout.split(separator: "\n") {
            let numbers = line.split(separator: " ").compactMap { Int($0.trimmingCharacters(in: .punctuationCharacters)) }
            if line.hasPrefix("conformance: "), line.hasSuffix(" skipped"), numbers.count == 3 {
                return (numbers[0], numbers[1], numbers[2])
            }
        }
        return nil
    }
    func line(_ id: String) -> String {
        stdout.split(separator: "\n").first { $0.split(separator: " ").dropFirst().first == Substring(id) }.map(String.init) ?? ""
    }
}

/// Runs the kit as a process of `harness` and waits for it.
private func runKit(_ harness: ProcessHarness, _ arguments: [String], timeout: Duration = .seconds(80)) throws -> KitOutput {
    let kit = try harness.spawn("splitsoc", ["conformance"] + arguments, name: "kit")
    let status = try kit.waitForExit(timeout: timeout)
    return KitOutput(status: status, stdout: kit.stdout)
}

/// Starts `splitsoc-rt` on `transport` and returns it with the endpoint it bound.
private func startRealTimeCore(
    _ harness: ProcessHarness, clock: String, transport: String, ipc: String, extra: [String]
) throws -> (HarnessedProcess, String) {
    let bind = transport == "tcp" ? "tcp://127.0.0.1:*" : ipc
    let rt = try harness.spawn("splitsoc-rt", ["--board", "thermo-i2c", "--link", bind, "--clock", clock] + extra, name: "rt")
    let bound = try rt.waitForLine(containing: "link bound", timeout: .seconds(20))
    return (rt, String(try #require(bound.split(separator: " ").last)))
}

@Suite("splitsoc conformance against the real cores", .serialized)
struct ConformanceAgainstCoresTests {
    /// Default parameters, and (virtual over tcp) others the kit must read from the HelloAck: a
    /// quantum of 3, 100 ms heartbeats and a 500 ms ack timeout (so liveness 500 ms, SPEC §4.3).
    static let cores: [(clock: String, transport: String, extra: [String])] = [
        ("real", "ipc", []),
        ("real", "tcp", []),
        ("virtual", "ipc", []),
        ("virtual", "tcp", ["--quantum", "3", "--heartbeat-ms", "100", "--liveness-ms", "400", "--ack-timeout-ms", "500"]),
    ]

    @Test(
        "Every R- check passes against splitsoc-rt (lockstep-wait checks skip in real clock mode)",
        .timeLimit(.minutes(2)), arguments: cores)
    func realTimeCoreConforms(clock: String, transport: String, extra: [String]) throws {
        try withTemporaryIPCPath { ipc in
            try withProcessHarness(hardTimeout: .seconds(100)) { harness in
                let (rt, endpoint) = try startRealTimeCore(harness, clock: clock, transport: transport, ipc: ipc, extra: extra)
                let junit = harness.directory + "/rt.xml"
                let output = try runKit(harness, ["--role", "rt", "--endpoint", endpoint, "--timeout-scale", "2", "--junit", junit])
                let skippable: Set<String> = clock == "real" ? ["R-EARLYACK", "R-REGRANT"] : []
                for id in SpecChecks.rt {
                    #expect(output.verdicts[id] == (skippable.contains(id) ? "SKIP" : "PASS"), "\(output.line(id))")
                }
                #expect(output.status == 0, "\(output.stdout)")
                let summary = try #require(output.summary, "\(output.stdout)")
                #expect(summary.failed == 0 && summary.passed + summary.skipped == SpecChecks.rt.count)
                let xml = try String(contentsOfFile: junit, encoding: .utf8)
                #expect(xml.components(separatedBy: "<testcase ").count == SpecChecks.rt.count + 1)
                #expect(xml.components(separatedBy: "<skipped ").count == skippable.count + 1)
                rt.send(signal: SIGTERM)
                #expect(try rt.waitForExit(timeout: .seconds(20)) == 0, "\(rt.report())")
            }
        }
    }

    @Test("Every A- check passes against splitsoc-app started by the kit (--exec), over tcp and ipc",
          .timeLimit(.minutes(2)), arguments: ["tcp", "ipc"])
    func applicationCoreConforms(transport: String) throws {
        let root = try #require(FirmwareBuilder.packageRoot(containing: #filePath))
        // The thermostat commands the heater, so A-CAPS (no Command without `commands`) can fail.
        let module = try FirmwareBuilder(packageRoot: root).build(stem: "thermostat").path
        let app = try ProcessHarness.executablePath(named: "splitsoc-app")
        try withTemporaryIPCPath { ipc in
            try withProcessHarness(hardTimeout: .seconds(100)) { harness in
                let endpoint = transport == "tcp" ? "tcp://127.0.0.1:*" : ipc
                let output = try runKit(
                    harness,
                    ["--role", "app", "--endpoint", endpoint, "--timeout-scale", "2",
                     "--exec", "\(app) --link {endpoint} --module regulator=\(module)"])
                for id in SpecChecks.app { #expect(output.verdicts[id] == "PASS", "\(output.line(id))") }
                #expect(output.status == 0, "\(output.stdout)")
                #expect(output.line("A-REFUSED").contains("exited"), "the app exits when refused")
                if transport == "tcp" {
                    #expect(output.stdout.contains("endpoint=tcp://127.0.0.1:") && !output.stdout.contains(":*"))
                }
            }
        }
    }
}

// MARK: - A kit that passes everything proves nothing: deliberately broken peers

/// Set by the test to stop a broken peer's thread.
private final class StopFlag: Sendable {
    private let flag = Atomic<Bool>(false)
    func stop() { flag.store(true, ordering: .relaxed) }
    var isStopped: Bool { flag.load(ordering: .relaxed) }
}

/// Encodes `message` as a frame.
private func encoded(_ message: Message, sequence: UInt32, timestamp: UInt64 = 0) -> [UInt8] {
    let frame = Frame(sequence: sequence, timestamp: timestamp, message: message)
    var bytes = [UInt8](repeating: 0, count: frame.encodedSize)
    _ = bytes.withUnsafeMutableBytes { try? FrameCodec.encode(frame, into: $0) }
    return bytes
}

private func decoded(_ bytes: [UInt8]) -> Frame? {
    bytes.withUnsafeBytes { raw in try? FrameCodec.decode(raw) }
}

/// A deliberately broken application core: it handshakes correctly, but its sequence numbers go up
/// by 2, it never sends a Heartbeat, and it answers every Reject with a Reject.
private func runBrokenApplicationCore(endpoint: String, stop: StopFlag) throws {
    let context = try ZMQContext()
    let socket = try ZMQSocket(context: context, type: .dealer)
    try socket.connect(endpoint)
    var sequence: UInt32 = 1
    var nonce = UInt32.random(in: 1...UInt32.max)
    var established = false
    var lastHello = ContinuousClock.now - .seconds(1)
    func send(_ message: Message) throws {
        _ = try socket.send(encoded(message, sequence: sequence).span.bytes, flags: .dontWait)
        sequence &+= 2  // flaw: skips a number every frame
    }
    while !stop.isStopped {
        _ = try socket.poll(timeoutMilliseconds: 5)
        while let parts = try socket.receiveMultipart(maximumPartSize: 2048, flags: .dontWait) {
            guard let frame = decoded(parts[0].bytes) else {
                let type = parts[0].bytes.count > 3 ? parts[0].bytes[3] : 0
                try send(.reject(Reject(code: .malformedFrame, refusedType: type, refusedSequence: 0)))
                continue
            }
            switch frame.message {
            case .helloAck(let ack) where ack.sessionID == nonce: established = true
            case .reject:  // flaw: a Reject answers a Reject
                try send(.reject(Reject(code: .unexpectedMessage, refusedType: 0x04, refusedSequence: frame.sequence)))
            case .goodbye:
                established = false
                nonce = UInt32.random(in: 1...UInt32.max)
            default: break
            }
        }
        if !established && ContinuousClock.now - lastHello >= .milliseconds(100) {
            lastHello = .now
            try send(.hello(Hello(role: .application, capabilities: .all, sessionID: nonce)))
        }
    }
}

/// A deliberately broken real-time core on a ROUTER: it refuses a bad version range correctly, but
/// its HelloAck never has sequence 1 (its counter starts at 100 and never restarts), it never
/// heartbeats, and it answers every frame that fails to decode, Reject-typed garbage included,
/// without any rate limit.
private func runBrokenRealTimeCore(endpoint: String, ready: StopFlag, stop: StopFlag) throws {
    let context = try ZMQContext()
    let socket = try ZMQSocket(context: context, type: .router)
    try socket.bind(endpoint)
    ready.stop()
    var sequence: UInt32 = 100
    func reply(_ id: [UInt8], _ message: Message) throws {
        _ = try socket.sendMultipart([id, encoded(message, sequence: sequence)], flags: .dontWait)
        sequence &+= 1
    }
    while !stop.isStopped {
        _ = try socket.poll(timeoutMilliseconds: 5)
        while let parts = try socket.receiveMultipart(maximumPartSize: 2048, flags: .dontWait), parts.count == 2 {
            let (id, bytes) = (parts[0].bytes, parts[1].bytes)
            guard let frame = decoded(bytes) else {
                let header = bytes.count >= 24
                let type = header ? bytes[3] : 0
                let refused = header ? bytes[8..<12].reversed().reduce(UInt32(0)) { $0 << 8 | UInt32($1) } : 0
                try reply(id, .reject(Reject(code: .malformedFrame, refusedType: type, refusedSequence: refused)))
                continue
            }
            guard case .hello(let hello) = frame.message else { continue }
            if hello.minVersion > 1 {
                try reply(id, .reject(Reject(code: .versionMismatch, refusedType: 0x01, refusedSequence: frame.sequence)))
            } else {
                try reply(id, .helloAck(HelloAck(
                    acceptedVersion: 1, role: .realTime, clockMode: .real, capabilities: hello.capabilities.intersection(.all),
                    sessionID: hello.sessionID, tickPeriodNanoseconds: 1_000_000, quantumTicks: 1,
                    heartbeatIntervalMilliseconds: 50, livenessTimeoutMilliseconds: 250, seed: 1)))
            }
        }
    }
}

/// Runs `peer` on a thread of its own while `body` runs, then stops it.
private func withPeerThread<Result>(_ peer: @escaping @Sendable (StopFlag) -> Void, _ body: () throws -> Result) rethrows -> Result {
    let stop = StopFlag()
    let done = StopFlag()
    let thread = Thread {
        peer(stop)
        done.stop()
    }
    thread.start()
    defer {
        stop.stop()
        while !done.isStopped { usleep(1000) }
    }
    return try body()
}

@Suite("splitsoc conformance fails broken peers", .serialized)
struct ConformanceCatchesBrokenPeersTests {
    @Test(
        "An application core with skipped sequence numbers, no heartbeats and Reject ping-pong fails exactly those checks",
        .timeLimit(.minutes(1)))
    func brokenApplicationCoreFails() throws {
        try withTemporaryIPCPath { endpoint in
            try withProcessHarness { harness in
                let junit = harness.directory + "/app.xml"
                let output = try withPeerThread({ stop in try? runBrokenApplicationCore(endpoint: endpoint, stop: stop) }) {
                    try runKit(
                        harness,
                        ["--role", "app", "--endpoint", endpoint, "--only", "A-HELLO,A-ACK,A-SEQ,A-NOPINGPONG,A-REFUSED", "--junit", junit])
                }
                #expect(output.status == 1, "\(output.stdout)")
                let expected = ["A-HELLO": "PASS", "A-ACK": "FAIL", "A-SEQ": "FAIL", "A-NOPINGPONG": "FAIL", "A-REFUSED": "SKIP"]
                #expect(output.verdicts == expected, "\(output.stdout)")
                #expect(output.line("A-SEQ").contains("is followed by"), "\(output.line("A-SEQ"))")
                #expect(output.line("A-ACK").contains("0 Heartbeats"), "\(output.line("A-ACK"))")
                #expect(output.line("A-NOPINGPONG").contains("a Reject answered a Reject"), "\(output.line("A-NOPINGPONG"))")
                #expect(output.line("A-REFUSED").contains("--exec"))
                #expect(output.summary.map { [$0.passed, $0.failed, $0.skipped] } == [1, 3, 1])
                #expect(output.stdout.contains("revision: the peer fails 1.0 checks: A-ACK, A-SEQ, A-NOPINGPONG\n"))
                let xml = try String(contentsOfFile: junit, encoding: .utf8)
                #expect(xml.contains("tests=\"5\" failures=\"3\" errors=\"0\" skipped=\"1\""), "\(xml)")
                #expect(xml.contains("<failure message=\"sequence ") && xml.contains("is followed by"), "\(xml)")
            }
        }
    }

    @Test(
        "A real-time core with a wrong HelloAck sequence, no heartbeats and unlimited Rejects fails exactly those checks",
        .timeLimit(.minutes(1)))
    func brokenRealTimeCoreFails() throws {
        try withTemporaryIPCPath { endpoint in
            try withProcessHarness { harness in
                let ready = StopFlag()
                let output = try withPeerThread({ stop in try? runBrokenRealTimeCore(endpoint: endpoint, ready: ready, stop: stop) }) {
                    while !ready.isStopped { usleep(1000) }
                    let only = "R-VERSION,R-HANDSHAKE,R-HEARTBEAT,R-MALFORMED,R-RATELIMIT"
                    return try runKit(harness, ["--role", "rt", "--endpoint", endpoint, "--only", only])
                }
                #expect(output.status == 1, "\(output.stdout)")
                let expected = ["R-VERSION": "PASS", "R-HANDSHAKE": "FAIL", "R-HEARTBEAT": "FAIL", "R-MALFORMED": "FAIL", "R-RATELIMIT": "FAIL"]
                #expect(output.verdicts == expected, "\(output.stdout)")
                #expect(output.line("R-HANDSHAKE").contains("not 1"), "\(output.line("R-HANDSHAKE"))")
                #expect(output.line("R-MALFORMED").contains("0x04-typed garbage frame was answered"), "\(output.line("R-MALFORMED"))")
                #expect(output.line("R-RATELIMIT").contains("got 500 Rejects"), "\(output.line("R-RATELIMIT"))")
            }
        }
    }
}

@Suite("splitsoc conformance: command line and report format")
struct ConformanceFormatTests {
    @Test("--list prints every check of SPEC §10 for both roles, in the spec's order")
    func listMatchesTheSpec() throws {
        try withProcessHarness { harness in
            let output = try runKit(harness, ["--list"], timeout: .seconds(20))
            let ids = output.stdout.split(separator: "\n").compactMap { $0.split(separator: " ").first.map(String.init) }
            #expect(ids == SpecChecks.app + SpecChecks.rt)
            #expect(output.status == 0)
        }
    }

    @Test("Bad options are usage errors (64); an endpoint the kit cannot bind is a kit error (2) that names it")
    func badOptionsAndEndpoints() throws {
        try withProcessHarness { harness in
            let scale = try runKit(
                harness, ["--role", "rt", "--endpoint", "ipc:///tmp/x", "--timeout-scale", "-1"], timeout: .seconds(20))
            #expect(scale.status == 64)
            let unknown = try runKit(
                harness, ["--role", "app", "--endpoint", "ipc:///tmp/x", "--only", "A-HELLO,R-GRANT"], timeout: .seconds(20))
            #expect(unknown.status == 64)
            let kit = try harness.spawn(
                "splitsoc", ["conformance", "--role", "app", "--endpoint", "ipc:///nonexistent-dir/x"], name: "kit")
            #expect(try kit.waitForExit(timeout: .seconds(20)) == 2)
            #expect(kit.stderr.contains("cannot bind ipc:///nonexistent-dir/x: No such file or directory"), "\(kit.stderr)")
        }
    }

    @Test("--exec commands split like a shell's words, with {endpoint} in any word")
    func execCommandSplitting() {
        #expect(PeerProcess.split("app --link {endpoint} --module 'a b=x y.wasm' \"q\\\"t\" c\\ d") == [
            "app", "--link", "{endpoint}", "--module", "a b=x y.wasm", "q\"t", "c d",
        ])
        #expect(PeerProcess.split("  ''  x ") == ["", "x"])
    }

    @Test("Check lines and the summary have the documented shape")
    func lineShapes() {
        let check = ConformanceCheck(id: "A-X", what: "does a thing", section: "4.1") { _ in nil }
        var report = ConformanceReport(role: .app)
        report.append(CheckResult(check: check, outcome: .passed(note: nil), seconds: 0.1))
        report.append(CheckResult(check: check, outcome: .failed("two\nlines"), seconds: 0.2))
        report.append(CheckResult(check: check, outcome: .skipped("why"), seconds: 0))
        #expect(report.results.map(ConformanceReport.line(for:)) == [
            "PASS A-X does a thing", "FAIL A-X does a thing — two lines", "SKIP A-X does a thing — why",
        ])
        #expect(report.summary == "conformance: 1 passed, 1 failed, 1 skipped")
        let xml = report.junit()
        #expect(xml.contains("<testsuite name=\"splitsoc-conformance-app\" tests=\"3\" failures=\"1\" errors=\"0\" skipped=\"1\" time=\"0.300\">"))
        #expect(xml.contains("<failure message=\"two lines\" type=\"conformance\">SPEC §4.1: does a thing&#10;two&#10;lines</failure>"))
        #expect(xml.contains("<skipped message=\"why\"/>"))
        #expect(report.revision == "revision: the peer fails 1.0 checks: A-X")
    }

    @Test("The revision line names the revision whose checks all passed (SPEC §9.1)")
    func revisionVerdict() {
        let old = ConformanceCheck(id: "R-OLD", what: "1.0 behaviour", section: "4.1") { _ in nil }
        let new = ConformanceCheck(id: "R-NEW", what: "1.1 behaviour", section: "4.7", since: "1.1") { _ in nil }
        var report = ConformanceReport(role: .rt)
        report.append(CheckResult(check: old, outcome: .passed(note: nil), seconds: 0))
        #expect(report.revision == "revision: the peer passes every check run (revisions 1.0 and 1.1)")
        report.append(CheckResult(check: new, outcome: .failed("no"), seconds: 0))
        #expect(report.revision == "revision: the peer passes the 1.0 checks run; 1.1 checks failed: R-NEW")
    }
}
