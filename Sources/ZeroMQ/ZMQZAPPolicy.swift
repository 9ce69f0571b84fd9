/// One ZAP request (ZeroMQ RFC 27) as libzmq sends it to the authenticator.
public struct ZMQZAPRequest: Sendable, Hashable {
    /// The request id, echoed in the reply.
    public var requestID: [UInt8]
    /// The `ZMQ_ZAP_DOMAIN` of the socket that accepted the connection.
    public var domain: String
    /// The peer's address as libzmq sees it (`127.0.0.1` for tcp://; often empty for ipc://).
    public var address: String
    /// The security mechanism: `NULL`, `PLAIN` or `CURVE`.
    public var mechanism: String
    /// The mechanism's credentials; for CURVE one frame, the client's 32-byte long-term public key.
    public var credentials: [[UInt8]]

    /// A request with these fields.
    public init(requestID: [UInt8], domain: String, address: String, mechanism: String, credentials: [[UInt8]]) {
        self.requestID = requestID
        self.domain = domain
        self.address = address
        self.mechanism = mechanism
        self.credentials = credentials
    }

    /// Parses the frames of a request: version `1.0`, request id, domain, address, identity,
    /// mechanism, then the credentials. `nil` when the frames are not a version 1.0 request.
    public init?(frames: [[UInt8]]) {
        guard frames.count >= 6, frames[0] == Array("1.0".utf8) else { return nil }
        func text(_ index: Int) -> String { String(decoding: frames[index], as: UTF8.self) }
        self.init(
            requestID: frames[1], domain: text(2), address: text(3), mechanism: text(5),
            credentials: Array(frames.dropFirst(6)))
    }

    /// The client's CURVE public key, when the request is a well-formed CURVE one.
    public var curveClientKey: ZMQCurveKey? {
        guard mechanism == "CURVE", credentials.count == 1 else { return nil }
        return ZMQCurveKey(bytes: credentials[0])
    }
}

/// The authenticator's answer to one request.
public struct ZMQZAPDecision: Sendable, Hashable {
    /// RFC 27 status: "200" allowed, "400" refused, "500" internal error (malformed request).
    public var statusCode: String
    /// Human-readable reason sent back to libzmq.
    public var statusText: String
    /// The user id libzmq attaches to the connection's messages (`User-Id` metadata): the client key in Z85.
    public var userID: String

    /// A decision with these fields.
    public init(statusCode: String, statusText: String, userID: String = "") {
        self.statusCode = statusCode
        self.statusText = statusText
        self.userID = userID
    }

    /// Whether the connection is allowed.
    public var isAllowed: Bool { statusCode == "200" }

    /// The reply frames: version, request id, status code, status text, user id, empty metadata.
    public func replyFrames(requestID: [UInt8]) -> [[UInt8]] {
        [Array("1.0".utf8), requestID, Array(statusCode.utf8), Array(statusText.utf8), Array(userID.utf8), []]
    }
}

/// The authenticator's policy as a pure value: for each ZAP domain, the CURVE client keys allowed.
/// Anything else (an unknown domain, another mechanism, a malformed key) is refused: the policy
/// fails closed.
public struct ZMQZAPPolicy: Sendable, Hashable {
    /// Allowed CURVE client public keys per ZAP domain.
    public var allowedCurveClients: [String: Set<ZMQCurveKey>] = [:]

    /// An empty policy (refuses everything).
    public init() {}

    /// Decides one request.
    public func decide(_ request: ZMQZAPRequest) -> ZMQZAPDecision {
        guard let allowed = allowedCurveClients[request.domain] else {
            return ZMQZAPDecision(statusCode: "400", statusText: "unknown ZAP domain")
        }
        guard request.mechanism == "CURVE" else {
            return ZMQZAPDecision(statusCode: "400", statusText: "mechanism \(request.mechanism) not allowed")
        }
        guard let key = request.curveClientKey else {
            return ZMQZAPDecision(statusCode: "400", statusText: "malformed CURVE credentials")
        }
        guard allowed.contains(key) else {
            return ZMQZAPDecision(statusCode: "400", statusText: "client key not allowed")
        }
        return ZMQZAPDecision(statusCode: "200", statusText: "OK", userID: key.z85)
    }
}

/// A connection the authenticator refused.
public struct ZMQZAPRefusal: Sendable, Hashable {
    /// The ZAP domain of the socket it tried.
    public var domain: String
    /// The peer's address (`127.0.0.1`; may be empty for ipc://).
    public var address: String
    /// The security mechanism it used.
    public var mechanism: String
    /// Its CURVE public key, when it presented one.
    public var clientKey: ZMQCurveKey?
    /// Why (the status text sent back).
    public var reason: String
    /// How many times this key has been refused so far, this one included (1 the first time).
    /// Keys past the authenticator's tracking bound share one count, so a peer that cycles keys
    /// cannot make every refusal look like a first.
    public var occurrence: UInt64
    /// How many refusals in total so far, this one included.
    public var total: UInt64

    /// A refusal with these fields.
    public init(
        domain: String, address: String, mechanism: String, clientKey: ZMQCurveKey?, reason: String,
        occurrence: UInt64, total: UInt64
    ) {
        self.domain = domain
        self.address = address
        self.mechanism = mechanism
        self.clientKey = clientKey
        self.reason = reason
        self.occurrence = occurrence
        self.total = total
    }
}
