import AppCore
import FirmwareBuild
import Foundation
import Testing

@Suite("FirmwareBuild")
struct FirmwareBuildTests {
    @Test("every module under firmware-mock builds and carries its manifest")
    func everyModuleBuildsWithItsManifest() throws {
        let built = try TestModules.built.get()
        for stem in ["calibrate-filter", "thermostat", "thermostat-1.1", "thermostat-faulty", "anomaly", "passthrough",
                     "infinite-loop", "memory-bomb", "unreachable", "recursion", "undeclared-import"] {
            let path = try #require(built[stem], "module \(stem) was not built")
            let manifest = try ModuleManifest.read(fromModule: Array(try Data(contentsOf: URL(fileURLWithPath: path))))
            #expect(!manifest.name.isEmpty)
        }
        let faulty = try ModuleManifest.read(fromModule: try TestModules.bytes("thermostat-faulty"))
        #expect(faulty.name == "thermostat")
        #expect(faulty.version == ModuleVersion(major: 1, minor: 2))
    }

    @Test("a second build of unchanged sources comes from the cache")
    func repeatedBuildsAreCached() throws {
        _ = try TestModules.built.get()
        let again = try TestModules.builder.buildAll()
        #expect(!again.isEmpty)
        #expect(again.filter { !$0.fromCache }.map(\.stem) == [])
    }

    @Test("a build into a fresh directory compiles, then caches")
    func freshDirectoryCompilesThenCaches() throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("ssoc-fw-\(UUID().uuidString)").path
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let builder = FirmwareBuilder(packageRoot: TestModules.packageRoot, outputDirectory: directory)
        let first = try builder.build(stem: "passthrough")
        #expect(!first.fromCache)
        #expect(try builder.build(stem: "passthrough").fromCache)
    }

    @Test("clang is found through SPLITSOC_CLANG, then next to swift on PATH")
    func clangLookupOrder() {
        #expect(FirmwareBuilder.locateClang(environment: ["SPLITSOC_CLANG": "/x/clang", "PATH": "/usr/bin"]) == "/x/clang")
        #expect(FirmwareBuilder.locateClang(environment: ["PATH": "/nonexistent"]) == "/opt/swift/usr/bin/clang")
    }

    @Test("a custom section appended after linking encodes its size in LEB128")
    func customSectionEncoding() throws {
        let base = try TestModules.wat(idleWAT, manifest: nil)
        let payload = [UInt8](repeating: 0x41, count: 200)
        let bytes = WasmCustomSection.appending(name: "x", payload: payload, to: base)
        // id 0, size 202 = 0xca 0x01, name length 1, "x", payload
        #expect(Array(bytes[base.count..<(base.count + 5)]) == [0, 0xca, 0x01, 1, 0x78])
        #expect(bytes.count == base.count + 5 + 200)
        // Still a valid module, whose manifest is simply absent.
        #expect(throws: ModuleLoadError(.missingManifest, "no 'splitsoc.manifest' custom section")) {
            try ModuleManifest.read(fromModule: bytes)
        }
    }

    @Test("a C module that does not compile gives the compiler's diagnostics")
    func compileErrorsAreReported() throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("ssoc-bad-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: directory) }
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        try "int ssoc_init(void) { return missing; }\n".write(
            to: directory.appendingPathComponent("bad.c"), atomically: true, encoding: .utf8)
        try "source = bad.c\nname = bad\nversion = 1.0\n".write(
            to: directory.appendingPathComponent("bad.manifest"), atomically: true, encoding: .utf8)
        let builder = FirmwareBuilder(
            packageRoot: TestModules.packageRoot, modulesDirectory: directory.path,
            outputDirectory: directory.appendingPathComponent("out").path)
        #expect {
            try builder.buildAll()
        } throws: { error in
            "\(error)".contains("missing")
        }
    }
}

@Suite("ModuleManifest")
struct ModuleManifestTests {
    @Test("a manifest parses name, version, capabilities and budgets")
    func parsesEveryField() throws {
        let manifest = try ModuleManifest.parse(
            "# comment\nname = thermostat\nversion = 1.1\ncapabilities = samples.read, clock\nfuel = 5000\nmemory-pages = 2\ndeadline-us = 300\nfuture-key = x\n")
        #expect(manifest.name == "thermostat")
        #expect(manifest.version.wireValue == 0x0101)
        #expect(manifest.capabilities == [.samplesRead, .clock])
        #expect(manifest.fuelPerBatch == 5000)
        #expect(manifest.memoryPages == 2)
        #expect(manifest.deadlineMicroseconds == 300)
    }

    @Test("bad manifests are refused with the offending value named")
    func refusesBadManifests() {
        #expect(throws: ModuleLoadError.self) { try ModuleManifest.parse("name = a\nversion = 1\n") }
        #expect(throws: ModuleLoadError.self) { try ModuleManifest.parse("version = 1.0\n") }
        do {
            _ = try ModuleManifest.parse("name = a\nversion = 1.0\ncapabilities = samples.read, network\n")
            Issue.record("accepted an unknown capability")
        } catch {
            #expect(error.kind == .invalidManifest)
            #expect(error.message.contains("network"))
        }
    }
}
