import Foundation
#if canImport(Glibc)
    import Glibc
#endif
import WAT
import WasmParser

/// One module to build: a `NAME.manifest` file in a module folder and the source it names.
public struct FirmwareModuleSource: Sendable, Hashable {
    /// The output stem: the manifest's file name without `.manifest` (`thermostat-1.1`).
    public var stem: String
    /// Path of the `NAME.manifest` file.
    public var manifestPath: String
    /// Path of the C or WAT source the manifest's `source` key names.
    public var sourcePath: String
    /// Preprocessor defines from the manifest's `defines` key (C only).
    public var defines: [String]
    /// The manifest as embedded in the module: every key except the build-only ones
    /// (`source`, `defines`), normalised to `key = value` lines.
    public var embeddedManifest: String

    /// The build-only key `toolchain`: `wasi-c` (Debian's clang-14 and wasi-libc); empty for
    /// freestanding C, WAT and Rust (chosen by the source's suffix).
    public var toolchain: String = ""

    /// Whether the source is WebAssembly text (assembled in-process) rather than C.
    public var isWAT: Bool { sourcePath.hasSuffix(".wat") }
}

/// The result of building one module.
public struct BuiltModule: Sendable, Hashable {
    /// The output stem (`thermostat-1.1`).
    public var stem: String
    /// Absolute path of the `.wasm` file.
    public var path: String
    /// Whether the output was already current (same content hash) and nothing was compiled.
    public var fromCache: Bool
}

/// Why a module could not be built.
public struct FirmwareBuildError: Error, Sendable, CustomStringConvertible {
    /// The module (manifest stem) or path concerned.
    public var module: String
    /// What went wrong, for people (includes the compiler's diagnostics when there are any).
    public var message: String

    public init(module: String, message: String) {
        self.module = module
        self.message = message
    }

    public var description: String { "cannot build module \(module): \(message)" }
}

/// Compiles the modules under `firmware-mock/modules` to `.wasm` with the Swift toolchain's clang
/// (C), Debian's rustc (Rust, `FirmwareBuilder+Rust.swift`) or WasmKit's in-process assembler (WAT), appends each module's manifest as the
/// `splitsoc.manifest` custom section, and validates the result.
///
/// Outputs are cached by a content hash of everything that goes into them (source, manifest, SDK
/// header, compiler path and flags), so a repeated build is a few file reads.
///
/// Layout: every `*.manifest` file below the modules directory describes one output named after
/// it; its `source` key names the source file next to it and its optional `defines` key lists
/// `-D` defines, so several variants can share one source (`thermostat-1.1.manifest`).
public struct FirmwareBuilder: Sendable {
    /// The folder searched for `*.manifest` files (recursively).
    public var modulesDirectory: String
    /// The folder the `.wasm` files are written to.
    public var outputDirectory: String
    /// The folder holding `splitsoc.h`.
    public var sdkDirectory: String
    /// The clang used for C modules.
    public var clangPath: String

    /// Bumped when the build recipe changes, so caches from older recipes are not reused.
    static let recipeVersion = "splitsoc-firmware-build-1"

    /// The flags every C module is compiled with. Freestanding: no libc, no start function; the
    /// 16 KiB shadow stack keeps a module's memory at a page or two.
    public static let cFlags: [String] = [
        "--target=wasm32", "-O2", "-nostdlib", "-ffreestanding", "-std=c11", "-Wall", "-Werror",
        "-Wl,--no-entry", "-Wl,-z,stack-size=16384",
    ]

    /// Creates a builder.
    /// - Parameters:
    ///   - modulesDirectory: Default `firmware-mock/modules` under `packageRoot`.
    ///   - outputDirectory: Default `.build/wasm` under `packageRoot`.
    ///   - packageRoot: The SplitSoC checkout (default: the current directory).
    ///   - clangPath: Default: `FirmwareBuilder.locateClang()`.
    public init(
        packageRoot: String = FileManager.default.currentDirectoryPath,
        modulesDirectory: String? = nil, outputDirectory: String? = nil, clangPath: String? = nil
    ) {
        let root = URL(fileURLWithPath: packageRoot)
        self.modulesDirectory = modulesDirectory ?? root.appendingPathComponent("firmware-mock/modules").path
        self.outputDirectory = outputDirectory ?? root.appendingPathComponent(".build/wasm").path
        self.sdkDirectory = root.appendingPathComponent("firmware-mock/sdk").path
        self.clangPath = clangPath ?? Self.locateClang()
    }

