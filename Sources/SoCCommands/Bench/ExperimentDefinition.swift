import Foundation

/// An experiment file (`firmware-mock/experiments/*.json`): which measurements to run and the
/// parameters each one sweeps. Every key is optional; a missing section or key takes the default
/// written next to it, so a file only says what it changes. Unknown keys are refused, so a typo
/// does not silently run the default.
struct ExperimentDefinition: Codable, Sendable {
    /// Shown in the report and the result files.
    var name: String
    var description: String?
    /// Link transports to sweep for the round-trip and throughput measurements: "ipc", "tcp".
    var transports: [String]?
    var bridge: BridgeSection?
    var rtLoop: RTLoopSection?
    var wasm: WasmSection?
    var throughput: ThroughputSection?
    var control: ControlSection?

    /// Bridge round trip (rt → app → rt through a module) and its raw libzmq baseline.
    struct BridgeSection: Codable, Sendable {
        var enabled: Bool?
        /// Module stems (firmware-mock/modules); "passthrough" is the overhead reference.
        var modules: [String]?
        /// Sample frames sent before each grant (the batch the module sees).
        var samplesPerGrant: [Int]?
        /// Grants per second (fixed-rate sender, coordinated-omission corrected); 0 = back to back.
        var rateHz: Double?
        var durationSeconds: Double?
        /// Round trips discarded before recording (connection set-up, lazy paths).
        var warmup: Int?
        /// Seconds of a real-clock run of both cores (calibrate-filter + thermostat) per transport,
        /// to collect the real-time core's own `rtt_us` and `lateness_us` from its status; 0 = skip.
        var realClockSeconds: Double?
    }

    /// Wake-up lateness of the real-time loop vs cyclictest, same rate, priority, duration.
    struct RTLoopSection: Codable, Sendable {
        var enabled: Bool?
        var ratesHz: [Double]?
        /// "idle", or "busy" (an application-core-like Wasm workload spinning in a child process).
        var loads: [String]?
        var durationSeconds: Double?
        /// SCHED_FIFO priority for both the loop and cyclictest; 0 = normal scheduling.
        var priority: Int?
        /// Pin the loop (and cyclictest, `-a`) to this CPU; nil = let the scheduler decide.
        var cpu: Int?
        var cyclictest: Bool?
        /// Board whose real tick loop `splitsoc-rt --bench-lateness` runs, at rates equal to its
        /// `tick_hz` (default thermo-adc, 1000 Hz).
        var board: String?
    }

    /// Wasm execution time per batch: app core host vs bare WasmKit vs native C.
    struct WasmSection: Codable, Sendable {
        var enabled: Bool?
        var modules: [String]?
        /// Samples per batch, even: each tick carries a temperature (channel 0) and a filtered
        /// temperature (channel 16), as AppCore's ModuleBenchmark builds them.
        var batchSizes: [Int]?
        var iterations: Int?
    }

    /// Sustained sample stream rt → app vs raw libzmq throughput, every frame accounted for.
    struct ThroughputSection: Codable, Sendable {
        var enabled: Bool?
        var durationSeconds: Double?
        /// Samples per grant in the bridge stream (the batch size).
        var samplesPerGrant: Int?
        /// Grants in flight before the sender waits for an ack (flow control, like a tick budget).
        var grantWindow: Int?
    }

    /// Control quality (overshoot, settling, IAE) as sensor-to-actuator delay grows: virtual-clock
    /// runs of the real cores with increasing quantum.
    struct ControlSection: Codable, Sendable {
        var enabled: Bool?
        /// One board (a name in firmware-mock/boards, or a .toml path relative to the checkout).
        var board: String?
        /// Several boards, swept (overrides `board`).
        var boards: [String]?
        /// Quantum sizes in ticks; the sensor-to-actuator delay is 1…Q ticks.
        var quanta: [Int]?
        var ticks: Int?
        var modules: [String]?
        var setpointMilliC: Int?
        /// Half-width of the settling band, milli-°C.
        var settleBandMilliC: Int?
    }

    /// Loads and validates an experiment file.
    /// - Throws: `BenchError.badExperiment` naming the file and the problem.
    static func load(path: String) throws -> ExperimentDefinition {
        guard let data = FileManager.default.contents(atPath: path) else {
            throw BenchError.badExperiment("cannot read \(path)")
        }
        do {
            let object = try JSONSerialization.jsonObject(with: data)
            try checkKeys(object, path: path, text: String(decoding: data, as: UTF8.self))
            var definition = try JSONDecoder().decode(ExperimentDefinition.self, from: data)
            try definition.validate()
            definition.name = definition.name.isEmpty ? "experiment" : definition.name
            return definition
        } catch let error as BenchError {
            throw error
        } catch let error as DecodingError {
            throw BenchError.badExperiment("\(path): \(Self.describe(error))")
        } catch {
            let detail = (error as NSError).userInfo[NSDebugDescriptionErrorKey] as? String ?? error.localizedDescription
            throw BenchError.badExperiment("\(path)\(Self.location(in: data, from: detail)): not valid JSON: \(detail)")
        }
    }

