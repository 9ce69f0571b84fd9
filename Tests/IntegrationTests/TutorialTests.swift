import FirmwareBuild
import Foundation
import SoCTesting
import Testing

#if canImport(Glibc)
import Glibc
#endif

/// The fenced blocks of `docs/tutorial-first-module.md`: files (```` ```c file=PATH ````) and shell
/// steps (```` ```sh step=NAME ````). Blocks without such a tag are output examples and are ignored.
struct TutorialDocument {
    var files: [(path: String, text: String)] = []
    var steps: [String: String] = [:]

    init(markdown: String) {
        var info: String?
        var body: [Substring] = []
        for line in markdown.split(separator: "\n", omittingEmptySubsequences: false) {
            if line.hasPrefix("```") {
                if let open = info {
                    let text = body.joined(separator: "\n") + "\n"
                    let words = open.split(separator: " ")
                    for word in words.dropFirst() {
                        if word.hasPrefix("file=") { files.append((String(word.dropFirst(5)), text)) }
                        if word.hasPrefix("step=") { steps[String(word.dropFirst(5))] = text }
                    }
                    info = nil
                } else {
                    info = String(line.dropFirst(3))
                    body = []
                }
            } else if info != nil {
                body.append(line)
            }
        }
    }
}

/// Runs the tutorial as written, so that it never rots: its files are written to a temporary folder,
/// its commands run with `splitsoc` on `PATH`, against a real `splitsoc demo --no-story`.
///
/// Three adjustments, all mechanical: the tutorial's relative folder `my-modules` is replaced by the
/// temporary folder, the example control endpoint by the one the demo printed, and every step starts
/// with `CONTROL` set (the tutorial's steps share one terminal; here each is its own shell).
@Suite("docs/tutorial-first-module.md runs as written", .serialized)
struct TutorialTests {
    static let exampleEndpoint = "ipc:///tmp/splitsoc-41230-1234567/app-control"

    static func document() throws -> (TutorialDocument, root: String) {
        let root = try #require(FirmwareBuilder.packageRoot(containing: #filePath))
        let text = try String(contentsOfFile: root + "/docs/tutorial-first-module.md", encoding: .utf8)
        return (TutorialDocument(markdown: text), root)
    }

