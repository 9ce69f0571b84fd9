import SoCWire
import WasmKit

/// Where the application core's outputs go. The process wiring (`AppCommands`) sends messages on
/// the link and publishes the rest; tests record them.
public protocol ApplicationCoreOutput: AnyObject {
    /// Sends a message to the real-time core. The caller (the link layer) assigns the sequence
    /// number. `timestamp` echoes the grant being answered (SPEC §5.3).
    func send(_ message: Message, timestamp: UInt64, flags: FrameFlags)
    /// A module event happened (also sent as a `ModuleEvent` message through `send`).
    func report(_ event: AppEvent)
    /// A module published a telemetry value.
    func publish(_ telemetry: ModuleTelemetry)
    /// A module wrote a log line.
    func log(_ line: ModuleLogLine)
}

/// The application core: a pipeline of sandboxed Wasm modules driven by the real-time core's
/// samples and tick grants, with per-call budgets, a fault policy, hot swap and rollback.
///
/// Data flow (docs/architecture.md): samples accumulate until a `TickGrant`; the grant runs every
/// slot once in pipeline order over that batch, then the commands the modules emitted are sent,
/// then the `TickAck`, all stamped with the grant's timestamp.
///
/// Fault policy (docs/module-abi.md §Sandbox): a fault (trap, out of fuel, over deadline, a
/// pointer the host refused, a nonzero status) discards what the call wrote, is reported, and
/// restarts the module from a fresh instance; the `faultsBeforeQuarantine`-th fault without a run
/// of `faultForgivenessBatches` clean batches in between quarantines the slot. A swapped-in version
/// that faults during its probation is rolled back to the previous one (which kept its state).
///
/// Not thread-safe: owned by the guest thread (WasmKit stores are thread-confined). The link is
/// injected through `receive(_:)` and `ApplicationCoreOutput`, so tests need no sockets.
public final class ApplicationCore {
    public let configuration: AppCoreConfiguration
    public let loader: ModuleLoader
    private let clock: any MonotonicClock
    private let output: any ApplicationCoreOutput
    private let context: BatchContext
    private var slots: [ModuleSlot] = []
    private let builder: ModuleBuilder
    private var lastSwapRequest: UInt64 = 0
    private var swapCompletions: [UInt64: (Result<SwapVersions, ModuleLoadError>) -> Void] = [:]

    private var lastGrantedTick: UInt64?
    private var lastFlags: FrameFlags = []
    private var batches: UInt64 = 0
    private var grantsRepeated: UInt64 = 0
    private var samplesReceived: UInt64 = 0
    private var commandsSent: UInt64 = 0
    private var framesIgnored: UInt64 = 0

    /// Creates an empty pipeline.
    /// - Parameters:
    ///   - clock: The wall clock deadlines are measured with (inject a manual one in tests).
    ///   - output: Receives messages for the link, events, telemetry and logs.
    public init(
        configuration: AppCoreConfiguration = AppCoreConfiguration(), clock: any MonotonicClock = SystemMonotonicClock(),
        output: any ApplicationCoreOutput
    ) {
        self.configuration = configuration
        self.loader = ModuleLoader(configuration: configuration)
        self.clock = clock
        self.output = output
        self.context = BatchContext(capacity: configuration.batchCapacity)
        self.builder = ModuleBuilder(loader: loader)
    }

    /// The slot names in pipeline order.
    public var slotNames: [String] { slots.map(\.name) }

    /// Appends a slot running `bytes` to the pipeline (start-up; pipeline order = call order).
    /// - Returns: The module's manifest.
    /// - Throws: `ModuleLoadError` when the module is refused, or `.badSlot` for a duplicate slot name.
    @discardableResult
    public func addModule(slot name: String, bytes: [UInt8]) throws(ModuleLoadError) -> ModuleManifest {
        guard !slots.contains(where: { $0.name == name }) else {
            throw ModuleLoadError(.badSlot, "slot '\(name)' already exists")
        }
        guard slots.count < 256 else { throw ModuleLoadError(.badSlot, "a pipeline has at most 256 slots") }
        let module = try instantiate(try loader.compile(bytes), slot: name, index: slots.count)
        let slot = ModuleSlot(name: name, index: slots.count, module: module)
        slots.append(slot)
        let manifest = module.compiled.manifest
        emit(.loaded, slot, from: nil, to: manifest.version, detail: "\(manifest.name) \(manifest.version) loaded",
             wireDetail: UInt32(module.compiled.byteCount))
        return manifest
    }

