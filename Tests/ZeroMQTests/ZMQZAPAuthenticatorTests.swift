import Foundation
import Synchronization
import Testing
import ZeroMQ

/// Sends `frames` as one multi-part message.
private func sendFrames(_ frames: [[UInt8]], on socket: borrowing ZMQSocket) throws {
    for (index, frame) in frames.enumerated() {
        _ = try socket.send(frame.span.bytes, flags: index == frames.count - 1 ? [] : .sendMore)
    }
}

/// Receives one multi-part message, or `nil` if none arrives within `timeoutMilliseconds`.
private func receiveFrames(on socket: borrowing ZMQSocket, timeoutMilliseconds: Int = 5_000) throws -> [[UInt8]]? {
    guard try socket.poll(events: .readable, timeoutMilliseconds: timeoutMilliseconds).contains(.readable) else { return nil }
    var frames: [[UInt8]] = []
    repeat {
        var buffer = [UInt8](repeating: 0, count: 256)
        var span = buffer.mutableSpan
        guard case .received(let count) = try socket.receive(into: &span) else { break }
        frames.append(Array(buffer.prefix(count)))
    } while try socket.option(.receiveMore) == 1
    return frames
}

/// A ZAP request as libzmq's CURVE server sends it (RFC 27).
private func zapRequest(id: String, domain: String, address: String = "10.0.0.1", mechanism: String = "CURVE", key: [UInt8]) -> [[UInt8]] {
    [Array("1.0".utf8), Array(id.utf8), Array(domain.utf8), Array(address.utf8), [], Array(mechanism.utf8), key]
}

/// Polls `condition` until it holds or `timeout` passes (for effects that happen on another thread).
func eventually(timeout: Duration = .seconds(10), _ condition: () throws -> Bool) rethrows -> Bool {
    let deadline = ContinuousClock.now + timeout
    while ContinuousClock.now < deadline {
        if try condition() { return true }
        usleep(2_000)
    }
    return try condition()
}

@Suite("The ZAP policy decides requests and fails closed")
struct ZMQZAPPolicyTests {
    @Test("an allowed CURVE key is 200 with its Z85 as user id; anything else is 400")
    func policyAllowsExactlyTheList() throws {
        let allowed = try ZMQCurveKeyPair.generate().publicKey
        let stranger = try ZMQCurveKeyPair.generate().publicKey
        var policy = ZMQZAPPolicy()
        policy.allowedCurveClients["link"] = [allowed]
        func decide(domain: String = "link", mechanism: String = "CURVE", key: [UInt8]) -> ZMQZAPDecision {
            policy.decide(ZMQZAPRequest(frames: zapRequest(id: "1", domain: domain, mechanism: mechanism, key: key))!)
        }
        #expect(decide(key: allowed.bytes) == ZMQZAPDecision(statusCode: "200", statusText: "OK", userID: allowed.z85))
        #expect(decide(key: stranger.bytes).statusText == "client key not allowed")
        #expect(!decide(key: stranger.bytes).isAllowed)
        #expect(decide(domain: "other", key: allowed.bytes).statusText == "unknown ZAP domain")
        #expect(decide(mechanism: "NULL", key: allowed.bytes).statusText == "mechanism NULL not allowed")
        #expect(decide(key: Array(allowed.bytes.prefix(31))).statusText == "malformed CURVE credentials")
        #expect(ZMQZAPRequest(frames: [Array("1.0".utf8), [1]]) == nil)
        #expect(ZMQZAPRequest(frames: zapRequest(id: "1", domain: "link", key: []).map { $0 == Array("1.0".utf8) ? Array("2.0".utf8) : $0 }) == nil)
    }
}

@Suite("The ZAP authenticator thread (RFC 27 over inproc://zeromq.zap.01)", .serialized)
struct ZMQZAPAuthenticatorTests {
    @Test("it answers a well-formed request with the six reply frames and records a refusal with its address")
    func answersRequestsAndRecordsRefusals() throws {
        let context = try ZMQContext()
        let authenticator = try context.zapAuthenticator()
        #expect(try context.zapAuthenticator() === authenticator)
        let allowed = try ZMQCurveKeyPair.generate().publicKey
        let stranger = try ZMQCurveKeyPair.generate().publicKey
        authenticator.allowCurveClients([allowed], domain: "d")
        let seen = RefusalBox()
        authenticator.onRefusal { seen.append($0) }

        let requester = try ZMQSocket(context: context, type: .request)
        try requester.connect(ZMQZAPAuthenticator.endpoint)
        try sendFrames(zapRequest(id: "7", domain: "d", key: allowed.bytes), on: requester)
        let ok = try #require(try receiveFrames(on: requester))
        #expect(ok == [Array("1.0".utf8), Array("7".utf8), Array("200".utf8), Array("OK".utf8), Array(allowed.z85.utf8), []])

        for id in ["8", "9"] {
            try sendFrames(zapRequest(id: id, domain: "d", address: "192.0.2.5", key: stranger.bytes), on: requester)
            let refused = try #require(try receiveFrames(on: requester))
            #expect(refused.count == 6)
            #expect(refused[1] == Array(id.utf8))
            #expect(refused[2] == Array("400".utf8))
        }
        #expect(authenticator.statistics == .init(allowed: 1, refused: 2, errors: 0))
        let last = try #require(authenticator.recentRefusals.last)
        #expect(last.clientKey == stranger && last.address == "192.0.2.5" && last.occurrence == 2 && last.total == 2)
        #expect(eventually { seen.values.map(\.occurrence) == [1, 2] })

        try sendFrames([Array("0.9".utf8), Array("x".utf8)], on: requester)
        #expect(try #require(try receiveFrames(on: requester))[2] == Array("500".utf8))
        #expect(authenticator.statistics.errors == 1)
    }

    @Test("after stop() requests go unanswered (fail closed), and shutting the context down ends the thread")
    func stopFailsClosed() throws {
        let context = try ZMQContext()
        let authenticator = try context.zapAuthenticator()
        let key = try ZMQCurveKeyPair.generate().publicKey
        authenticator.allowCurveClients([key], domain: "d")
        authenticator.stop()
        #expect(!authenticator.isRunning)
        let requester = try ZMQSocket(context: context, type: .request)
        try requester.connect(ZMQZAPAuthenticator.endpoint)
        try sendFrames(zapRequest(id: "1", domain: "d", key: key.bytes), on: requester)
        // Absence of a reply cannot be awaited as an event: give it far longer than an answer takes (< 1 ms).
        #expect(try receiveFrames(on: requester, timeoutMilliseconds: 300) == nil)
        #expect(authenticator.statistics.allowed == 0)

        let other = try ZMQContext()
        let running = try other.zapAuthenticator()
        #expect(running.isRunning)
        other.shutdown()
        #expect(eventually { !running.isRunning })
    }

    @Test("a second handler in the same context cannot bind the ZAP endpoint")
    func oneHandlerPerContext() throws {
        let context = try ZMQContext()
        let squatter = try ZMQSocket(context: context, type: .reply)
        try squatter.bind(ZMQZAPAuthenticator.endpoint)
        #expect(throws: ZMQError.addressInUse) { _ = try context.zapAuthenticator() }
    }
}

/// Refusals seen by the handler thread.
final class RefusalBox: Sendable {
    private let stored = Mutex<[ZMQZAPRefusal]>([])
    func append(_ refusal: ZMQZAPRefusal) { stored.withLock { $0.append(refusal) } }
    var values: [ZMQZAPRefusal] { stored.withLock { $0 } }
}