    @Test("The tutorial has the files and steps this test runs")
    func tutorialHasItsBlocks() throws {
        let (document, _) = try Self.document()
        #expect(Set(document.files.map(\.path)) == [
            "my-modules/bang-bang/bang-bang.c", "my-modules/bang-bang/bang-bang.manifest",
            "my-modules/bang-bang/bang-bang-broken.manifest",
        ])
        #expect(Set(document.steps.keys) == ["build", "run", "swap", "status", "break"])
        #expect(document.steps["swap"]?.contains(Self.exampleEndpoint) == true)
        #expect(document.files.first { $0.path.hasSuffix(".c") }?.text.contains("#include \"splitsoc.h\"") == true)
    }

    @Test("Write, build, swap in, watch and break the module of the tutorial", .timeLimit(.minutes(4)))
    func tutorialRunsAsWritten() throws {
        let (document, _) = try Self.document()
        let splitsoc = try ProcessHarness.executablePath(named: "splitsoc")
        let binDirectory = (splitsoc as NSString).deletingLastPathComponent
        let work = FileManager.default.temporaryDirectory
            .appendingPathComponent("tutorial-\(getpid())-\(UInt32.random(in: 0...UInt32.max))").path
        defer { try? FileManager.default.removeItem(atPath: work) }
        for file in document.files {
            let path = work + "/" + file.path
            try FileManager.default.createDirectory(
                atPath: (path as NSString).deletingLastPathComponent, withIntermediateDirectories: true)
            try file.text.write(toFile: path, atomically: true, encoding: .utf8)
        }

        try withProcessHarness(hardTimeout: .seconds(200)) { harness in
            var control = Self.exampleEndpoint
            /// Runs a step's shell text with `splitsoc` on PATH and the adjustments above.
            func run(_ step: String) throws -> String {
                let text = try #require(document.steps[step], "no step \(step)")
                // The steps share one terminal in the tutorial: CONTROL, set in the swap step, stays set.
                let script = "set -e\nexport PATH=\"\(binDirectory):$PATH\"\nCONTROL=\"\(control)\"\n"
                    + text.replacingOccurrences(of: "my-modules", with: work + "/my-modules")
                        .replacingOccurrences(of: Self.exampleEndpoint, with: control)
                let shell = try harness.spawn("/bin/sh", ["-c", script], name: "step-\(step)")
                let status = try shell.waitForExit(timeout: .seconds(120))
                #expect(status == 0, "step \(step) failed: \(shell.report())")
                return shell.stdout
            }
            func regulator(_ statusJSON: String) throws -> [String: Any] {
                let object = try #require(
                    try JSONSerialization.jsonObject(with: Data(statusJSON.utf8)) as? [String: Any], "\(statusJSON)")
                let modules = try #require(object["modules"] as? [[String: Any]])
                return try #require(modules.first { $0["slot"] as? String == "regulator" }, "\(statusJSON)")
            }

            // 4. Build.
            let built = try run("build")
            #expect(built.contains("bang-bang"), "\(built)")
            #expect(FileManager.default.fileExists(atPath: work + "/my-modules/build/bang-bang.wasm"))
            #expect(FileManager.default.fileExists(atPath: work + "/my-modules/build/bang-bang-broken.wasm"))

            // 5. Run the demo without the story (its report goes to the temporary folder).
            let runWords = try #require(document.steps["run"]).split(whereSeparator: \.isWhitespace).map(String.init)
            #expect(runWords.first == "splitsoc")
            let demo = try harness.spawn(splitsoc, Array(runWords.dropFirst()) + ["--out", work + "/demo"], name: "demo")
            let controlLine = try demo.waitForLine(containing: "app control", timeout: .seconds(120))
            control = try #require(controlLine.split(separator: " ").first { $0.hasPrefix("ipc://") }.map(String.init))
            let demoLine = try demo.waitForLine(containing: "Both cores are up", timeout: .seconds(10))
            let pids = demoLine.components(separatedBy: "pid ").dropFirst().compactMap { Int32($0.prefix { $0.isNumber }) }

            // Swap in version 2.0, and see it run.
            let swapped = try run("swap")
            #expect(swapped.contains("\"ok\":true") && swapped.contains("\"to\":\"2.0\""), "\(swapped)")
            var module = try regulator(try run("status"))
            for _ in 0..<50 where (module["calls"] as? Int ?? 0) == 0 {
                Thread.sleep(forTimeInterval: 0.1)
                module = try regulator(try run("status"))
            }
            #expect(module["version"] as? String == "2.0")
            #expect((module["calls"] as? Int ?? 0) > 0, "the new module ran: \(module)")

            // 6. Break it: it traps, and the application core rolls back to 2.0 by itself.
            let broken = try run("break")
            #expect(broken.contains("\"ok\":true") && broken.contains("\"to\":\"2.1\""), "\(broken)")
            var rolledBack = false
            for _ in 0..<100 {
                module = try regulator(try run("status"))
                if module["version"] as? String == "2.0", (module["rollbacks"] as? Int ?? 0) >= 1 {
                    rolledBack = true
                    break
                }
                Thread.sleep(forTimeInterval: 0.1)
            }
            #expect(rolledBack, "regulator after the broken swap: \(module)")
            // The demo prints each event on its next refresh (10 Hz).
            do {
                let rollbackLine = try demo.waitForLine(containing: "rolled back 2.1 -> 2.0", timeout: .seconds(10))
                #expect(rollbackLine.contains("[app] regulator:"), "the demo's event line: \(rollbackLine)")
            } catch {
                Issue.record("no rollback line in the demo's output: \(error)\n\(demo.report())")
            }

            // Ctrl-C stops the demo and both cores.
            demo.send(signal: SIGINT)
            #expect(try demo.waitForExit(timeout: .seconds(20)) == 128 + SIGINT)
            for pid in pids { #expect(kill(pid, 0) != 0 && errno == ESRCH, "pid \(pid) outlived the demo") }
        }
    }
}