    /// Finds clang: `$SPLITSOC_CLANG`, else next to the `swift` found on `PATH` (symlinks
    /// resolved), else `/opt/swift/usr/bin/clang`.
    public static func locateClang(environment: [String: String] = ProcessInfo.processInfo.environment) -> String {
        if let explicit = environment["SPLITSOC_CLANG"], !explicit.isEmpty { return explicit }
        let fileManager = FileManager.default
        for directory in (environment["PATH"] ?? "").split(separator: ":") {
            let swift = URL(fileURLWithPath: String(directory)).appendingPathComponent("swift")
            guard fileManager.isExecutableFile(atPath: swift.path) else { continue }
            let clang = swift.resolvingSymlinksInPath().deletingLastPathComponent().appendingPathComponent("clang")
            if fileManager.isExecutableFile(atPath: clang.path) { return clang.path }
        }
        return "/opt/swift/usr/bin/clang"
    }

    /// Walks up from `path` (typically `#filePath`) to the folder holding `Package.swift`.
    public static func packageRoot(containing path: String) -> String? {
        var url = URL(fileURLWithPath: path)
        while url.path != "/" {
            url.deleteLastPathComponent()
            if FileManager.default.fileExists(atPath: url.appendingPathComponent("Package.swift").path),
                FileManager.default.fileExists(atPath: url.appendingPathComponent("firmware-mock").path)
            {
                return url.path
            }
        }
        return nil
    }

    /// Every module the modules directory describes, sorted by stem.
    /// - Throws: `FirmwareBuildError` for an unreadable or incomplete manifest.
    public func discover() throws(FirmwareBuildError) -> [FirmwareModuleSource] {
        guard let enumerator = FileManager.default.enumerator(atPath: modulesDirectory) else {
            throw FirmwareBuildError(module: modulesDirectory, message: "no such directory")
        }
        var sources: [FirmwareModuleSource] = []
        while let relative = enumerator.nextObject() as? String {
            guard relative.hasSuffix(".manifest") else { continue }
            let manifestPath = URL(fileURLWithPath: modulesDirectory).appendingPathComponent(relative).path
            sources.append(try Self.describe(manifestPath: manifestPath))
        }
        return sources.sorted { $0.stem < $1.stem }
    }

    /// Reads one `NAME.manifest` file.
    /// - Throws: `FirmwareBuildError` when the file is unreadable or has no `source` key.
    public static func describe(manifestPath: String) throws(FirmwareBuildError) -> FirmwareModuleSource {
        let url = URL(fileURLWithPath: manifestPath)
        let stem = url.deletingPathExtension().lastPathComponent
        guard let text = try? String(contentsOf: url, encoding: .utf8) else {
            throw FirmwareBuildError(module: stem, message: "cannot read \(manifestPath)")
        }
        var source: String?
        var defines: [String] = []
        var toolchain = ""
        var embedded = ""
        for rawLine in text.split(whereSeparator: \.isNewline) {
            let line = rawLine.trimmingCharacters(in: .whitespaces)
            if line.isEmpty || line.hasPrefix("#") { continue }
            guard let equals = line.firstIndex(of: "=") else {
                throw FirmwareBuildError(module: stem, message: "manifest line without '=': \(line)")
            }
            let key = line[..<equals].trimmingCharacters(in: .whitespaces)
            let value = line[line.index(after: equals)...].trimmingCharacters(in: .whitespaces)
            switch key {
            case "source": source = value
            case "defines": defines = value.split(separator: " ").map(String.init)
            case "toolchain": toolchain = value
            default: embedded += "\(key) = \(value)\n"
            }
        }
        guard let source else {
            throw FirmwareBuildError(module: stem, message: "manifest \(manifestPath) has no 'source' key")
        }
        guard ["", "wasi-c"].contains(toolchain) else {
            throw FirmwareBuildError(module: stem, message: "unknown toolchain '\(toolchain)' (wasi-c; Rust is chosen by the .rs source)")
        }
        var described = FirmwareModuleSource(
            stem: stem, manifestPath: manifestPath,
            sourcePath: url.deletingLastPathComponent().appendingPathComponent(source).path,
            defines: defines, embeddedManifest: embedded)
        described.toolchain = toolchain
        return described
    }

    /// Builds every module, returning them sorted by stem.
    /// - Throws: `FirmwareBuildError` for the first module that fails.
    @discardableResult
    public func buildAll() throws(FirmwareBuildError) -> [BuiltModule] {
        try discover().map { source throws(FirmwareBuildError) in try build(source) }
    }

    /// Builds the module whose manifest stem is `stem` (`thermostat-1.1`).
    /// - Throws: `FirmwareBuildError` when there is no such module or it fails to build.
    public func build(stem: String) throws(FirmwareBuildError) -> BuiltModule {
        guard let source = try discover().first(where: { $0.stem == stem }) else {
            throw FirmwareBuildError(module: stem, message: "no \(stem).manifest under \(modulesDirectory)")
        }
        return try build(source)
    }

