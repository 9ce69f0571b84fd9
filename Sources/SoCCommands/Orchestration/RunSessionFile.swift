import Foundation

/// `session.json` in a run's folder: the endpoints of a running pair and the application core's
/// command line, written by `CoreLauncher` each time it starts an application core, so that
/// `splitsoc app start|restart --session FILE` can start one again without copying it from `ps`.
/// One type for the writer and the reader (strict decoding).
public struct RunSessionFile: Codable, Sendable, Equatable {
    /// The `splitsoc` process that owns the run (demo, studio, scenario).
    public var ownerPID: Int32
    public var runDirectory: String
    public var link: String
    public var rtStatus: String
    public var rtControl: String
    public var appTelemetry: String
    public var appControl: String
    public var appExecutable: String
    public var appArguments: [String]

    enum CodingKeys: String, CodingKey {
        case ownerPID = "owner_pid", runDirectory = "run_directory", link, rtStatus = "rt_status"
        case rtControl = "rt_control", appTelemetry = "app_telemetry", appControl = "app_control"
        case appExecutable = "app_executable", appArguments = "app_arguments"
    }

    /// The file's place in a run's folder.
    public static func url(in runDirectory: URL) -> URL { runDirectory.appendingPathComponent("session.json") }

    /// Writes the file (atomically: a reader never sees half of it).
    public func write(to url: URL) throws {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .prettyPrinted, .withoutEscapingSlashes]
        try encoder.encode(self).write(to: url, options: .atomic)
    }

    /// Reads a file written by `write(to:)`.
    /// - Throws: `OrchestrationError.launchFailed` naming the file when it is missing or not a session file.
    public static func read(_ path: String) throws -> RunSessionFile {
        guard let data = FileManager.default.contents(atPath: path) else {
            throw OrchestrationError.launchFailed("cannot read \(path): no such file")
        }
        do {
            return try JSONDecoder().decode(RunSessionFile.self, from: data)
        } catch {
            throw OrchestrationError.launchFailed("\(path) is not a session file: \(error)")
        }
    }
}
