import Foundation
import Hummingbird
import NIOCore

/// What the studio's page talks to: the running pair of cores, as `splitsoc studio` drives them.
/// The server knows nothing about cores, sockets or processes; it only moves JSON between the
/// page and this backend, so the web layer stays out of the orchestration code (and out of every
/// core's dependency graph).
public protocol StudioBackend: Sendable {
    /// The state the page draws, as one JSON object (cores, bridge, plant, modules, timeline).
    func stateJSON() -> String
    /// Does what a button asked (`action` is the last path component of `POST /api/ACTION`,
    /// `parameters` the request's JSON object of strings) and returns a JSON reply object with
    /// `ok` and either a result or an `error`. May block (starting a process): called off the
    /// server's event loops.
    func perform(action: String, parameters: [String: String]) -> String
}

/// The studio's web server: the page and its assets (embedded in the binary's resource bundle,
/// so it works offline), a Server-Sent Events stream of the backend's state, and one `POST`
/// route per button.
public struct StudioServer: Sendable {
    /// How often the state stream sends the state (the cores publish at 10 Hz).
    public static let streamInterval: Duration = .milliseconds(200)

    let backend: any StudioBackend
    let host: String
    let port: Int
    let assets: StudioAssets

    /// - Throws: `StudioAssets.Missing` when the page's files are not beside the binary.
    public init(backend: any StudioBackend, host: String = "127.0.0.1", port: Int = 8080) throws {
        self.backend = backend
        self.host = host
        self.port = port
        assets = try StudioAssets.load()
    }

    /// Serves until the task is cancelled or SIGINT/SIGTERM arrives.
    /// - Parameter onListening: called with the bound port (useful with port 0).
    public func run(onListening: @escaping @Sendable (Int) async -> Void) async throws {
        let app = Application(
            router: router(),
            configuration: .init(address: .hostname(host, port: port), serverName: "splitsoc-studio"),
            onServerRunning: { channel in await onListening(channel.localAddress?.port ?? 0) })
        // No signal handling here: `splitsoc studio` stops its child processes itself on SIGINT/SIGTERM.
        try await app.runService(gracefulShutdownSignals: [])
    }

    func router() -> Router<BasicRequestContext> {
        let router = Router()
        let assets = assets
        router.get("/") { _, _ in assets.response(for: "index.html") }
        router.get("/assets/:name") { _, context in
            assets.response(for: context.parameters.get("name") ?? "")
        }
        router.get("/events") { _, _ in self.eventStream() }
        router.get("/api/state") { _, _ in Self.json(self.backend.stateJSON()) }
        router.post("/api/:action") { request, context in
            let action = context.parameters.get("action") ?? ""
            var request = request
            let body = try await request.collectBody(upTo: 64 * 1024)
            let parameters = (try? JSONDecoder().decode([String: String].self, from: Data(String(buffer: body).utf8))) ?? [:]
            let reply = await self.performOffLoop(action: action, parameters: parameters)
            return Self.json(reply)
        }
        return router
    }

    /// `text/event-stream`: the state every `streamInterval` until the page goes away (the write
    /// then throws and the stream ends).
    func eventStream() -> Response {
        let backend = backend
        let body = ResponseBody { writer in
            while !Task.isCancelled {
                try await writer.write(ByteBuffer(string: "data: \(backend.stateJSON())\n\n"))
                try await Task.sleep(for: Self.streamInterval)
            }
            try await writer.finish(nil)
        }
        return Response(
            status: .ok, headers: [.contentType: "text/event-stream", .cacheControl: "no-cache"], body: body)
    }

    /// Runs a blocking backend call on a Dispatch thread, so the event loops keep streaming.
    func performOffLoop(action: String, parameters: [String: String]) async -> String {
        let backend = backend
        return await withCheckedContinuation { continuation in
            DispatchQueue.global().async {
                continuation.resume(returning: backend.perform(action: action, parameters: parameters))
            }
        }
    }

    static func json(_ text: String) -> Response {
        Response(
            status: .ok, headers: [.contentType: "application/json", .cacheControl: "no-cache"],
            body: ResponseBody(byteBuffer: ByteBuffer(string: text)))
    }
}

/// The page's files, read once from the target's resource bundle.
struct StudioAssets: Sendable {
    /// The resource bundle has no `Assets` folder (a binary copied away from its bundle).
    struct Missing: Error, CustomStringConvertible {
        var description: String
    }

    static let names = ["index.html", "studio.css", "studio.js"]
    let files: [String: String]

    static func load() throws(Missing) -> StudioAssets {
        guard let folder = Bundle.module.resourceURL?.appendingPathComponent("Assets") else {
            throw Missing(description: "the studio's resource bundle is missing")
        }
        var files: [String: String] = [:]
        for name in names {
            guard let text = try? String(contentsOf: folder.appendingPathComponent(name), encoding: .utf8) else {
                throw Missing(description: "the studio's page file \(name) is missing from \(folder.path)")
            }
            files[name] = text
        }
        return StudioAssets(files: files)
    }

    func response(for name: String) -> Response {
        guard let text = files[name] else { return Response(status: .notFound) }
        let type =
            switch name.split(separator: ".").last {
            case "css": "text/css; charset=utf-8"
            case "js": "text/javascript; charset=utf-8"
            default: "text/html; charset=utf-8"
            }
        return Response(
            status: .ok, headers: [.contentType: type], body: ResponseBody(byteBuffer: ByteBuffer(string: text)))
    }
}
