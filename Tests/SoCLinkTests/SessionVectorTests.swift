import Foundation
import SoCLink
import SoCWire
import Testing

/// Replays `protocol/vectors/v1.1-session.vectors` (SPEC §8.1) against `LinkStateMachine`: every
/// frame goes through the real codec, every expectation is checked, and a vector the machine does
/// not meet fails with the script's name and line.
@Suite("Session vectors of revision 1.1")
struct SessionVectorTests {
    static func vectorFile() throws -> String {
        let url = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent().appendingPathComponent("protocol/vectors/v1.1-session.vectors")
        return try String(contentsOf: url, encoding: .utf8)
    }

    @Test("Every script of the session vector file passes")
    func everyScriptPasses() throws {
        let scripts = try SessionScript.parse(try Self.vectorFile())
        #expect(scripts.count >= 15)
        for script in scripts {
            var runner = SessionScriptRunner(script)
            for failure in runner.run() { Issue.record("\(script.name): \(failure)") }
        }
    }

    @Test("A wrong expectation is reported (the runner can fail)")
    func runnerCanFail() throws {
        let text = """
            script broken role=rt
            at 0 A hello seq=1 nonce=7 caps=all
            expect send reject code=notReady
            count sessions=2
            """
        let script = try #require(try SessionScript.parse(text).first)
        var runner = SessionScriptRunner(script)
        #expect(runner.run().count == 2)
    }
}

/// One script: its header fields and its steps, with their line numbers.
struct SessionScript {
    var name: String
    var options: [String: String]
    var steps: [(line: Int, words: [String])] = []

    struct ParseError: Error, CustomStringConvertible { let description: String }

    static func parse(_ text: String) throws -> [SessionScript] {
        var scripts: [SessionScript] = []
        for (index, raw) in text.split(separator: "\n", omittingEmptySubsequences: false).enumerated() {
            let line = raw.split(separator: "#", maxSplits: 1, omittingEmptySubsequences: false).first ?? ""
            let words = line.split(separator: " ").map(String.init)
            guard let first = words.first else { continue }
            if first == "script" {
                guard words.count >= 2 else { throw ParseError(description: "line \(index + 1): script needs a name") }
                scripts.append(SessionScript(name: words[1], options: fields(words.dropFirst(2))))
            } else {
                guard !scripts.isEmpty else { throw ParseError(description: "line \(index + 1): step before a script") }
                scripts[scripts.count - 1].steps.append((index + 1, words))
            }
        }
        return scripts
    }

    static func fields(_ words: some Sequence<String>) -> [String: String] {
        var result: [String: String] = [:]
        for word in words {
            let pair = word.split(separator: "=", maxSplits: 1).map(String.init)
            if pair.count == 2 { result[pair[0]] = pair[1] }
        }
        return result
    }
}

/// Runs one script: feeds its frames, checks the action after each step and the counters.
struct SessionScriptRunner: ~Copyable {
    let script: SessionScript
    var machine: LinkStateMachine
    private var peers: [String: LinkPeer] = [:]
    private var lastAction: LinkAction = .none
    private var lastNonce: UInt32 = 0
    private var failures: [String] = []

    init(_ script: SessionScript) {
        self.script = script
        let options = script.options
        let role: PeerRole = options["role"] == "app" ? .application : .realTime
        let parameters = SessionParameters(
            clockMode: options["clock"] == "virtual" ? .virtual : .real, tickPeriodNanoseconds: 1_000_000,
            quantumTicks: 1, heartbeatIntervalMilliseconds: UInt16(options["heartbeat"] ?? "50") ?? 50,
            livenessTimeoutMilliseconds: UInt16(options["liveness"] ?? "250") ?? 250)
        machine = LinkStateMachine(
            configuration: LinkConfiguration(
                role: role, requiredCapabilities: Self.capabilities(options["required"] ?? "none"),
                sessionParameters: parameters))
    }

