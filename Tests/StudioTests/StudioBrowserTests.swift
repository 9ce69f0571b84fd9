import Foundation
import SoCCommands
import Synchronization
import Testing

#if canImport(FoundationNetworking)
import FoundationNetworking
#endif

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
        try OperatorControlTests.runToEnd(
            URL(fileURLWithPath: "/usr/bin/env"),
            [
                "python3", "-m", "pytest", "-q", "-p", "no:cacheprovider",
                packageRoot.appendingPathComponent("Tests/StudioTests/browser").path,
            ],
            environment: ["STUDIO_URL": url, "STUDIO_SCREENSHOTS": screenshots.path], timeout: .seconds(120))
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

/// The studio's HTTP API on every shipped board: the plant's own channels move, and swapping in
/// the faulty regulator ends in an automatic rollback on the timeline.
@Suite("Studio on every board", .serialized, .timeLimit(.minutes(3)))
struct StudioBoardTests {
    static func state(_ url: String) throws -> [String: Any] {
        try fetch(URLRequest(url: URL(string: url + "api/state")!))
    }

    static func post(_ url: String, _ action: String, _ body: [String: String]) throws -> [String: Any] {
        var request = URLRequest(url: URL(string: url + "api/" + action)!)
        request.httpMethod = "POST"
        request.httpBody = try JSONSerialization.data(withJSONObject: body)
        return try fetch(request)
    }

    /// One request, answered within 30 s, as a JSON object.
    static func fetch(_ request: URLRequest) throws -> [String: Any] {
        let done = DispatchSemaphore(value: 0)
        let reply = Mutex<Data?>(nil)
        URLSession.shared.dataTask(with: request) { data, _, _ in
            reply.withLock { $0 = data }
            done.signal()
        }.resume()
        _ = done.wait(timeout: .now() + 30)
        let data = try #require(reply.withLock { $0 })
        return try #require(JSONSerialization.jsonObject(with: data) as? [String: Any])
    }

    @Test("the plant moves and a faulty module is rolled back", arguments: ["thermo-i2c", "motor-1k"])
    func boardRunsInTheStudio(board: String) throws {
        let run = FileManager.default.temporaryDirectory.appendingPathComponent("studio-\(board)-\(getpid())")
        try withStudio(board: board, run: run) { url in
            let motor = board.hasPrefix("motor")
            let moving = try OperatorControlTests.eventually(20) {
                let rt = try Self.state(url)["rt"] as? [String: Any]
                let value = rt?[motor ? "motor_mrad_s" : "temp_mC"] as? Int ?? 0
                return rt?["state"] as? String == "normal" && value > 0 && (rt?["commands_applied"] as? Int ?? 0) > 0
            }
            let last = try Self.state(url)["rt"] ?? "no status"
            #expect(moving, "the \(board) plant never showed regulation: \(last)")
            let modules = try #require(try Self.state(url)["modules"] as? [String])
            let faulty = try #require(modules.first { $0.contains("faulty") })
            #expect(try Self.post(url, "swap", ["module": faulty])["ok"] as? Bool == true)
            let rolledBack = try OperatorControlTests.eventually(20) {
                let events = try Self.state(url)["events"] as? [[String: Any]] ?? []
                return events.contains { ($0["text"] as? String ?? "").contains("module rolled-back regulator") }
            }
            #expect(rolledBack, "no rollback on the timeline")
            let refused = try Self.post(url, "setpoint", ["value": "999999999"])
            #expect(refused["ok"] as? Bool == false)
            #expect((refused["error"] as? String ?? "").contains("out of range"))
        }
    }
}