    /// The versions a swap went from (nil when the slot was quarantined with no module running)
    /// and to.
    public typealias SwapVersions = (from: ModuleVersion?, to: ModuleVersion)

    /// Replaces the module of slot `name` by `bytes` and waits for it: `requestSwap` followed by
    /// waiting for the builder. For tests and tools that drive the core directly; the process uses
    /// `requestSwap`, which never blocks a batch.
    /// - Throws: as `requestSwap`, or the refusal the build ended with.
    @discardableResult
    public func swap(slot name: String, bytes: [UInt8]) throws(ModuleLoadError) -> SwapVersions {
        final class Box { var result: Result<SwapVersions, ModuleLoadError>? }
        let box = Box()
        try requestSwap(slot: name, bytes: bytes) { box.result = $0 }
        while box.result == nil {
            builder.waitUntilIdle()
            applyFinishedBuilds()
        }
        return try box.result!.get()
    }

    /// Starts replacing the module of slot `name` by `bytes`: the new version is checked,
    /// instrumented, compiled and initialised on the builder thread, and switched in between two
    /// batches by `applyFinishedBuilds`, which then calls `completion` (on the calling thread).
    /// The old version is kept for `probationBatches` batches: if the new one faults before then,
    /// it is rolled back. A refused version leaves the running one in place.
    /// - Throws: `.badSlot` for an unknown slot (at once); a refusal of the module itself (including
    ///   a different module name) arrives through `completion`.
    public func requestSwap(
        slot name: String, bytes: [UInt8], completion: @escaping (Result<SwapVersions, ModuleLoadError>) -> Void
    ) throws(ModuleLoadError) {
        guard let slot = slots.first(where: { $0.name == name }) else {
            throw ModuleLoadError(.badSlot, "no slot '\(name)' (slots: \(slotNames.joined(separator: ", ")))")
        }
        lastSwapRequest += 1
        swapCompletions[lastSwapRequest] = completion
        builder.submit(job(for: slot, purpose: .swap(request: lastSwapRequest), source: .bytes(bytes)))
    }

    /// Switches in every module the builder finished (swaps and restarts). Call between batches;
    /// `handleGrant` calls it first.
    public func applyFinishedBuilds() {
        for outcome in builder.takeFinished() {
            let slot = slots[outcome.job.slotIndex]
            switch outcome.job.purpose {
            case .restart:
                finishRestart(slot, outcome.result)
            case .swap(let request):
                let result = finishSwap(slot, outcome.result)
                swapCompletions.removeValue(forKey: request)?(result)
            }
        }
    }

    private func job(for slot: ModuleSlot, purpose: BuildJob.Purpose, source: BuildJob.Source) -> BuildJob {
        BuildJob(
            slotIndex: slot.index, slotName: slot.name, purpose: purpose, source: source,
            snapshot: BuildJob.Snapshot(
                nowNanoseconds: context.nowNanoseconds, throughTick: context.throughTick, latest: context.latest))
    }

    /// Takes over a module built on the builder thread: its host functions now see the pipeline.
    private func adopt(_ handoff: ModuleHandoff) -> SandboxedModule {
        handoff.module.adopt(context: context, clock: clock)
        context.logs += handoff.logs  // what its ssoc_init logged, flushed with the next batch
        return handoff.module
    }

    private func finishSwap(_ slot: ModuleSlot, _ result: Result<ModuleHandoff, ModuleLoadError>)
        -> Result<SwapVersions, ModuleLoadError>
    {
        let handoff: ModuleHandoff
        switch result {
        case .failure(let error): return .failure(error)
        case .success(let built): handoff = built
        }
        let compiled = handoff.module.compiled
        guard compiled.manifest.name == slot.lastManifest.name else {
            return .failure(
                ModuleLoadError(
                    .badSlot,
                    "slot '\(slot.name)' runs '\(slot.lastManifest.name)'; refusing to swap in '\(compiled.manifest.name)'"))
        }
        let module = adopt(handoff)
        let from = slot.active?.compiled.manifest.version
        slot.previous = slot.active
        slot.active = module
        slot.lastManifest = compiled.manifest
        slot.recentFaults = 0
        slot.cleanStreak = 0
        slot.state = configuration.probationBatches > 0 ? .probation(remaining: configuration.probationBatches) : .active
        if configuration.probationBatches == 0 { slot.previous = nil }
        emit(.swapped, slot, from: from, to: compiled.manifest.version,
             detail: "\(from.map(\.description) ?? "none") -> \(compiled.manifest.version), probation \(configuration.probationBatches) batches",
             wireDetail: UInt32(from?.wireValue ?? 0))
        return .success((from, compiled.manifest.version))
    }

