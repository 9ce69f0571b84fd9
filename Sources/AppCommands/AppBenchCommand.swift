import AppCore
import ArgumentParser
import FirmwareBuild
import Foundation
import SoCCommandLine
import SoCParameters

/// `splitsoc-app bench`: what a module costs inside the sandbox, against the same C compiled
/// natively. Prints one `key=value` line per figure (docs/performance.md).
public struct AppBenchCommand: ParsableCommand {
    public static let configuration = CommandConfiguration(
        commandName: "splitsoc-app bench",
        abstract: "Measure a Swift→Wasm call, a Wasm→host call, and a 256-sample batch of each sample module vs native C.",
        discussion: """
            Builds firmware-mock/modules with FirmwareBuilder (cached), then times each module on the same \
            256-sample batch under WasmKit (fuel metering on, eager compilation) and natively \
            (clang -O2 with firmware-mock/sdk/native-harness.c). Use a release build: \
            swift build -c release --product splitsoc-app.
            """)

    @Option(name: .customLong("package-root"), help: "The SplitSoC checkout (default: found from the current directory).")
    var packageRoot: String?

    @Option(parsing: .unconditional, help: "Timed iterations per figure (\(Parameter.benchIterations.bounds)).")
    var iterations: Int = 2000

    @Option(parsing: .unconditional, help: "Samples per batch (\(Parameter.benchSamples.bounds)).")
    var samples: Int = 256

    @Flag(help: "Use WasmKit's mprotect bounds checking instead of software checks.")
    var mprotect = false

    public init() {}

    public func validate() throws {
        try Parameter.benchIterations.validate(iterations, flag: "--iterations")
        try Parameter.benchSamples.validate(samples, flag: "--samples")
    }

    public func run() throws {
        let root = packageRoot ?? FirmwareBuilder.packageRoot(containing: FileManager.default.currentDirectoryPath + "/x")
        guard let root else { throw ValidationError("run from the SplitSoC checkout or pass --package-root") }
        var configuration = AppCoreConfiguration()
        configuration.softwareBoundsChecks = !mprotect
        let builder = FirmwareBuilder(packageRoot: root)
        let bench = ModuleBenchmark(configuration: configuration)
        func line(_ text: String) {
            print(text)
            fflush(nil)
        }
        line("bench=app bounds=\(mprotect ? "mprotect" : "software") iterations=\(iterations) samples=\(samples)")
        let empty = try bench.emptyCall(iterations: iterations)
        line("wasm_call_ns_p50=\(Int(empty.p50)) wasm_call_ns_min=\(Int(empty.minimum))")
        let host = try bench.hostCall(calls: 1000, iterations: max(10, iterations / 10))
        line("host_call_ns_p50=\(String(format: "%.1f", host.p50)) host_call_ns_min=\(String(format: "%.1f", host.minimum))")
        for stem in ["calibrate-filter", "thermostat", "anomaly", "passthrough"] {
            let built = try builder.build(stem: stem)
            let bytes = Array(try Data(contentsOf: URL(fileURLWithPath: built.path)))
            let (wasm, unbounded) = try Self.boundedAndUnbounded(bench, bytes: bytes, samples: samples, iterations: iterations)
            var text = "module=\(stem) wasm_batch_ns_p50=\(Int(wasm.p50)) wasm_batch_ns_min=\(Int(wasm.minimum))"
            text += " unbounded_batch_ns_p50=\(Int(unbounded.p50)) unbounded_batch_ns_min=\(Int(unbounded.minimum))"
            text += " time_bound_ratio_p50=\(String(format: "%.2f", wasm.p50 / max(1, unbounded.p50)))"
            if let source = try builder.discover().first(where: { $0.stem == stem }), !source.isWAT, !source.isRust,
                source.toolchain.isEmpty
            {
                let executable = try builder.buildNativeBaseline(source)
                let native = try Self.runNative(executable, iterations: iterations)
                text += " native_batch_ns_p50=\(native.p50) native_batch_ns_min=\(native.minimum)"
                if native.p50 > 0 { text += " ratio_p50=\(String(format: "%.1f", wasm.p50 / Double(native.p50)))" }
            }
            line(text)
        }
    }

    /// The module with and without the time-bounding rewrite, alternated twice in the same run
    /// (the lower p50 of each kept), so the ratio is not a drift of the machine's load.
    static func boundedAndUnbounded(_ bench: ModuleBenchmark, bytes: [UInt8], samples: Int, iterations: Int) throws
        -> (bounded: ModuleBenchmark.Figures, unbounded: ModuleBenchmark.Figures)
    {
        var bounded: [ModuleBenchmark.Figures] = []
        var unbounded: [ModuleBenchmark.Figures] = []
        for _ in 0..<2 {
            bounded.append(try bench.batch(bytes: bytes, samples: samples, iterations: iterations))
            unbounded.append(try bench.batch(bytes: bytes, samples: samples, iterations: iterations, timeBounded: false))
        }
        let best = { (figures: [ModuleBenchmark.Figures]) in figures.min { $0.p50 < $1.p50 }! }
        return (best(bounded), best(unbounded))
    }

    static func runNative(_ executable: String, iterations: Int) throws -> (p50: Int, minimum: Int) {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: executable)
        process.arguments = [String(iterations)]
        let pipe = Pipe()
        process.standardOutput = pipe
        try process.run()
        let output = String(decoding: pipe.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        process.waitUntilExit()
        var values: [String: Int] = [:]
        for pair in output.split(whereSeparator: { $0 == " " || $0 == "\n" }) {
            let parts = pair.split(separator: "=")
            if parts.count == 2, let value = Int(parts[1]) { values[String(parts[0])] = value }
        }
        return (values["native_batch_ns_p50"] ?? 0, values["native_batch_ns_min"] ?? 0)
    }
}
