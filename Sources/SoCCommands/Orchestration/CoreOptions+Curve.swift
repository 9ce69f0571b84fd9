import Foundation
import SoCLinkZMQ

extension CoreOptions {
    /// Turns on CURVE for this run: a fresh key pair per core in `runDirectory/keys` (mode 0700;
    /// secret files 0600), the real-time core allowing exactly the application core's public key.
    /// Every application core started by the launcher (restarts too) uses the same key.
    /// - Throws: `LinkKeyFileError` or Foundation's error when the files cannot be written.
    public mutating func enableCurve() throws {
        let directory = runDirectory.appendingPathComponent("keys").path
        try FileManager.default.createDirectory(
            atPath: directory, withIntermediateDirectories: true, attributes: [.posixPermissions: 0o700])
        let rt = try LinkKeyFile.generatePair(directory: directory, name: "rt", replace: true)
        let app = try LinkKeyFile.generatePair(directory: directory, name: "app", replace: true)
        rtExtraArguments += ["--curve-secret-key", rt.secretPath, "--curve-allow", app.publicPath]
        appExtraArguments += ["--curve-secret-key", app.secretPath, "--curve-server-key", rt.publicPath]
    }
}
