import Foundation

extension FirmwareModuleSource {
    /// Whether the source is Rust, built against the `splitsoc` SDK crate (`firmware-mock/sdk/rust`).
    public var isRust: Bool { sourcePath.hasSuffix(".rs") }
}

extension FirmwareBuilder {
    /// Debian's `rustc` (1.63, with `libstd-rust-dev-wasm32`): the rustup toolchain that may be first
    /// on `PATH` has no wasm32 standard library and cannot get one offline (PLATFORM-NOTES).
    /// `$SPLITSOC_RUSTC` overrides it.
    public static func locateRustc(environment: [String: String] = ProcessInfo.processInfo.environment) -> String {
        if let explicit = environment["SPLITSOC_RUSTC"], !explicit.isEmpty { return explicit }
        return "/usr/bin/rustc"
    }

    /// Flags common to the SDK crate and the module: no unwinding (a panic is `unreachable`, a
    /// trap the host contains), optimised.
    static let rustFlags = ["--edition", "2021", "--target", "wasm32-unknown-unknown", "-C", "opt-level=2", "-C", "panic=abort"]

    /// The module's extra flags: whole-program optimisation, no symbols, and a 16 KiB shadow stack
    /// (Rust's default is 1 MiB, more memory than a module's manifest grants).
    static let rustModuleFlags = ["--crate-type", "cdylib", "-C", "lto", "-C", "strip=symbols", "-C", "link-arg=-zstack-size=16384"]

    var rustSDKSource: String { sdkDirectory + "/rust/splitsoc/src/lib.rs" }

    /// Adds everything a Rust build depends on to the content hash.
    func hashRustInputs(into hash: inout ContentHash) {
        hash.update(Self.locateRustc())
        hash.update((Self.rustFlags + Self.rustModuleFlags).joined(separator: " "))
        hash.update((try? String(contentsOfFile: rustSDKSource, encoding: .utf8)) ?? "")
    }

    /// Compiles the SDK crate to an rlib, then the module as a `cdylib` linked against it; plain
    /// `rustc`, no cargo, so the build needs nothing from a registry. The manifest's `defines`
    /// become `--cfg` flags (variants of one source, as `-D` is for C).
    func compileRust(_ source: FirmwareModuleSource, output: String) throws(FirmwareBuildError) -> [UInt8] {
        let work = output + ".rust-\(ProcessInfo.processInfo.processIdentifier)"
        defer { try? FileManager.default.removeItem(atPath: work) }
        do {
            try FileManager.default.createDirectory(atPath: work, withIntermediateDirectories: true)
        } catch {
            throw FirmwareBuildError(module: source.stem, message: "cannot create \(work): \(error)")
        }
        let rustc = Self.locateRustc()
        let library = work + "/libsplitsoc.rlib"
        try Self.run(
            rustc, Self.rustFlags + ["--crate-type", "rlib", "--crate-name", "splitsoc", rustSDKSource, "-o", library],
            module: source.stem, tool: "rustc (SDK crate)")
        let linked = work + "/module.wasm"
        try Self.run(
            rustc,
            Self.rustFlags + Self.rustModuleFlags + source.defines.flatMap { ["--cfg", $0] }
                + ["--extern", "splitsoc=\(library)", source.sourcePath, "-o", linked],
            module: source.stem, tool: "rustc")
        guard let data = FileManager.default.contents(atPath: linked) else {
            throw FirmwareBuildError(module: source.stem, message: "rustc wrote no output")
        }
        return Array(data)
    }
}
