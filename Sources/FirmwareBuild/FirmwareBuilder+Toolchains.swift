import Foundation

/// The compilers behind the manifest key `toolchain` (docs/module-abi.md §Toolchains).
extension FirmwareBuilder {
    /// Debian's clang 14 with wasi-libc (packages `clang-14 lld-14 wasi-libc
    /// libclang-rt-14-dev-wasm32`): a reactor (`_initialize` sets up libc), libm linked.
    public static let wasiClangPath = ProcessInfo.processInfo.environment["SPLITSOC_WASI_CLANG"] ?? "/usr/bin/clang-14"
    public static let wasiCFlags: [String] = [
        "--target=wasm32-wasi", "--sysroot=/usr", "-mexec-model=reactor", "-O2", "-std=c11", "-Wall", "-Werror",
        "-Wl,-z,stack-size=16384",
    ]
    /// Debian's rustc 1.63 with `libstd-rust-dev-wasm32` (the rustup rustc on PATH has no wasm32 target).
    public static let rustcPath = ProcessInfo.processInfo.environment["SPLITSOC_RUSTC"] ?? "/usr/bin/rustc"
    public static let rustFlags: [String] = [
        "--edition", "2021", "--target", "wasm32-unknown-unknown", "-C", "opt-level=2", "-C", "panic=abort",
    ]

    /// The tool and arguments that compile `source` to `output`.
    func recipe(for source: FirmwareModuleSource, output: String) throws(FirmwareBuildError) -> (String, [String]) {
        let defines = source.defines.map { "-D" + $0 }
        switch source.toolchain {
        case "wasi-c":
            return (Self.wasiClangPath, Self.wasiCFlags + ["-I", sdkDirectory] + defines + ["-o", output, source.sourcePath, "-lm"])
        case "rust":
            return (
                Self.rustcPath,
                Self.rustFlags + [
                    "--crate-type", "cdylib", "-C", "lto", "-C", "strip=symbols", "--extern", "splitsoc=\(rustSDKPath)",
                    "-o", output, source.sourcePath,
                ]
            )
        default:
            return (clangPath, Self.cFlags + ["-I", sdkDirectory] + defines + ["-o", output, source.sourcePath])
        }
    }

    /// Where the Rust SDK crate (`firmware-mock/sdk/rust`) is compiled to.
    var rustSDKPath: String { URL(fileURLWithPath: outputDirectory).appendingPathComponent("libsplitsoc.rlib").path }

    /// Compiles the Rust SDK crate (bindings to the `ssoc` imports) to an rlib for `--extern`.
    func buildRustSDK(for source: FirmwareModuleSource) throws(FirmwareBuildError) {
        try run(
            Self.rustcPath,
            Self.rustFlags + [
                "--crate-type", "rlib", "--crate-name", "splitsoc", "-o", rustSDKPath, sdkDirectory + "/rust/src/lib.rs",
            ], module: source.stem)
    }
}
