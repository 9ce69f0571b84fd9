import Foundation

/// The C compilers behind the manifest key `toolchain` (docs/module-abi.md §Toolchains; Rust is
/// `FirmwareBuilder+Rust.swift`).
extension FirmwareBuilder {
    /// Debian's clang 14 with wasi-libc (packages `clang-14 lld-14 wasi-libc
    /// libclang-rt-14-dev-wasm32`): a reactor (`_initialize` sets up libc), libm linked.
    public static let wasiClangPath = ProcessInfo.processInfo.environment["SPLITSOC_WASI_CLANG"] ?? "/usr/bin/clang-14"
    public static let wasiCFlags: [String] = [
        "--target=wasm32-wasi", "--sysroot=/usr", "-mexec-model=reactor", "-O2", "-std=c11", "-Wall", "-Werror",
        "-Wl,-z,stack-size=16384",
    ]
    /// The tool and arguments that compile `source` to `output`.
    func recipe(for source: FirmwareModuleSource, output: String) -> (String, [String]) {
        let defines = source.defines.map { "-D" + $0 }
        switch source.toolchain {
        case "wasi-c":
            return (Self.wasiClangPath, Self.wasiCFlags + ["-I", sdkDirectory] + defines + ["-o", output, source.sourcePath, "-lm"])
        default:
            return (clangPath, Self.cFlags + ["-I", sdkDirectory] + defines + ["-o", output, source.sourcePath])
        }
    }
}
