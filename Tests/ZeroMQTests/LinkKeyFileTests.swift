import Foundation
@testable import SoCLinkZMQ
import SoCTesting
import Testing
import ZeroMQ

/// Runs `body` in a fresh private directory that is removed afterwards.
private func withDirectory<Result>(_ body: (String) throws -> Result) throws -> Result {
    let directory = try makeTemporaryDirectory(prefix: "ssoc-keys")
    defer { try? FileManager.default.removeItem(atPath: directory) }
    return try body(directory)
}

private func mode(_ path: String) throws -> Int {
    try #require(try FileManager.default.attributesOfItem(atPath: path)[.posixPermissions] as? Int)
}

/// The one-line error a load gives, or "" when it loads.
private func loadError(_ path: String, _ kind: LinkKeyKind) -> String {
    do {
        _ = try LinkKeyFile.load(path: path, expecting: kind)
        return ""
    } catch {
        return error.description
    }
}

@Suite("Key files: self-describing, private, and refused with one clear line")
struct LinkKeyFileTests {
    @Test("a written pair loads back; the secret file is 0600, the public one 0644, the format is two lines")
    func roundTrip() throws {
        try withDirectory { directory in
            let pair = try ZMQCurveKeyPair.generate()
            try LinkKeyFile.write(pair.secretKey, kind: .curveSecret, to: directory + "/a.key", replace: false)
            try LinkKeyFile.write(pair.publicKey, kind: .curvePublic, to: directory + "/a.pub", replace: false)
            #expect(try mode(directory + "/a.key") == 0o600)
            #expect(try mode(directory + "/a.pub") == 0o644)
            #expect(try String(contentsOfFile: directory + "/a.pub", encoding: .utf8)
                == "splitsoc-key v1 kind=curve25519-public\n\(pair.publicKey.z85)\n")
            #expect(try LinkKeyFile.loadKeyPair(secretKeyPath: directory + "/a.key") == pair)
            #expect(try LinkKeyFile.load(path: directory + "/a.pub", expecting: .curvePublic) == pair.publicKey)
        }
    }

    @Test("an existing file is not overwritten unless asked, and a replaced secret file is 0600 again")
    func overwriteRules() throws {
        try withDirectory { directory in
            let path = directory + "/a.key"
            let first = try ZMQCurveKeyPair.generate().secretKey
            try LinkKeyFile.write(first, kind: .curveSecret, to: path, replace: false)
            let error = #expect(throws: LinkKeyFileError.self) {
                try LinkKeyFile.write(first, kind: .curveSecret, to: path, replace: false)
            }
            #expect(error?.description == "\(path): already exists (pass --force to replace it)")
            chmod(path, 0o644)
            let second = try ZMQCurveKeyPair.generate().secretKey
            try LinkKeyFile.write(second, kind: .curveSecret, to: path, replace: true)
            #expect(try mode(path) == 0o600)
            #expect(try LinkKeyFile.load(path: path, expecting: .curveSecret) == second)
        }
    }

    @Test("a secret key file readable by group or others is refused with the chmod to run")
    func permissiveSecretIsRefused() throws {
        try withDirectory { directory in
            let path = directory + "/a.key"
            try LinkKeyFile.write(try ZMQCurveKeyPair.generate().secretKey, kind: .curveSecret, to: path, replace: false)
            chmod(path, 0o640)
            #expect(loadError(path, .curveSecret)
                == "\(path): secret key file is accessible by group/others (mode 0640): run chmod 600 \(path)")
            chmod(path, 0o604)
            #expect(loadError(path, .curveSecret).contains("(mode 0604)"))
        }
    }

    @Test("wrong kind, foreign file, other version, bad Z85, wrong length and a missing file each say so")
    func malformedFilesAreRefused() throws {
        try withDirectory { directory in
            let key = try ZMQCurveKeyPair.generate().publicKey
            func file(_ name: String, _ text: String) throws -> String {
                let path = directory + "/" + name
                try LinkKeyFile.write(key, kind: .curvePublic, to: path, replace: true)
                try text.write(toFile: path, atomically: false, encoding: .utf8)
                return path
            }
            let pub = try file("a.pub", LinkKeyFile.text(kind: .curvePublic, key: key))
            #expect(loadError(pub, .curveSecret)
                == "\(pub): is a kind=curve25519-public, expected kind=curve25519-secret (pass the NAME.key file)")
            let cases: [(String, String)] = [
                ("-----BEGIN PRIVATE KEY-----\nabc\n", "not a splitsoc key file (the first line must be 'splitsoc-key v1 kind=…')"),
                ("splitsoc-key v2 kind=curve25519-public\n\(key.z85)\n", "unsupported key file version v2 (this splitsoc reads v1)"),
                ("splitsoc-key v1 kind=ed25519-public\n\(key.z85)\n", "is a kind=ed25519-public, expected kind=curve25519-public (pass the NAME.pub file)"),
                ("splitsoc-key v1 kind=curve25519-public\n\(key.z85.dropLast())\n", "the key is not valid Z85 (39 characters; a CURVE key is 40)"),
                ("splitsoc-key v1 kind=curve25519-public\n\(key.z85)HelloWorld\n", "the key is 40 bytes, expected 32"),
                ("splitsoc-key v1 kind=curve25519-public\n", "expected exactly one key line after the header, found 0"),
            ]
            for (index, (text, reason)) in cases.enumerated() {
                let path = try file("case\(index).pub", text)
                #expect(loadError(path, .curvePublic) == "\(path): \(reason)")
            }
            // Extra words on the header and CRLF line ends are accepted (forward compatibility, Windows editors).
            let crlf = try file("crlf.pub", "splitsoc-key v1 kind=curve25519-public comment=rt\r\n\(key.z85)\r\n")
            #expect(loadError(crlf, .curvePublic) == "")
            #expect(loadError(directory + "/missing.pub", .curvePublic) == "\(directory)/missing.pub: cannot read: No such file or directory")
        }
    }
}