    private func finishRestart(_ slot: ModuleSlot, _ result: Result<ModuleHandoff, ModuleLoadError>) {
        guard slot.state == .restarting else { return }  // a swap replaced the faulted version meanwhile
        let version = slot.lastManifest.version
        switch result {
        case .success(let handoff):
            slot.active = adopt(handoff)
            slot.state = .active
            slot.restarts += 1
            emit(.restarted, slot, from: version, to: version, detail: "restarted after \(slot.restartReason)",
                 wireDetail: UInt32(clamping: slot.restarts))
        case .failure(let error):
            quarantine(slot, version: version, reason: "restart failed: \(error.message)")
        }
    }

    /// Drops samples received for a session that ended (the peer restarted or was lost), so the
    /// next session starts with an empty batch. Modules keep their state.
    public func resetSession() {
        context.samples.removeAll(keepingCapacity: true)
        lastGrantedTick = nil
    }

    /// Handles one frame from the real-time core: a `Sample` joins the pending batch; a `TickGrant`
    /// runs the pipeline. Other messages are the link layer's business and are counted as ignored.
    public func receive(_ frame: Frame) {
        switch frame.message {
        case .sample(let sample):
            samplesReceived += 1
            context.append(
                BatchSample(
                    timestampNanoseconds: frame.timestamp, channel: sample.channel, status: sample.status,
                    milliValue: sample.milliValue))
        case .tickGrant(let throughTick):
            handleGrant(throughTick: throughTick, timestamp: frame.timestamp, flags: frame.flags)
        default:
            framesIgnored += 1
        }
    }

    /// Runs the pipeline for a grant and answers it: each emitted command, then the `TickAck`, all
    /// stamped with the grant's timestamp. A grant that does not advance (a duplicate or replay)
    /// is acknowledged again without running anything.
    public func handleGrant(throughTick: UInt64, timestamp: UInt64, flags: FrameFlags) {
        let replyFlags = flags.intersection(.virtualTime)
        lastFlags = replyFlags
        if let last = lastGrantedTick, throughTick <= last {
            grantsRepeated += 1
            output.send(.tickAck(throughTick: throughTick), timestamp: timestamp, flags: replyFlags)
            return
        }
        lastGrantedTick = throughTick
        applyFinishedBuilds()
        context.nowNanoseconds = timestamp
        context.throughTick = throughTick
        batches += 1

        for slot in slots { run(slot) }

        for emitted in context.commands {
            output.send(.command(emitted.command), timestamp: timestamp, flags: replyFlags)
            commandsSent += 1
        }
        output.send(.tickAck(throughTick: throughTick), timestamp: timestamp, flags: replyFlags)
        for line in context.logs { output.log(line) }
        for value in context.telemetry { output.publish(value) }
        context.commitBatch()
    }

    /// A snapshot for status requests and periodic telemetry.
    public var status: AppCoreStatus {
        AppCoreStatus(
            batches: batches, grantsRepeated: grantsRepeated, samplesReceived: samplesReceived,
            samplesDropped: UInt64(context.samplesDropped), commandsSent: commandsSent, framesIgnored: framesIgnored,
            modules: slots.map(\.status))
    }

    // MARK: - Running a slot

    private func run(_ slot: ModuleSlot) {
        guard let module = slot.active else { return }  // quarantined
        context.currentSlotIndex = slot.index
        context.currentSlotName = slot.name
        context.commandsThisCall = 0
        context.derivedThisCall = 0
        context.telemetryThisCall = 0
        context.logsThisCall = 0
        let mark = context.mark
        let result = module.runBatch(count: context.samples.count)
        slot.calls += 1
        slot.fuelLast = result.fuelUsed
        slot.fuelTotal &+= result.fuelUsed
        slot.record(duration: result.nanoseconds)
        guard let fault = result.fault else {
            passed(slot)
            return
        }
        context.rollBack(to: mark)
        failed(slot, module: module, fault: fault, result: result)
    }

    private func passed(_ slot: ModuleSlot) {
        slot.cleanStreak += 1
        if slot.cleanStreak >= configuration.faultForgivenessBatches { slot.recentFaults = 0 }
        if case .probation(let remaining) = slot.state {
            if remaining <= 1 {
                slot.state = .active
                slot.previous = nil  // the new version earned its place
            } else {
                slot.state = .probation(remaining: remaining - 1)
            }
        }
    }