    static func capabilities(_ text: String) -> LinkCapabilities {
        if text == "all" { return .all }
        var set: LinkCapabilities = []
        for name in text.split(separator: "+") {
            switch name {
            case "samples": set.insert(.samples)
            case "commands": set.insert(.commands)
            case "moduleEvents": set.insert(.moduleEvents)
            case "lockstep": set.insert(.lockstep)
            default: break
            }
        }
        return set
    }

    static func nanoseconds(_ milliseconds: String) -> UInt64 { 1_000_000_000 + (UInt64(milliseconds) ?? 0) * 1_000_000 }

    mutating func run() -> [String] {
        for step in script.steps {
            do {
                try perform(step.words)
            } catch {
                failures.append("line \(step.line): \(error)")
            }
        }
        return failures
    }

    private mutating func perform(_ words: [String]) throws {
        switch words[0] {
        case "at": try receive(words)
        case "bytes": receiveBytes(words)
        case "timers": timers(at: Self.nanoseconds(words[1]))
        case "expect": check(words)
        case "count": checkCount(words[1])
        default: throw SessionScript.ParseError(description: "unknown step '\(words[0])'")
        }
    }

    private mutating func peer(_ name: String) -> LinkPeer {
        if let peer = peers[name] { return peer }
        let peer = LinkPeer(rawValue: UInt32(peers.count + 1))
        peers[name] = peer
        return peer
    }

    private mutating func receive(_ words: [String]) throws {
        let fields = SessionScript.fields(words.dropFirst(4))
        let frame = try wire(Frame(sequence: UInt32(fields["seq"] ?? "1") ?? 1, timestamp: 0, message: message(words[3], fields)))
        lastAction = machine.frameReceived(frame, from: peer(words[2]), now: Self.nanoseconds(words[1]))
        remember(lastAction)
    }

    private mutating func receiveBytes(_ words: [String]) {
        let bytes = stride(from: 0, to: words[3].count, by: 2).compactMap { offset -> UInt8? in
            let start = words[3].index(words[3].startIndex, offsetBy: offset)
            return UInt8(words[3][start..<words[3].index(start, offsetBy: 2)], radix: 16)
        }
        let (error, peek) = bytes.withUnsafeBytes { raw -> (DecodeError, (type: UInt8, sequence: UInt32)?) in
            do {
                _ = try FrameCodec.decode(raw)
                return (DecodeError(.truncated, at: 0), nil)
            } catch let error as DecodeError {
                return (error, FrameCodec.peekTypeAndSequence(raw))
            } catch {
                return (DecodeError(.truncated, at: 0), nil)
            }
        }
        lastAction = machine.decodeFailed(error, peek: peek, from: peer(words[2]), now: Self.nanoseconds(words[1]))
    }

    private mutating func timers(at now: UInt64) {
        lastAction = machine.state == .idle && machine.configuration.role == .application
            ? machine.start(now: now) : machine.pollTimers(now: now)
        remember(lastAction)
    }

    private mutating func remember(_ action: LinkAction) {
        if case .send(.hello(let hello)) = action { lastNonce = hello.sessionID }
        if case .peerLost(reply: .hello(let hello)?) = action { lastNonce = hello.sessionID }
    }
}

// MARK: Frames and expectations

extension SessionScriptRunner {
    func wire(_ frame: Frame) throws -> Frame {
        var buffer = [UInt8](repeating: 0, count: Wire.maxFrameSize)
        let count = try buffer.withUnsafeMutableBytes { try FrameCodec.encode(frame, into: $0) }
        return try buffer.withUnsafeBytes { try FrameCodec.decode(UnsafeRawBufferPointer(rebasing: $0[0..<count])) }
    }

