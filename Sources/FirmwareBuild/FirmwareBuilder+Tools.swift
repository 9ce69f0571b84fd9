import Foundation

extension FirmwareBuilder {
    /// Runs a compiler; its diagnostics become the error when it fails.
    static func run(_ path: String, _ arguments: [String], module: String, tool: String) throws(FirmwareBuildError) {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: path)
        process.arguments = arguments
        let errors = Pipe()
        process.standardError = errors
        process.standardOutput = errors
        do {
            try process.run()
        } catch {
            throw FirmwareBuildError(
                module: module,
                message: "cannot run \(tool) at \(path) (scripts/setup.sh installs Debian's compilers; "
                    + "SPLITSOC_CLANG, SPLITSOC_WASI_CLANG and SPLITSOC_RUSTC override them): \(error)")
        }
        let diagnostics = errors.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        guard process.terminationStatus == 0 else {
            throw FirmwareBuildError(
                module: module,
                message: "\(tool) exited \(process.terminationStatus):\n" + String(decoding: diagnostics, as: UTF8.self))
        }
    }
}