    private func failed(_ slot: ModuleSlot, module: SandboxedModule, fault: CallFault, result: CallResult) {
        // The process is stopping: neither the module's fault nor worth a restart (a compile).
        if fault == .interrupted { return }
        slot.faults += 1
        slot.cleanStreak = 0
        let version = module.compiled.manifest.version
        let wireDetail: UInt32
        switch fault {
        case .deadlineExceeded(let ns): wireDetail = UInt32(clamping: ns / 1000)
        default: wireDetail = UInt32(clamping: result.fuelUsed)
        }
        emit(fault.eventKind, slot, from: version, to: nil, detail: fault.summary, wireDetail: wireDetail)

        if case .probation = slot.state, let previous = slot.previous {
            slot.active = previous
            slot.previous = nil
            slot.state = .active
            slot.rollbacks += 1
            slot.lastManifest = previous.compiled.manifest
            emit(.rolledBack, slot, from: version, to: previous.compiled.manifest.version,
                 detail: "\(version) faulted during probation (\(fault.summary)); back to \(previous.compiled.manifest.version)",
                 wireDetail: UInt32(version.wireValue))
            return
        }

        slot.recentFaults += 1
        if slot.recentFaults >= configuration.faultsBeforeQuarantine {
            quarantine(slot, version: version, reason: "\(slot.recentFaults) faults, last: \(fault.summary)")
            return
        }
        // The fresh instance is built off the guest thread; the slot sits out until it is ready.
        // In virtual time the grant waits for it, so runs stay deterministic.
        slot.active = nil
        slot.state = .restarting
        slot.restartReason = fault.summary
        builder.submit(job(for: slot, purpose: .restart, source: .compiled(module.compiled)))
        if lastFlags.contains(.virtualTime) { waitForRestart(of: slot) }
    }

    private func waitForRestart(of slot: ModuleSlot) {
        while slot.state == .restarting {
            builder.waitUntilIdle()
            applyFinishedBuilds()
        }
    }

    private func quarantine(_ slot: ModuleSlot, version: ModuleVersion, reason: String) {
        slot.active = nil
        slot.previous = nil
        slot.state = .quarantined
        emit(.quarantined, slot, from: version, to: nil, detail: reason, wireDetail: UInt32(clamping: slot.faults))
    }

    private func instantiate(_ compiled: CompiledModule, slot: String, index: Int) throws(ModuleLoadError) -> SandboxedModule {
        // `ssoc_init` runs under the slot's name and quotas. Its log lines are flushed with the next
        // batch's; anything else it emits is dropped, as init runs outside any batch.
        context.currentSlotName = slot
        context.currentSlotIndex = index
        context.commandsThisCall = 0
        context.derivedThisCall = 0
        context.telemetryThisCall = 0
        context.logsThisCall = 0
        let mark = context.mark
        defer { context.rollBack(to: mark) }
        return try SandboxedModule(
            compiled, engine: loader.engine, binding: HostBinding(context: context), configuration: configuration,
            clock: clock)
    }

    private func emit(
        _ kind: ModuleEventKind, _ slot: ModuleSlot, from: ModuleVersion?, to: ModuleVersion?, detail: String,
        wireDetail: UInt32
    ) {
        let event = AppEvent(
            kind: kind, slotIndex: slot.index, slot: slot.name, module: slot.lastManifest.name, from: from, to: to, detail: detail, wireDetail: wireDetail)
        let version = (to ?? from)?.wireValue ?? 0
        output.send(
            .moduleEvent(ModuleEvent(kind: kind, slot: UInt8(truncatingIfNeeded: slot.index), moduleVersion: version, detail: wireDetail)),
            timestamp: context.nowNanoseconds, flags: lastFlags)
        output.report(event)
    }
}

extension ModuleEventKind {
    /// The name used in JSON telemetry (`"kind":"rolled-back"`).
    public var telemetryName: String {
        switch self {
        case .loaded: return "loaded"
        case .swapped: return "swapped"
        case .rolledBack: return "rolled-back"
        case .trapped: return "trapped"
        case .outOfFuel: return "out-of-fuel"
        case .deadlineExceeded: return "deadline-exceeded"
        case .quarantined: return "quarantined"
        case .restarted: return "restarted"
        }
    }
}