    /// Builds one module, or returns the cached output when its content hash is unchanged.
    /// - Throws: `FirmwareBuildError` with the compiler's or assembler's diagnostics.
    public func build(_ source: FirmwareModuleSource) throws(FirmwareBuildError) -> BuiltModule {
        guard let sourceText = try? String(contentsOfFile: source.sourcePath, encoding: .utf8) else {
            throw FirmwareBuildError(module: source.stem, message: "cannot read source \(source.sourcePath)")
        }
        var hash = ContentHash()
        hash.update(Self.recipeVersion)
        hash.update(sourceText)
        hash.update(source.embeddedManifest)
        hash.update(source.defines.joined(separator: " "))
        if source.isRust {
            hashRustInputs(into: &hash)
        } else if !source.isWAT {
            let (tool, arguments) = recipe(for: source, output: "OUT")
            hash.update(tool)
            hash.update(arguments.joined(separator: " "))
            hash.update((try? String(contentsOfFile: sdkDirectory + "/splitsoc.h", encoding: .utf8)) ?? "")
        }
        let digest = hash.hexDigest
        let output = URL(fileURLWithPath: outputDirectory).appendingPathComponent(source.stem + ".wasm").path
        let hashFile = output + ".hash"
        if (try? String(contentsOfFile: hashFile, encoding: .utf8)) == digest,
            FileManager.default.fileExists(atPath: output)
        {
            return BuiltModule(stem: source.stem, path: output, fromCache: true)
        }
        do {
            try FileManager.default.createDirectory(atPath: outputDirectory, withIntermediateDirectories: true)
        } catch {
            throw FirmwareBuildError(module: source.stem, message: "cannot create \(outputDirectory): \(error)")
        }

        var bytes =
            source.isWAT
            ? try assemble(source, text: sourceText)
            : source.isRust ? try compileRust(source, output: output) : try compile(source, output: output)
        bytes = WasmCustomSection.appending(
            name: "splitsoc.manifest", payload: Array(source.embeddedManifest.utf8), to: bytes)
        try Self.validate(bytes, module: source.stem)

        // Write to a temporary file and rename, so a concurrent reader never sees half a module.
        let temporary = output + ".tmp-\(ProcessInfo.processInfo.processIdentifier)"
        guard FileManager.default.createFile(atPath: temporary, contents: Data(bytes)) else {
            throw FirmwareBuildError(module: source.stem, message: "cannot write \(temporary)")
        }
        _ = rename(temporary, output)
        try? digest.write(toFile: hashFile, atomically: true, encoding: .utf8)
        return BuiltModule(stem: source.stem, path: output, fromCache: false)
    }

    private func assemble(_ source: FirmwareModuleSource, text: String) throws(FirmwareBuildError) -> [UInt8] {
        do {
            return try wat2wasm(text)
        } catch {
            throw FirmwareBuildError(module: source.stem, message: "WAT: \(error)")
        }
    }

    private func compile(_ source: FirmwareModuleSource, output: String) throws(FirmwareBuildError) -> [UInt8] {
        let linked = output + ".linked-\(ProcessInfo.processInfo.processIdentifier)"
        defer { try? FileManager.default.removeItem(atPath: linked) }
        let (tool, arguments) = recipe(for: source, output: linked)
        try Self.run(tool, arguments, module: source.stem, tool: URL(fileURLWithPath: tool).lastPathComponent)
        guard let data = FileManager.default.contents(atPath: linked) else {
            throw FirmwareBuildError(module: source.stem, message: "\(tool) wrote no output")
        }
        return Array(data)
    }

    /// Checks that `bytes` is a well-formed module that exports `memory`, `ssoc_init` and
    /// `ssoc_on_batch` and carries a `splitsoc.manifest` section. Full validation (types, bodies)
    /// happens again when AppCore loads it with eager compilation.
    /// - Throws: `FirmwareBuildError` naming the first problem.
    public static func validate(_ bytes: [UInt8], module: String) throws(FirmwareBuildError) {
        var parser = Parser(bytes: bytes)
        var exports: Set<String> = []
        var hasManifest = false
        do {
            while let payload = try parser.parseNext() {
                switch payload {
                case .exportSection(let list): exports.formUnion(list.map(\.name))
                case .customSection(let section) where section.name == "splitsoc.manifest": hasManifest = true
                default: break
                }
            }
        } catch {
            throw FirmwareBuildError(module: module, message: "invalid module: \(error)")
        }
        for required in ["memory", "ssoc_init", "ssoc_on_batch"] where !exports.contains(required) {
            throw FirmwareBuildError(module: module, message: "does not export '\(required)'")
        }
        guard hasManifest else { throw FirmwareBuildError(module: module, message: "no splitsoc.manifest section") }
    }
}
