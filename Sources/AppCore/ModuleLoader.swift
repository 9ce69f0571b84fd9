import WasmKit
import WasmParser

/// A module that passed every static check: parsed, manifest read, imports and budgets accepted.
/// Instantiate it with `SandboxedModule`. Sendable and immutable, so it can be compiled off the
/// guest thread (a swap request) and instantiated on it.
public struct CompiledModule: Sendable {
    /// The module's manifest.
    public let manifest: ModuleManifest
    /// Size of the binary in bytes.
    public let byteCount: Int
    /// The effective per-batch fuel budget (manifest, else the host's cap).
    public let fuelPerBatch: UInt64
    /// The effective linear-memory cap in bytes.
    public let memoryLimitBytes: Int
    /// The effective per-call wall-clock deadline.
    public let deadlineNanoseconds: UInt64
    let module: Module

    /// The module's imports as `module.name`, in order (the host's injected check left out).
    public var importNames: [String] {
        module.imports.filter { $0.module != BudgetInstrumentation.importModule }.map { "\($0.module).\($0.name)" }
    }

    /// The module's exports, in order.
    public var exportNames: [String] { module.exports.map(\.name) }
}

/// Checks module binaries against the ABI, their manifest and the host's configuration.
public struct ModuleLoader: Sendable {
    /// The engine every module of this core runs on: fuel metering, eager compilation (so an
    /// invalid body is refused at load, not at its first call), a bounded interpreter stack.
    public let engine: Engine
    public let configuration: AppCoreConfiguration

    public init(configuration: AppCoreConfiguration) {
        self.configuration = configuration
        self.engine = Engine(
            configuration: EngineConfiguration(
                compilationMode: .eager,
                stackSize: configuration.stackBytes,
                memoryBoundsChecking: configuration.softwareBoundsChecks ? .software : .mprotect,
                fuelMetering: true))
    }

    /// Parses and checks `bytes`.
    /// - Throws: `ModuleLoadError`: `.tooLarge`, `.invalidBinary`, `.missingManifest`,
    ///   `.invalidManifest`, `.capabilityNotGranted`, `.unknownImport`, `.undeclaredImport`,
    ///   `.overBudget`, `.badExport`.
    public func compile(_ bytes: [UInt8]) throws(ModuleLoadError) -> CompiledModule {
        try compile(bytes, instrument: true)
    }

    /// `instrument: false` skips the budget rewrite: only for `ModuleBenchmark`, which measures
    /// what the rewrite costs. Such a module is not time-bounded.
    func compile(_ bytes: [UInt8], instrument: Bool) throws(ModuleLoadError) -> CompiledModule {
        let config = configuration
        guard bytes.count <= config.maxModuleBytes else {
            throw ModuleLoadError(.tooLarge, "the module is \(bytes.count) bytes; the limit is \(config.maxModuleBytes)")
        }
        if let refusal = MemoryFeatureScan.refusal(in: bytes) { throw ModuleLoadError(.invalidBinary, refusal) }
        let module: Module
        do {
            module = try parseWasm(bytes: bytes)
        } catch {
            throw ModuleLoadError(.invalidBinary, "not a valid WebAssembly module: \(error)")
        }
        let manifest: ModuleManifest
        do {
            manifest = try ModuleManifest.read(from: module)
        } catch where error.kind == .missingManifest {
            throw ModuleLoadError(
                .missingManifest,
                "no '\(ModuleManifest.sectionName)' custom section (attach one with `splitsoc modules attach-manifest`)")
        }
        let who = "module '\(manifest.name)' \(manifest.version)"

        let refused = manifest.capabilities.subtracting(config.grantedCapabilities).sorted()
        guard refused.isEmpty else {
            throw ModuleLoadError(
                .capabilityNotGranted,
                "\(who) requires \(refused.map(\.rawValue).joined(separator: ", ")), which this application core does not grant")
        }
        for entry in module.imports {
            let name = "\(entry.module).\(entry.name)"
            if entry.module.hasPrefix("wasi_") {
                try checkWASIImport(entry, name: name, in: module, manifest: manifest, who: who)
                continue
            }
            guard entry.module == HostFunctionCatalog.importModule, let host = HostFunctionCatalog.entries[entry.name] else {
                throw ModuleLoadError(.unknownImport, "\(who) imports '\(name)', which the host does not provide")
            }
            guard let signature = WasmKitSPI.signature(of: entry, in: module),
                signature.parameters == host.parameters, signature.results == host.results
            else {
                throw ModuleLoadError(
                    .unknownImport,
                    "\(who) imports '\(name)' with a signature other than the ABI's \(host.parameters) -> \(host.results)")
            }
            guard manifest.capabilities.contains(host.capability) else {
                throw ModuleLoadError(
                    .undeclaredImport,
                    "\(who) imports '\(name)' of capability '\(host.capability.rawValue)', which its manifest does not declare")
            }
        }

        let fuel = manifest.fuelPerBatch ?? config.maxFuelPerBatch
        guard fuel <= config.maxFuelPerBatch else {
            throw ModuleLoadError(.overBudget, "\(who) asks for \(fuel) fuel per batch; the cap is \(config.maxFuelPerBatch)")
        }
        let pages = manifest.memoryPages ?? config.maxMemoryPages
        guard pages <= config.maxMemoryPages else {
            throw ModuleLoadError(.overBudget, "\(who) asks for \(pages) memory pages; the cap is \(config.maxMemoryPages)")
        }
        let deadline = manifest.deadlineMicroseconds.map { $0 * 1000 } ?? config.maxDeadlineNanoseconds
        guard deadline <= config.maxDeadlineNanoseconds else {
            throw ModuleLoadError(
                .overBudget,
                "\(who) asks for a \(deadline / 1000) µs deadline; the cap is \(config.maxDeadlineNanoseconds / 1000) µs")
        }

        let exported = Dictionary(module.exports.map { ($0.name, $0.descriptor) }, uniquingKeysWith: { first, _ in first })
        for required in ["ssoc_init", "ssoc_on_batch"] {
            guard case .function = exported[required] else {
                throw ModuleLoadError(.badExport, "\(who) does not export the function '\(required)'")
            }
        }
        if case .function = exported["_start"], exported["_initialize"] == nil {
            throw ModuleLoadError(
                .badExport, "\(who) is a WASI command (it exports _start); build it as a reactor (-mexec-model=reactor)")
        }
        guard case .memory = exported["memory"] else {
            throw ModuleLoadError(.badExport, "\(who) does not export its linear memory as 'memory'")
        }
        return CompiledModule(
            manifest: manifest, byteCount: bytes.count, fuelPerBatch: fuel, memoryLimitBytes: pages * 65536,
            deadlineNanoseconds: deadline, module: instrument ? try instrumented(bytes, who: who) : module)
    }
}

