import AppCore
import ArgumentParser
import FirmwareBuild
import Foundation

/// `splitsoc modules …`: build and inspect the Wasm modules of `firmware-mock/modules`.
struct ModulesCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "modules",
        abstract: "Build and inspect the application core's Wasm modules.",
        subcommands: [Build.self, Inspect.self],
        defaultSubcommand: Build.self)

    /// `splitsoc modules build`.
    struct Build: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Compile firmware-mock/modules (C with the toolchain's clang, WAT in-process) to .wasm.",
            discussion: """
                Every NAME.manifest under the modules directory becomes OUTPUT/NAME.wasm with the manifest \
                appended as its splitsoc.manifest custom section. Outputs are cached by content hash, so \
                repeated builds are instant. clang: $SPLITSOC_CLANG, else next to `swift` on PATH, else \
                /opt/swift/usr/bin/clang. C flags: \(FirmwareBuilder.cFlags.joined(separator: " ")).
                """)

        @Option(name: .customLong("package-root"), help: "The SplitSoC checkout (default: the current directory).")
        var packageRoot: String = FileManager.default.currentDirectoryPath

        @Option(name: .long, help: "Where to write the .wasm files (default: PACKAGE-ROOT/.build/wasm).")
        var output: String?

        @Option(name: .customLong("modules"), help: "The modules directory (default: PACKAGE-ROOT/firmware-mock/modules).")
        var modulesDirectory: String?

        @Option(name: .long, help: "The clang to compile C modules with.")
        var clang: String?

        @Argument(help: "Build only these modules (manifest stems, e.g. thermostat-1.1); default all.")
        var stems: [String] = []

        func run() throws {
            let builder = FirmwareBuilder(
                packageRoot: packageRoot, modulesDirectory: modulesDirectory, outputDirectory: output, clangPath: clang)
            do {
                let built = stems.isEmpty ? try builder.buildAll() : try stems.map { stem throws(FirmwareBuildError) in try builder.build(stem: stem) }
                for module in built {
                    let size = (try? FileManager.default.attributesOfItem(atPath: module.path)[.size] as? Int) ?? 0
                    print("\(module.fromCache ? "cached  " : "compiled") \(module.stem) \(module.path) \(size) bytes")
                }
                print("\(built.count) modules in \(builder.outputDirectory) (clang: \(builder.clangPath))")
            } catch {
                FileHandle.standardError.write(Data("splitsoc modules build: \(error)\n".utf8))
                throw ExitCode(65)
            }
        }
    }

    /// `splitsoc modules inspect`.
    struct Inspect: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Check .wasm files against the module ABI and print their manifests.")

        @Argument(help: "The .wasm files.")
        var paths: [String]

        func run() throws {
            let loader = ModuleLoader(configuration: AppCoreConfiguration())
            var failures = 0
            for path in paths {
                guard let data = FileManager.default.contents(atPath: path) else {
                    print("\(path): cannot read")
                    failures += 1
                    continue
                }
                do {
                    let module = try loader.compile(Array(data))
                    let manifest = module.manifest
                    print(
                        "\(path): \(manifest.name) \(manifest.version) capabilities=\(manifest.capabilities.sorted().map(\.rawValue).joined(separator: ",")) "
                            + "fuel=\(module.fuelPerBatch) memory_pages=\(module.memoryLimitBytes / 65536) "
                            + "deadline_us=\(module.deadlineNanoseconds / 1000) bytes=\(module.byteCount)")
                } catch {
                    print("\(path): refused: \(error)")
                    failures += 1
                }
            }
            if failures > 0 { throw ExitCode(65) }
        }
    }
}
