import Foundation
import SoCTesting
import Testing

@Suite("ProcessHarness: children never outlive their test")
struct ProcessHarnessTests {
    @Test("a readiness line is seen, SIGTERM ends the child, and its status is 128 + 15")
    func readinessLineAndTerminate() throws {
        try withProcessHarness { harness in
            let child = try harness.spawn("/bin/sh", ["-c", "echo 'link bound ipc:///x'; echo oops >&2; exec sleep 30"], name: "sh")
            let line = try child.waitForLine(containing: "link bound", timeout: .seconds(20))
            #expect(line == "link bound ipc:///x")
            #expect(child.isRunning)
            #expect(child.terminate() == 128 + SIGTERM)
            #expect(child.stderr == "oops\n")
        }
    }

    @Test("finishing with a child still running fails, kills it and reports its output")
    func leftoverChildFailsTeardown() throws {
        let harness = try ProcessHarness()
        let child = try harness.spawn("/bin/sh", ["-c", "echo still-here; exec sleep 30"], name: "leftover")
        try child.waitForLine(containing: "still-here")
        let error = #expect(throws: ProcessHarnessError.self) { try harness.finish() }
        #expect(!child.isRunning)
        #expect(error?.description.contains("still-here") == true)
        #expect(error?.description.contains("leftover") == true)
    }

    @Test("waiting for a line the child never prints fails with its exit status once it exits")
    func childExitingEarlyIsReported() throws {
        try withProcessHarness { harness in
            let child = try harness.spawn("/bin/sh", ["-c", "echo nope; exit 3"], name: "early")
            let error = #expect(throws: ProcessHarnessError.self) { try child.waitForLine(containing: "ready") }
            #expect(error?.description.contains("exit status 3") == true)
            #expect(try child.waitForExit() == 3)
        }
    }

    @Test("a missing product is a clear error naming where it looked")
    func missingExecutableIsReported() throws {
        let error = #expect(throws: ProcessHarnessError.self) { _ = try ProcessHarness.executablePath(named: "no-such-product") }
        #expect(error?.description.contains("no-such-product") == true)
    }

    @Test("built products are found next to the test binary")
    func builtProductsAreFound() throws {
        let path = try ProcessHarness.executablePath(named: "splitsoc")
        #expect(FileManager.default.isExecutableFile(atPath: path))
    }

    @Test("temporary ipc:// endpoints are short, unique and cleaned up")
    func temporaryIPCPaths() throws {
        var seen: [String] = []
        for _ in 0..<2 {
            try withTemporaryIPCPath { endpoint in
                #expect(endpoint.hasPrefix("ipc:///tmp/ssoc-"))
                #expect(endpoint.utf8.count - "ipc://".utf8.count < 107)
                let directory = (String(endpoint.dropFirst("ipc://".count)) as NSString).deletingLastPathComponent
                #expect(FileManager.default.fileExists(atPath: directory))
                seen.append(endpoint)
            }
        }
        #expect(Set(seen).count == 2)
        for endpoint in seen {
            let directory = (String(endpoint.dropFirst("ipc://".count)) as NSString).deletingLastPathComponent
            #expect(!FileManager.default.fileExists(atPath: directory))
        }
    }
}
