import Foundation

/// One measured figure set: a latency distribution (percentiles in µs) and/or named values.
struct BenchMeasurement: Codable, Sendable {
    /// The measurement kind: `bridge-rtt`, `raw-zmq-rtt`, `rt-lateness`, `cyclictest`,
    /// `wasm-batch`, `throughput`, `control`.
    var kind: String
    /// Unique within a run, e.g. `bridge-rtt/ipc/passthrough/s1`.
    var id: String
    /// The swept parameters (transport, module, rate, load, batch, quantum…).
    var parameters: [String: String]
    /// Percentiles in microseconds, when the measurement is a distribution.
    var latency: LatencySummary?
    /// Whether `latency` was corrected for coordinated omission (fixed-rate sender).
    var coordinatedOmissionCorrected: Bool?
    /// Other figures, each named with its unit (`fuel_per_batch`, `msgs_per_s`, `overshoot_pct`…).
    var values: [String: Double]
    /// The `.hgrm` file next to the results, when there is a distribution.
    var hgrmFile: String?
    var note: String?
}

/// A target from the issue, checked against a same-run baseline: a ratio and a verdict, never
/// an absolute alone, and never asserted by tests.
struct BenchComparison: Codable, Sendable {
    var target: String
    var measured: String
    var baseline: String
    var ratio: Double?
    /// The bound the ratio (or value) must stay within.
    var limit: Double
    /// `PASS`, `MISS`, or `N/A` (a side could not be measured; `detail` says why).
    var verdict: String
    var detail: String
}

/// Everything one `splitsoc bench` run produced; written as `results.json`.
struct BenchResults: Codable, Sendable {
    var experiment: ExperimentDefinition
    var machine: MachineConditions
    var durationSeconds: Double
    var measurements: [BenchMeasurement]
    var comparisons: [BenchComparison]
    /// Measurements that could not run, with the reason (missing tool, missing core…).
    var skipped: [String]
    /// The exact commands used for external baselines (cyclictest).
    var commands: [String]
}

/// Writes a run's files into its output directory.
struct BenchOutput {
    let directory: URL

    init(directory: URL) throws {
        self.directory = directory
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
    }

    /// Writes `NAME.hgrm` and returns its file name.
    func writeHistogram(_ distribution: LatencyDistribution, id: String) -> String? {
        guard !distribution.isEmpty else { return nil }
        let name = id.replacingOccurrences(of: "/", with: "_") + ".hgrm"
        try? Data(distribution.hgrmText.utf8).write(to: directory.appendingPathComponent(name))
        return name
    }

    /// Writes `results.json`, `results.csv` and `comparisons.csv`.
    func write(_ results: BenchResults) throws {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
        try encoder.encode(results).write(to: directory.appendingPathComponent("results.json"))
        try Data(Self.measurementsCSV(results).utf8).write(to: directory.appendingPathComponent("results.csv"))
        try Data(Self.comparisonsCSV(results).utf8).write(to: directory.appendingPathComponent("comparisons.csv"))
    }

    static func csvField(_ text: String) -> String {
        text.contains(where: { $0 == "," || $0 == "\"" || $0 == "\n" })
            ? "\"" + text.replacingOccurrences(of: "\"", with: "\"\"") + "\"" : text
    }

    /// One row per measurement: fixed columns, then parameters and values as `key=value;…`.
    static func measurementsCSV(_ results: BenchResults) -> String {
        var lines = ["kind,id,parameters,count,p50_us,p90_us,p99_us,p999_us,max_us,mean_us,co_corrected,values,hgrm,note"]
        for m in results.measurements {
            let parameters = m.parameters.sorted { $0.key < $1.key }.map { "\($0.key)=\($0.value)" }.joined(separator: ";")
            let values = m.values.sorted { $0.key < $1.key }.map { "\($0.key)=\($0.value)" }.joined(separator: ";")
            let l = m.latency
            let columns: [String] = [
                m.kind, m.id, parameters, l.map { String($0.count) } ?? "", l.map { String($0.p50) } ?? "",
                l.map { String($0.p90) } ?? "", l.map { String($0.p99) } ?? "", l.map { String($0.p999) } ?? "",
                l.map { String($0.max) } ?? "", l.map { String($0.mean) } ?? "",
                m.coordinatedOmissionCorrected.map { String($0) } ?? "", values, m.hgrmFile ?? "", m.note ?? "",
            ]
            lines.append(columns.map(csvField).joined(separator: ","))
        }
        return lines.joined(separator: "\n") + "\n"
    }

    static func comparisonsCSV(_ results: BenchResults) -> String {
        var lines = ["target,measured,baseline,ratio,limit,verdict,detail"]
        for c in results.comparisons {
            lines.append(
                [c.target, c.measured, c.baseline, c.ratio.map { String($0) } ?? "", String(c.limit), c.verdict, c.detail]
                    .map(csvField).joined(separator: ","))
        }
        return lines.joined(separator: "\n") + "\n"
    }
}
