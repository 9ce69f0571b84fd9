import AppCore
import ArgumentParser
import FirmwareBuild
import Foundation

/// `splitsoc modules …`: build and inspect the Wasm modules of `firmware-mock/modules`.
struct ModulesCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "modules",
        abstract: "Build and inspect the application core's Wasm modules.",
        subcommands: [Build.self, Inspect.self, AttachManifest.self],
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
                    print("  imports: \(module.importNames.joined(separator: " "))")
                    print("  exports: \(module.exportNames.joined(separator: " "))")
                } catch {
                    print("\(path): refused: \(error)")
                    failures += 1
                }
            }
            if failures > 0 { throw ExitCode(65) }
        }
    }

    /// `splitsoc modules attach-manifest`.
    struct AttachManifest: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "attach-manifest",
            abstract: "Attach a manifest to a .wasm built elsewhere (clang, rustc, TinyGo...), as a splitsoc.manifest section.",
            discussion: """
                The manifest is `key = value` lines (TOML-style quotes around values are removed; build-only keys \
                source, defines and toolchain are dropped). The result is checked like `splitsoc modules inspect`.
                """)

        @Argument(help: "The module to read.")
        var input: String

        @Option(name: .long, help: "The manifest file (name, version, capabilities, fuel, memory-pages, deadline-us).")
        var manifest: String

        @Option(name: .shortAndLong, help: "Where to write the module with its manifest.")
        var output: String

        func run() throws {
            guard let module = FileManager.default.contents(atPath: input) else { throw Self.fail("cannot read \(input)") }
            guard let text = try? String(contentsOfFile: manifest, encoding: .utf8) else { throw Self.fail("cannot read \(manifest)") }
            let payload = Self.normalised(text)
            do {
                _ = try ModuleManifest.parse(payload)
                if (try? ModuleManifest.read(fromModule: Array(module))) != nil {
                    throw Self.fail("\(input) already has a splitsoc.manifest section")
                }
            } catch let error as ModuleLoadError {
                throw Self.fail("\(manifest): \(error)")
            }
            let bytes = WasmCustomSection.appending(name: ModuleManifest.sectionName, payload: Array(payload.utf8), to: Array(module))
            do {
                let compiled = try ModuleLoader(configuration: AppCoreConfiguration()).compile(bytes)
                guard FileManager.default.createFile(atPath: output, contents: Data(bytes)) else { throw Self.fail("cannot write \(output)") }
                print("\(output): \(compiled.manifest.name) \(compiled.manifest.version) bytes=\(bytes.count)")
            } catch let error as ModuleLoadError {
                throw Self.fail("the module with this manifest would be refused: \(error)")
            }
        }

        /// `key = value` lines without build-only keys, TOML quotes removed.
        static func normalised(_ text: String) -> String {
            var lines: [String] = []
            for raw in text.split(whereSeparator: \.isNewline) {
                let line = raw.trimmingCharacters(in: .whitespaces)
                guard !line.isEmpty, !line.hasPrefix("#"), let equals = line.firstIndex(of: "=") else { continue }
                let key = line[..<equals].trimmingCharacters(in: .whitespaces)
                var value = line[line.index(after: equals)...].trimmingCharacters(in: .whitespaces)
                if value.count >= 2, value.hasPrefix("\""), value.hasSuffix("\"") { value = String(value.dropFirst().dropLast()) }
                if ["source", "defines", "toolchain"].contains(key) { continue }
                lines.append("\(key) = \(value)")
            }
            return lines.joined(separator: "\n") + "\n"
        }

        static func fail(_ message: String) -> ExitCode {
            FileHandle.standardError.write(Data("splitsoc modules attach-manifest: \(message)\n".utf8))
            return ExitCode(65)
        }
    }
}
