import SoCLinkZMQ
import Synchronization
import ZeroMQ

/// The real-time core's link security: the `LinkSecurity` it binds with, whether a shared ipc
/// directory is accepted, and (once bound) the authenticator whose counts the summary reports.
///
/// Thread-safe: the authenticator slot is set once by the main thread before the I/O thread starts.
final class RTLinkSecurity: Sendable {
    let security: LinkSecurity
    let allowSharedIPCDirectory: Bool
    private let authenticator = Mutex<ZMQZAPAuthenticator?>(nil)

    init(security: LinkSecurity = .none, allowSharedIPCDirectory: Bool = false) {
        self.security = security
        self.allowSharedIPCDirectory = allowSharedIPCDirectory
    }

    /// Loads the key files of `--curve-secret-key` and `--curve-allow`.
    /// - Throws: `LinkKeyFileError` (one line naming the file) for a bad or too permissive file.
    static func curveServer(secretKeyPath: String, allowPaths: [String]) throws(LinkKeyFileError) -> LinkSecurity {
        let pair = try LinkKeyFile.loadKeyPair(secretKeyPath: secretKeyPath)
        var allowed = Set<ZMQCurveKey>()
        for path in allowPaths { allowed.insert(try LinkKeyFile.load(path: path, expecting: .curvePublic)) }
        return .curveServer(secretKey: pair.secretKey, publicKey: pair.publicKey, allowedClients: allowed)
    }

    /// Starts the context's authenticator for a CURVE server (before the link binds: see
    /// `ZMQZAPAuthenticator`) and logs its refusals. Does nothing for `.none`.
    func prepare(_ context: ZMQContext) throws(ZMQError) {
        guard case .curveServer(_, let publicKey, let allowed) = security else { return }
        let started = try context.zapAuthenticator()
        started.onRefusal(Self.log)
        authenticator.withLock { $0 = started }
        say("link security curve server_key=\(publicKey.z85) allowed_clients=\(allowed.count)")
    }

    /// One line per refused key at its 1st, 2nd, 4th, 8th… refusal: a client retrying every 100 ms
    /// gives a handful of lines a minute, not ten a second.
    @Sendable static func log(_ refusal: ZMQZAPRefusal) {
        guard refusal.occurrence & (refusal.occurrence - 1) == 0 else { return }
        let key = refusal.clientKey?.z85 ?? "none(\(refusal.mechanism))"
        let from = refusal.address.isEmpty ? "ipc" : refusal.address
        say("refused CURVE client key=\(key) from \(from) reason=\"\(refusal.reason)\" refusals=\(refusal.occurrence) total=\(refusal.total)")
    }

    /// `"link_security":{…}` for the summary JSON.
    var summaryJSON: String {
        let statistics = authenticator.withLock { $0?.statistics } ?? ZMQZAPAuthenticator.Statistics()
        return "{\"mode\":\"\(security.name)\",\"clients_allowed\":\(statistics.allowed),"
            + "\"clients_refused\":\(statistics.refused),\"zap_errors\":\(statistics.errors)}"
    }
}
