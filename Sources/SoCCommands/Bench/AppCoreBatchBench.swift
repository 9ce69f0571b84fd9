import AppCore
import Foundation

/// The same batch as `WasmBatchBench.measureBare`, run through the application core's own host
/// in-process: AppCore's `ModuleBenchmark.batch`, i.e. `ModuleLoader` checks, a
/// `SandboxedModule` with its per-batch fuel budget, deadline and host-function quotas.
enum AppCoreBatchBench {
    struct Figures {
        var p50Nanoseconds: Double
        var minimumNanoseconds: Double
    }

    static func measure(bytes: [UInt8], batchSize: Int, iterations: Int) -> Result<Figures, BenchError> {
        do {
            let figures = try ModuleBenchmark(configuration: AppCoreConfiguration())
                .batch(bytes: bytes, samples: batchSize, iterations: iterations)
            return .success(Figures(p50Nanoseconds: figures.p50, minimumNanoseconds: figures.minimum))
        } catch {
            return .failure(.measurementFailed("the application core refused the module: \(error)"))
        }
    }
}