extension ModuleLoader {
    /// A WASI import needs the `wasi` capability and a function of the subset (or one returning an
    /// errno, which gets ENOSYS).
    private func checkWASIImport(
        _ entry: Import, name: String, in module: Module, manifest: ModuleManifest, who: String
    ) throws(ModuleLoadError) {
        guard manifest.capabilities.contains(.wasi) else {
            throw ModuleLoadError(
                .unknownImport, "\(who) uses WASI (it imports '\(name)'); declare the `wasi` capability in its manifest")
        }
        guard entry.module == WASISubset.importModule, let signature = WasmKitSPI.signature(of: entry, in: module),
            WASISubset.provides(entry.name, parameters: signature.parameters, results: signature.results)
        else {
            throw ModuleLoadError(.unknownImport, "\(who) imports '\(name)', which this host's WASI preview 1 subset does not provide")
        }
    }

    /// The module with budget checks injected (`BudgetInstrumentation`), parsed again: the only
    /// form that is ever instantiated.
    private func instrumented(_ bytes: [UInt8], who: String) throws(ModuleLoadError) -> Module {
        do {
            return try parseWasm(bytes: try BudgetInstrumentation.instrument(bytes))
        } catch {
            throw ModuleLoadError(.invalidBinary, "\(who) could not be instrumented for time bounds: \(error)")
        }
    }
}

extension ModuleManifest {
    /// Reads the manifest of a module binary without instantiating it.
    /// - Throws: `ModuleLoadError` `.invalidBinary`, `.missingManifest`, `.invalidManifest`.
    public static func read(fromModule bytes: [UInt8]) throws(ModuleLoadError) -> ModuleManifest {
        if let refusal = MemoryFeatureScan.refusal(in: bytes) { throw ModuleLoadError(.invalidBinary, refusal) }
        let module: Module
        do {
            module = try parseWasm(bytes: bytes)
        } catch {
            throw ModuleLoadError(.invalidBinary, "not a valid WebAssembly module: \(error)")
        }
        return try read(from: module)
    }

    /// The manifest of a parsed module: exactly one `splitsoc.manifest` section.
    /// - Throws: `.missingManifest`, `.invalidManifest` (also for two sections: which one would
    ///   the host believe?).
    static func read(from module: Module) throws(ModuleLoadError) -> ModuleManifest {
        let sections = module.customSections.filter { $0.name == sectionName }
        guard let section = sections.first else {
            throw ModuleLoadError(.missingManifest, "no '\(sectionName)' custom section")
        }
        guard sections.count == 1 else {
            throw ModuleLoadError(
                .invalidManifest, "the module has \(sections.count) '\(sectionName)' sections; exactly one is allowed")
        }
        return try parse(String(decoding: section.bytes, as: UTF8.self))
    }
}
