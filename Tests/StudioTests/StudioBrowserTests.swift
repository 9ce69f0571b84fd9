import Foundation
import SoCCommands
import Testing

#if canImport(Glibc)
import Glibc
#endif

/// `splitsoc studio` in a real browser: the real executables, real sockets, headless Chromium
/// driven by Playwright (browser/test_studio_page.py). The screenshots stay in
/// `.build/studio-screenshots/` to be looked at.
@Suite("Studio in a browser", .serialized, .timeLimit(.minutes(3)))
struct StudioBrowserTests {
    static let packageRoot = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent()

    @Test("the page shows fail-safe after killing the application core, and recovery after restarting it")
    func killAndRestartInTheBrowser() throws {
        let run = FileManager.default.temporaryDirectory.appendingPathComponent("studio-test-\(getpid())")
        try withStudio(board: "thermo-adc", run: run) { url in
            let shots = Self.packageRoot.appendingPathComponent(".build/studio-screenshots")
            try? FileManager.default.removeItem(at: shots)
            let pytest = try Self.runPytest(url: url, screenshots: shots)
            #expect(pytest.status == 0, "pytest failed:\n\(pytest.output)")
            for name in ["studio-failsafe.png", "studio-recovered.png"] {
                let bytes = try Data(contentsOf: shots.appendingPathComponent(name))
                #expect(bytes.starts(with: [0x89, 0x50, 0x4E, 0x47]), "\(name) is not a PNG")
                #expect(bytes.count > 10_000, "\(name) is too small to show the page")
            }
        }
    }

    /// Runs the Playwright test against `url`; returns its exit status and output.
    static func runPytest(url: String, screenshots: URL) throws -> (status: Int32, output: String) {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = ["python3", "-m", "pytest", "-q", "-p", "no:cacheprovider", "Tests/StudioTests/browser"]
        process.currentDirectoryURL = packageRoot
        var environment = ProcessInfo.processInfo.environment
        environment["STUDIO_URL"] = url
        environment["STUDIO_SCREENSHOTS"] = screenshots.path
        process.environment = environment
        let pipe = Pipe()
        process.standardOutput = pipe
        process.standardError = pipe
        try process.run()
        let output = String(decoding: pipe.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        process.waitUntilExit()
        return (process.terminationStatus, output)
    }
}

/// Starts `splitsoc studio --port 0` for `board`, waits for its URL, runs `body`, then stops it
/// with SIGINT (as Ctrl-C would) and requires a clean stop with no core left behind.
func withStudio(board: String, run: URL, _ body: (String) throws -> Void) throws {
    let studio = ChildProcess(
        name: "studio", executable: Executables.url("splitsoc"),
        arguments: ["studio", "--board", board, "--port", "0", "--out", run.path], logDirectory: run)
    try studio.start()
    defer { _ = studio.terminate() }
    let line = try studio.waitForLine(containing: "studio listening", timeout: .seconds(90))
    let url = try #require(line.split(separator: " ").last.map(String.init), "no URL in \(line)")
    try body(url)
    studio.send(signal: SIGINT)
    #expect(studio.waitForExit(timeout: .seconds(15)) != nil, "the studio did not stop on SIGINT")
    let logs = try FileManager.default.contentsOfDirectory(atPath: run.path)
    #expect(logs.contains("rt.stdout.log") && logs.contains("relay.stdout.log"))
}