@Suite("ipc:// endpoints must live in a private directory")
struct IPCDirectoryCheckTests {
    @Test("a mkdtemp directory passes; a group/other-accessible one, /tmp itself and abstract sockets do not")
    func directoryModes() throws {
        try withDirectory { directory in
            #expect(IPCDirectoryCheck.problem(endpoint: "ipc://\(directory)/link") == nil)
            chmod(directory, 0o750)
            #expect(IPCDirectoryCheck.problem(endpoint: "ipc://\(directory)/link")
                == "ipc directory \(directory) is accessible by other users (mode 0750): use a private directory (mkdir -m 700) or pass --allow-shared-ipc-dir")
            chmod(directory, 0o700)
            #expect(IPCDirectoryCheck.problem(endpoint: "ipc://\(directory)/link", userID: geteuid() &+ 1)?
                .contains("belongs to uid \(geteuid()), not to this user") == true)
        }
        #expect(IPCDirectoryCheck.problem(endpoint: "ipc:///tmp/link")?.hasPrefix("ipc directory /tmp is accessible by other users (mode 1777)") == true)
        #expect(IPCDirectoryCheck.problem(endpoint: "ipc://@splitsoc")?.contains("abstract socket") == true)
        #expect(IPCDirectoryCheck.problem(endpoint: "tcp://127.0.0.1:5555") == nil)
        #expect(IPCDirectoryCheck.problem(endpoint: "ipc:///nonexistent-dir/link") == nil)
    }

    @Test("the directory of a socket path: its parent, / for the root, the working directory for a bare name")
    func directoryNames() {
        #expect(IPCDirectoryCheck.directoryName(of: "/a/b/link") == "/a/b")
        #expect(IPCDirectoryCheck.directoryName(of: "/link") == "/")
        #expect(IPCDirectoryCheck.directoryName(of: "link") == FileManager.default.currentDirectoryPath)
    }
}