    static let knownKeys: [String: Set<String>] = [
        "": ["name", "description", "transports", "bridge", "rtLoop", "wasm", "throughput", "control"],
        "bridge": ["enabled", "modules", "samplesPerGrant", "rateHz", "durationSeconds", "warmup", "realClockSeconds"],
        "rtLoop": ["enabled", "ratesHz", "loads", "durationSeconds", "priority", "cpu", "cyclictest", "board"],
        "wasm": ["enabled", "modules", "batchSizes", "iterations"],
        "throughput": ["enabled", "durationSeconds", "samplesPerGrant", "grantWindow"],
        "control": ["enabled", "board", "boards", "quanta", "ticks", "modules", "setpointMilliC", "settleBandMilliC"],
    ]

    /// Refuses unknown keys with the line they are on and the closest known key.
    private static func checkKeys(_ object: Any, path: String, text: String) throws {
        guard let top = object as? [String: Any] else { throw BenchError.badExperiment("\(path): not a JSON object") }
        for key in top.keys.sorted() {
            guard knownKeys[""]!.contains(key) else {
                let line = Self.line(of: key, in: text)
                throw BenchError.badExperiment(
                    "\(path):\(line): unknown key '\(key)'\(Suggestion.hint(for: key, in: knownKeys[""]!.sorted()))")
            }
            guard let section = top[key] as? [String: Any], let allowed = knownKeys[key] else { continue }
            for inner in section.keys.sorted() where !allowed.contains(inner) {
                let line = Self.line(of: inner, in: text, after: key)
                throw BenchError.badExperiment(
                    "\(path):\(line): unknown key '\(key).\(inner)'\(Suggestion.hint(for: inner, in: allowed.sorted()))")
            }
        }
    }

    /// ":LINE:COLUMN" of Foundation's "… around character N.", or "" when it names none.
    static func location(in data: Data, from detail: String) -> String {
        guard let range = detail.range(of: "character "),
            let offset = Int(detail[range.upperBound...].prefix { $0.isNumber }), offset <= data.count
        else { return "" }
        let before = data.prefix(offset)
        let line = before.reduce(1) { $1 == UInt8(ascii: "\n") ? $0 + 1 : $0 }
        let column = offset - (before.lastIndex(of: UInt8(ascii: "\n")).map { $0 + 1 } ?? 0) + 1
        return ":\(line):\(column)"
    }

    /// The 1-based line of the first `"key"` (after `"section"` when given), for error messages.
    static func line(of key: String, in text: String, after section: String? = nil) -> Int {
        var searchStart = text.startIndex
        if let section, let range = text.range(of: "\"\(section)\"") { searchStart = range.upperBound }
        guard let range = text.range(of: "\"\(key)\"", range: searchStart..<text.endIndex) else { return 1 }
        return text[..<range.lowerBound].reduce(1) { $1 == "\n" ? $0 + 1 : $0 }
    }

    private static func describe(_ error: DecodingError) -> String {
        switch error {
        case .typeMismatch(_, let context), .valueNotFound(_, let context), .dataCorrupted(let context):
            let where_ = context.codingPath.map(\.stringValue).joined(separator: ".")
            return "\(where_.isEmpty ? "" : "'\(where_)': ")\(context.debugDescription)"
        case .keyNotFound(let key, _):
            return "missing key '\(key.stringValue)'"
        @unknown default:
            return "\(error)"
        }
    }

    /// Checks ranges, so a bad file fails before anything runs.
    mutating func validate() throws {
        for transport in transports ?? [] where !["ipc", "tcp"].contains(transport) {
            throw BenchError.badExperiment("transport '\(transport)' is not ipc or tcp")
        }
        for load in rtLoop?.loads ?? [] where !["idle", "busy"].contains(load) {
            throw BenchError.badExperiment("rtLoop load '\(load)' is not idle or busy")
        }
        if let rates = rtLoop?.ratesHz, rates.contains(where: { $0 <= 0 || $0 > 100_000 }) {
            throw BenchError.badExperiment("rtLoop.ratesHz must be in (0, 100000]")
        }
        if let sizes = bridge?.samplesPerGrant, sizes.contains(where: { $0 < 0 || $0 > 1000 }) {
            throw BenchError.badExperiment("bridge.samplesPerGrant must be in 0…1000")
        }
        if let sizes = wasm?.batchSizes, sizes.contains(where: { $0 < 2 || $0 > 4000 || $0 % 2 != 0 }) {
            throw BenchError.badExperiment("wasm.batchSizes must be even (pairs of samples per tick), in 2…4000")
        }
        if let quanta = control?.quanta, quanta.contains(where: { $0 < 1 || $0 > 65535 }) {
            throw BenchError.badExperiment("control.quanta must be in 1…65535")
        }
    }

    // MARK: Resolved values (defaults)

    var resolvedTransports: [String] { transports ?? ["ipc", "tcp"] }
}

/// Errors of `splitsoc bench`; each message says what to do.
enum BenchError: Error, CustomStringConvertible {
    case badExperiment(String)
    case setupFailed(String)
    case measurementFailed(String)

    var description: String {
        switch self {
        case .badExperiment(let m): return "bad experiment file: \(m)"
        case .setupFailed(let m), .measurementFailed(let m): return m
        }
    }
}
