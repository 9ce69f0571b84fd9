import ZeroMQ

/// How the link authenticates its peer (docs/threat-model.md).
///
/// With CURVE the real-time core is the server: it holds its secret key and lets in only the
/// application cores whose public keys are on its allow-list (checked by the context's
/// `ZMQZAPAuthenticator`); the application core is the client and must know the server's public
/// key. CURVE also encrypts the link. It needs a ZMTP transport (`tcp://` or `ipc://`): over
/// `inproc://` libzmq does no handshake at all, so the setting would silently do nothing.
public enum LinkSecurity: Sendable, Hashable {
    /// No authentication (ZeroMQ's NULL mechanism): whoever can reach the endpoint is a peer.
    case none
    /// The binding side: a CURVE server that allows exactly `allowedClients`.
    case curveServer(secretKey: ZMQCurveKey, publicKey: ZMQCurveKey, allowedClients: Set<ZMQCurveKey>)
    /// The connecting side: a CURVE client that talks only to the server with `serverPublicKey`.
    case curveClient(secretKey: ZMQCurveKey, publicKey: ZMQCurveKey, serverPublicKey: ZMQCurveKey)

    /// The ZAP domain of a CURVE server socket: one per server key, so two servers in one context
    /// keep separate allow-lists.
    public static func zapDomain(serverPublicKey: ZMQCurveKey) -> String {
        "splitsoc.link." + serverPublicKey.z85
    }

    /// Whether the endpoint's transport can carry this setting (`inproc://` cannot carry CURVE).
    public func supports(endpoint: String) -> Bool {
        if case .none = self { return true }
        return endpoint.hasPrefix("tcp://") || endpoint.hasPrefix("ipc://")
    }

    /// "none" or "curve": for status lines and summaries.
    public var name: String {
        if case .none = self { return "none" }
        return "curve"
    }
}

extension ZMQFrameTransport {
    /// Applies `security` to a link socket before it binds or connects. A CURVE server first
    /// registers its allow-list with the context's ZAP authenticator (starting it), because libzmq
    /// lets CURVE clients in unchecked while no ZAP handler is bound.
    /// - Throws: `ZMQError` from the authenticator or `zmq_setsockopt`.
    static func applySecurity(_ security: LinkSecurity, to socket: borrowing ZMQSocket, context: ZMQContext) throws(ZMQError) {
        switch security {
        case .none:
            return
        case .curveServer(let secretKey, let publicKey, let allowedClients):
            let domain = LinkSecurity.zapDomain(serverPublicKey: publicKey)
            try context.zapAuthenticator().allowCurveClients(allowedClients, domain: domain)
            try socket.setOption(.zapDomain, to: domain)
            try socket.setOption(.curveServer, to: 1)
            try socket.setOption(.curveSecretKey, to: secretKey)
        case .curveClient(let secretKey, let publicKey, let serverPublicKey):
            try socket.setOption(.curveServerKey, to: serverPublicKey)
            try socket.setOption(.curvePublicKey, to: publicKey)
            try socket.setOption(.curveSecretKey, to: secretKey)
        }
    }
}
