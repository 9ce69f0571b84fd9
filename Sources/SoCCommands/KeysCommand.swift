import ArgumentParser
import Foundation
import SoCLinkZMQ
import ZeroMQ

/// `splitsoc keys …`: key files for the link (docs/process-interfaces.md).
struct KeysCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "keys",
        abstract: "Create key files for authenticating the link between the cores.",
        subcommands: [Generate.self],
        defaultSubcommand: Generate.self)

    /// The kinds of key pair `generate` makes; each file's first line names its kind.
    enum Kind: String, ExpressibleByArgument, CaseIterable {
        /// A CURVE (Curve25519) pair for ZeroMQ CURVE on the link.
        case curve
    }

    /// `splitsoc keys generate`.
    struct Generate: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Generate a key pair: DIR/NAME.key (secret, mode 0600) and DIR/NAME.pub (public).",
            discussion: """
                Each file is two lines: `splitsoc-key v1 kind=curve25519-secret` (or \
                `kind=curve25519-public`), then the key in Z85. Give the real-time core its .key \
                (--curve-secret-key) and the application cores' .pub files (--curve-allow); give \
                each application core its own .key and the real-time core's .pub (--curve-server-key).
                """)

        @Option(help: ArgumentHelp("The directory to write the files into (created, mode 0700, if missing).", valueName: "dir"))
        var output: String

        @Option(help: ArgumentHelp("The files' base name.", valueName: "name"))
        var name = "link"

        @Option(help: ArgumentHelp("The kind of key pair.", valueName: "curve"))
        var kind: Kind = .curve

        @Flag(help: "Replace existing files.")
        var force = false

        func validate() throws {
            guard !name.isEmpty, !name.contains("/"), name != ".", name != ".." else {
                throw ValidationError("--name must be a plain file name, not '\(name)'")
            }
        }

        func run() throws {
            do {
                try FileManager.default.createDirectory(
                    atPath: output, withIntermediateDirectories: true, attributes: [.posixPermissions: 0o700])
                let written = try LinkKeyFile.generatePair(directory: output, name: name, replace: force)
                print("wrote \(written.secretPath) (secret, mode 0600)")
                print("wrote \(written.publicPath) public=\(written.pair.publicKey.z85)")
            } catch {
                FileHandle.standardError.write(Data("splitsoc keys generate: \(error)\n".utf8))
                throw ExitCode(73)
            }
        }
    }
}