    func message(_ type: String, _ f: [String: String]) throws -> Message {
        func int<T: FixedWidthInteger>(_ key: String, _ fallback: T = 0) -> T { f[key].flatMap { T($0) } ?? fallback }
        switch type {
        case "hello":
            return .hello(Hello(
                role: .application, minVersion: int("min", 1), maxVersion: int("max", 1),
                capabilities: Self.capabilities(f["caps"] ?? "all"), sessionID: int("nonce")))
        case "helloAck":
            return .helloAck(HelloAck(
                acceptedVersion: 1, role: .realTime, clockMode: .real, capabilities: Self.capabilities(f["caps"] ?? "all"),
                sessionID: f["echo"] != nil ? lastNonce : int("sessionID"), tickPeriodNanoseconds: 1_000_000,
                quantumTicks: 1, heartbeatIntervalMilliseconds: 50, livenessTimeoutMilliseconds: 250, seed: 0))
        case "heartbeat": return .heartbeat(Heartbeat(lastReceivedSequence: int("last"), framesLost: int("lost")))
        case "command": return .command(Command(target: int("target"), milliValue: int("value"), validTicks: int("valid")))
        case "reject":
            let code = RejectCode.allCases.first { "\($0)" == f["code"] } ?? .malformedFrame
            return .reject(Reject(code: code, refusedType: int("refusedType"), refusedSequence: int("refusedSequence")))
        case "tickAck": return .tickAck(throughTick: int("through"))
        default: throw SessionScript.ParseError(description: "unknown message type '\(type)'")
        }
    }

    /// The name and fields of a message, as the vector file writes them.
    static func describe(_ message: Message) -> (type: String, fields: [String: String]) {
        switch message {
        case .reject(let r):
            return ("reject", ["code": "\(r.code)", "refusedType": "\(r.refusedType)", "refusedSequence": "\(r.refusedSequence)"])
        case .helloAck(let a): return ("helloAck", ["sessionID": "\(a.sessionID)"])
        case .hello(let h): return ("hello", ["nonce": "\(h.sessionID)"])
        case .heartbeat(let h): return ("heartbeat", ["last": "\(h.lastReceivedSequence)", "lost": "\(h.framesLost)"])
        case .command: return ("command", [:])
        default: return ("\(message.type)", [:])
        }
    }

    mutating func check(_ words: [String]) {
        let expected = SessionScript.fields(words.dropFirst(2))
        let got = Self.describeAction(lastAction, machine: machine)
        guard got.action == words[1], words.count < 3 || words[2].contains("=") || got.type == words[2] else {
            failures.append("expected \(words.dropFirst().joined(separator: " ")), got \(lastAction)")
            return
        }
        for (key, value) in expected where key != "to" && got.fields[key] != value {
            failures.append("expected \(key)=\(value), got \(got.fields[key] ?? "nothing") in \(lastAction)")
        }
    }

    static func describeAction(_ action: LinkAction, machine: borrowing LinkStateMachine) -> (action: String, type: String, fields: [String: String]) {
        switch action {
        case .none: return ("nothing", "", [:])
        case .send(let message):
            let (type, fields) = describe(message)
            return ("send", type, fields)
        case .deliver(let message): return ("deliver", describe(message).type, [:])
        case .established(_, _, _, let resync):
            return ("established", "", ["resync": resync ? "1" : "0", "takeover": machine.lastEstablishmentWasTakeover ? "1" : "0"])
        case .peerLost: return ("lost", "", [:])
        case .peerLeft: return ("left", "", [:])
        case .handshakeRefused: return ("refused", "", [:])
        case .rejectedByPeer: return ("rejected", "", [:])
        }
    }

    mutating func checkCount(_ assignment: String) {
        let pair = assignment.split(separator: "=").map(String.init)
        let members = machine.counters.jsonMembers
        let key = "\"\(pair[0])\":"
        guard let range = members.range(of: key) else {
            failures.append("unknown counter \(pair[0])")
            return
        }
        let value = members[range.upperBound...].prefix { $0.isNumber }
        if value != pair[1] { failures.append("expected \(pair[0])=\(pair[1]), got \(value)") }
    }
}
