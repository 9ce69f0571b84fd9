import Foundation
import SoCWire
import Synchronization

/// A module to build off the guest thread: a swap (bytes to check, instrument, compile and
/// initialise) or a restart after a fault (an already checked module to instantiate again).
struct BuildJob: Sendable {
    enum Purpose: Sendable, Equatable {
        case swap(request: UInt64)
        case restart
    }
    enum Source: Sendable {
        case bytes([UInt8])
        case compiled(CompiledModule)
    }
    /// What `ssoc_init` sees of the pipeline: the grant's time and the latest sample per channel
    /// when the job was submitted.
    struct Snapshot: Sendable {
        var nowNanoseconds: UInt64
        var throughTick: UInt64
        var latest: [BatchSample?]
    }

    var slotIndex: Int
    var slotName: String
    var purpose: Purpose
    var source: Source
    var snapshot: Snapshot
}

/// A built module on its way from the builder thread to the guest thread.
///
/// `@unchecked Sendable`: the module's `Store` and `Instance` are not Sendable. The invariant is
/// single ownership: the builder thread creates and initialises the module, then drops every
/// reference to it when it hands the value over through the builder's `Mutex` (which orders the
/// two threads' accesses); from then on only the guest thread touches it. WasmKit keeps no
/// thread-local state in a store (checked in 0.4.2's sources), so a store may change threads this way.
final class ModuleHandoff: @unchecked Sendable {
    let module: SandboxedModule
    /// Log lines `ssoc_init` wrote, flushed with the next batch.
    let logs: [ModuleLogLine]
    /// Wall-clock time the build took on the builder thread.
    let nanoseconds: UInt64

    init(module: SandboxedModule, logs: [ModuleLogLine], nanoseconds: UInt64) {
        self.module = module
        self.logs = logs
        self.nanoseconds = nanoseconds
    }
}

/// The result of one `BuildJob`.
struct BuildOutcome: Sendable {
    var job: BuildJob
    var result: Result<ModuleHandoff, ModuleLoadError>
}

/// Builds modules on its own thread, so that parsing, validating, instrumenting, compiling and
/// initialising a module (a swap or a restart) never delays a batch. The guest thread submits jobs
/// and takes finished ones between batches (`ApplicationCore.applyFinishedBuilds`).
///
/// Limits: the job's module is bounded by `maxModuleBytes`, its start function and `ssoc_init`
/// by the init fuel, deadline and host budget, and the whole build by `maxBuildNanoseconds`
/// (a build over it is refused after the fact: WasmKit's compiler cannot be interrupted, but it
/// runs here, not on the guest thread).
final class ModuleBuilder: Sendable {
    private struct Queues {
        var pending: [BuildJob] = []
        var finished: [BuildOutcome] = []
        var running = false
        var threadStarted = false
    }
    private let queues = Mutex(Queues())
    private let wake = DispatchSemaphore(value: 0)
    private let loader: ModuleLoader

    init(loader: ModuleLoader) { self.loader = loader }

    /// Queues a job; the builder thread starts with the first one.
    func submit(_ job: BuildJob) {
        let start = queues.withLock { queues in
            queues.pending.append(job)
            defer { queues.threadStarted = true }
            return !queues.threadStarted
        }
        if start { startThread() }
        wake.signal()
    }

    /// Whether jobs are queued or running.
    var isBusy: Bool { queues.withLock { !$0.pending.isEmpty || $0.running } }

    /// Takes every finished job, oldest first.
    func takeFinished() -> [BuildOutcome] {
        queues.withLock { queues in
            defer { queues.finished.removeAll() }
            return queues.finished
        }
    }

    /// Blocks until every submitted job finished (virtual-clock grants and the synchronous swap).
    func waitUntilIdle() {
        while isBusy { usleep(200) }
    }

    private func startThread() {
        // The thread holds the builder weakly between jobs, so a core that goes away ends it.
        let thread = Thread { [weak self, wake] in
            while true {
                if wake.wait(timeout: .now() + .seconds(1)) == .timedOut {
                    if self == nil { return }
                    continue
                }
                guard let builder = self else { return }
                builder.runNext()
            }
        }
        thread.name = "splitsoc-module-builder"
        thread.stackSize = 16 << 20  // WasmKit's validator and compiler recurse on nesting
        thread.start()
    }

    private func runNext() {
        let job: BuildJob? = queues.withLock { queues in
            guard !queues.pending.isEmpty else { return nil }
            queues.running = true
            return queues.pending.removeFirst()
        }
        guard let job else { return }
        let outcome = BuildOutcome(job: job, result: build(job))
        queues.withLock { queues in
            queues.finished.append(outcome)
            queues.running = false
        }
    }

    private func build(_ job: BuildJob) -> Result<ModuleHandoff, ModuleLoadError> {
        let clock = SystemMonotonicClock()
        let start = clock.nanoseconds()
        do throws(ModuleLoadError) {
            let compiled: CompiledModule
            switch job.source {
            case .bytes(let bytes): compiled = try loader.compile(bytes)
            case .compiled(let module): compiled = module
            }
            let scratch = BatchContext(capacity: 64)
            scratch.nowNanoseconds = job.snapshot.nowNanoseconds
            scratch.throughTick = job.snapshot.throughTick
            scratch.latest = job.snapshot.latest
            scratch.currentSlotIndex = job.slotIndex
            scratch.currentSlotName = job.slotName
            let module = try SandboxedModule(
                compiled, engine: loader.engine, binding: HostBinding(context: scratch),
                configuration: loader.configuration, clock: clock)
            let elapsed = clock.nanoseconds() &- start
            let limit = loader.configuration.maxBuildNanoseconds
            guard elapsed <= limit else {
                throw ModuleLoadError(
                    .overBudget,
                    "module '\(compiled.manifest.name)' took \(elapsed / 1_000_000) ms to compile and initialise; "
                        + "the limit is \(limit / 1_000_000) ms")
            }
            return .success(ModuleHandoff(module: module, logs: scratch.logs, nanoseconds: elapsed))
        } catch {
            return .failure(error)
        }
    }
}
