import Foundation

extension FirmwareBuilder {
    /// Compiles a C module for the host CPU, linked with `firmware-mock/sdk/native-harness.c` (the
    /// host functions implemented natively plus a timing loop): the baseline `splitsoc-app bench`
    /// compares the sandboxed module against.
    /// - Returns: the path of the executable (`OUTPUT/native/STEM`); run it with an iteration count.
    /// - Throws: `FirmwareBuildError` for a WAT module (there is no native form) or a compile error.
    public func buildNativeBaseline(_ source: FirmwareModuleSource) throws(FirmwareBuildError) -> String {
        guard !source.isWAT, !source.isRust else {
            throw FirmwareBuildError(module: source.stem, message: "only a C module has a native baseline")
        }
        let directory = URL(fileURLWithPath: outputDirectory).appendingPathComponent("native").path
        do {
            try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        } catch {
            throw FirmwareBuildError(module: source.stem, message: "cannot create \(directory): \(error)")
        }
        let output = directory + "/" + source.stem
        try Self.run(
            clangPath,
            ["-O2", "-std=c11", "-Wall", "-Werror", "-I", sdkDirectory] + source.defines.map { "-D" + $0 }
                + ["-o", output, sdkDirectory + "/native-harness.c", source.sourcePath],
            module: source.stem, tool: "native clang")
        return output
    }
}
