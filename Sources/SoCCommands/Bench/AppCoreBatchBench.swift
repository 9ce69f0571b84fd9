import Foundation

/// The same batch as `WasmBatchBench.measureBare`, run through the application core's own host
/// (AppCore, in-process): manifest checks, sandbox, pipeline bookkeeping, fuel budget per batch.
enum AppCoreBatchBench {
    static func measure(bytes: [UInt8], batchSize: Int, iterations: Int) -> Result<WasmBatchBench.Figures, BenchError> {
        .failure(.setupFailed("AppCore has no in-process pipeline API to call yet"))
    }
}
