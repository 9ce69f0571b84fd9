import AppCore
import Foundation
import SoCWire
import Testing
import WasmKit

/// Modules built with standard toolchains run under the deterministic WASI subset.
@Suite("WASI subset")
struct WASITests {
    private func run(_ stem: String, batches: Int) throws -> RecordingOutput {
        let output = RecordingOutput()
        let core = ApplicationCore(clock: SteppingClock(), output: output)
        try core.addModule(slot: "regulator", bytes: try TestModules.bytes(stem))
        var driver = Driver(core)
        driver.quanta(batches, temperature: 20_000, setpoint: 25_000)
        #expect(core.status.modules[0].traps == 0, "\(output.events.map(\.detail))")
        return output
    }

    @Test("a wasi-libc C module (printf, snprintf, malloc, libm, getentropy) regulates and logs, deterministically")
    func wasiLibcModuleRunsDeterministically() throws {
        let first = try run("wasi-regulator", batches: 600)
        #expect(first.commands.count == 600)
        #expect(first.commands.allSatisfy { $0.target == 1 && (0...1000).contains($0.milliValue) })
        // stdout became the module's log: the init line, then one line every 500 batches.
        let lines = first.logs.map(\.message)
        #expect(lines.first?.hasPrefix("wasi-regulator ready, dither seed ") == true, "\(lines)")
        #expect(lines.dropFirst().first?.hasPrefix("duty ") == true, "\(lines)")
        #expect(lines.count == 3)
        let second = try run("wasi-regulator", batches: 600)
        #expect(second.commands == first.commands)
        #expect(second.logs.map(\.message) == lines)
    }

    @Test("without the wasi capability granted, a WASI module is refused")
    func wasiIsDenyByDefaultWhenNotGranted() throws {
        var configuration = AppCoreConfiguration()
        configuration.grantedCapabilities.remove(.wasi)
        let core = ApplicationCore(configuration: configuration, clock: SteppingClock(), output: RecordingOutput())
        #expect {
            try core.addModule(slot: "regulator", bytes: try TestModules.bytes("wasi-regulator"))
        } throws: { error in
            (error as? ModuleLoadError)?.kind == .capabilityNotGranted && "\(error)".contains("wasi")
        }
    }

    @Test("files do not exist (EBADF), unknown WASI functions answer ENOSYS, proc_exit is a fault")
    func deniedWASIFunctions() throws {
        let wat = """
            (module
              (import "wasi_snapshot_preview1" "path_open"
                (func $open (param i32 i32 i32 i32 i32 i64 i64 i32 i32) (result i32)))
              (import "wasi_snapshot_preview1" "sock_accept" (func $accept (param i32 i32 i32) (result i32)))
              (import "wasi_snapshot_preview1" "proc_exit" (func $exit (param i32)))
              (memory (export "memory") 1)
              (func (export "ssoc_init") (result i32) (i32.const 0))
              (func (export "ssoc_on_batch") (param i32) (result i32)
                (if (i32.eqz (local.get 0)) (then (call $exit (i32.const 3))))
                ;; status = errno(path_open) * 100 + errno(sock_accept): a nonzero status is reported with its value
                (i32.add
                  (i32.mul (i32.const 100)
                    (call $open (i32.const 3) (i32.const 0) (i32.const 0) (i32.const 0) (i32.const 0) (i64.const 0) (i64.const 0) (i32.const 0) (i32.const 0)))
                  (call $accept (i32.const 3) (i32.const 0) (i32.const 0)))))
            """
        let output = RecordingOutput()
        let core = ApplicationCore(clock: SteppingClock(), output: output)
        try core.addModule(slot: "w", bytes: try TestModules.wat(wat, manifest: "name = w\nversion = 1.0\ncapabilities = wasi\n"))
        output.clear()
        var driver = Driver(core)
        driver.quanta(1)  // 20 samples: the errno path
        #expect(output.events.first?.detail == "returned status 852", "EBADF = 8, ENOSYS = 52")
        core.handleGrant(throughTick: 100, timestamp: 100_000_000, flags: [.virtualTime])  // an empty batch: proc_exit
        let exit = try #require(output.events.last { $0.kind == .trapped })
        #expect(exit.detail.contains("proc_exit(3)"), "\(exit.detail)")
    }
}

/// The Rust toolchain's module, and one definition of the ABI across its four descriptions.
@Suite("Rust SDK and the ABI's one definition")
struct RustAndABITests {
    @Test("the Rust regulator (SDK crate, Debian rustc) regulates like the C thermostat, deterministically")
    func rustModuleRegulates() throws {
        func run() throws -> RecordingOutput {
            let output = RecordingOutput()
            let core = ApplicationCore(clock: SteppingClock(), output: output)
            try core.addModule(slot: "regulator", bytes: try TestModules.bytes("rust-regulator"))
            var driver = Driver(core)
            driver.quanta(50, temperature: 20_000, setpoint: 25_000)
            #expect(core.status.modules[0].traps == 0)
            return output
        }
        let first = try run()
        #expect(first.logs.first?.message == "rust-regulator ready")
        #expect(first.commands.count == 50)
        // 5 °C below the setpoint: the proportional term alone is 0.3 × 5000 = 1500, clamped to 1000.
        #expect(first.commands.allSatisfy { $0.target == 1 && $0.milliValue == 1000 })
        #expect(first.telemetry.map(\.key) == ["heater_duty_permille", "heater_duty_permille", "heater_duty_permille"])
        #expect(try run().commands == first.commands)
    }

    /// `name -> (parameters, results)` in Wasm types, from each description.
    typealias Signatures = [String: String]

    @Test("docs/module-abi.md, splitsoc.h, the Rust bindings and the host's catalogue agree on every import")
    func abiDescriptionsAgree() throws {
        let root = TestModules.packageRoot
        let doc = try String(contentsOfFile: root + "/docs/module-abi.md", encoding: .utf8)
        let header = try String(contentsOfFile: root + "/firmware-mock/sdk/splitsoc.h", encoding: .utf8)
        let rust = try String(contentsOfFile: root + "/firmware-mock/sdk/rust/src/lib.rs", encoding: .utf8)
        let host = Dictionary(
            uniqueKeysWithValues: HostFunctionCatalog.entries.map { name, entry in
                (name, "(\(entry.parameters.map(Self.name).joined(separator: ","))) -> (\(entry.results.map(Self.name).joined(separator: ",")))")
            })
        #expect(Self.fromDoc(doc) == host)
        #expect(Self.fromHeader(header) == host)
        #expect(Self.fromRust(rust) == host)
        // Capabilities: the doc's first column is the catalogue's capability.
        for (name, capability) in Self.capabilitiesFromDoc(doc) {
            #expect(HostFunctionCatalog.entries[name]?.capability.rawValue == capability, "\(name)")
        }
    }

    static func name(_ type: ValueType) -> String {
        switch type {
        case .i32: "i32"
        case .i64: "i64"
        default: "\(type)"
        }
    }

    /// Rows `| `cap` | `name` | `(i32 a, i32 b) -> i32` | … |` of the host-function table.
    static func docRows(_ doc: String) -> [(String, String, String)] {
        doc.split(separator: "\n").compactMap { line -> (String, String, String)? in
            let cells = line.split(separator: "|").map { $0.trimmingCharacters(in: .whitespaces) }
            guard cells.count >= 3, cells[0].hasPrefix("`"), cells[1].hasPrefix("`"), cells[2].hasPrefix("`(") else { return nil }
            return (cells[0].trimmingCharacters(in: ["`"]), cells[1].trimmingCharacters(in: ["`"]), cells[2].trimmingCharacters(in: ["`"]))
        }.map { ($0.0, $0.1, $0.2) }
    }

    static func fromDoc(_ doc: String) -> Signatures {
        var result: Signatures = [:]
        for (_, name, signature) in docRows(doc) {
            let parts = signature.components(separatedBy: " -> ")
            let parameters = parts[0].dropFirst().dropLast().split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces).split(separator: " ")[0] }
            let results = parts[1] == "()" ? "" : parts[1]
            result[name] = "(\(parameters.joined(separator: ","))) -> (\(results))"
        }
        return result
    }

    static func capabilitiesFromDoc(_ doc: String) -> [(String, String)] { docRows(doc).map { ($0.1, $0.0) } }

    /// `SSOC_IMPORT(name) RET ssoc_name(TYPE a, …);`: pointers are i32 (wasm32), 64-bit ints i64.
    static func fromHeader(_ header: String) -> Signatures {
        var result: Signatures = [:]
        for line in header.split(separator: "\n") where line.hasPrefix("SSOC_IMPORT(") {
            let name = String(line.dropFirst("SSOC_IMPORT(".count).prefix { $0 != ")" })
            let rest = line.split(separator: ")", maxSplits: 1)[1].trimmingCharacters(in: .whitespaces)
            let returnType = String(rest.prefix { $0 != " " })
            let inside = rest.split(separator: "(", maxSplits: 1)[1].prefix { $0 != ")" }
            let parameters = inside == "void" ? [] : inside.split(separator: ",").map { cType(String($0)) }
            result[name] = "(\(parameters.joined(separator: ","))) -> (\(returnType == "void" ? "" : cType(returnType)))"
        }
        return result
    }

    static func cType(_ declaration: String) -> String {
        declaration.contains("*") ? "i32" : declaration.contains("int64_t") ? "i64" : "i32"
    }

    /// `pub fn name(a: i32, out: *mut Sample) -> i32;` inside the `extern "C"` block.
    static func fromRust(_ source: String) -> Signatures {
        var result: Signatures = [:]
        guard let block = source.components(separatedBy: "extern \"C\" {").dropFirst().first?.components(separatedBy: "}").first else {
            return result
        }
        for line in block.split(separator: "\n") {
            let text = line.trimmingCharacters(in: .whitespaces)
            guard text.hasPrefix("pub fn ") else { continue }
            let name = String(text.dropFirst("pub fn ".count).prefix { $0 != "(" })
            let inside = text.split(separator: "(", maxSplits: 1)[1].prefix { $0 != ")" }
            let parameters = inside.split(separator: ",").map { parameter -> String in
                let type = parameter.split(separator: ":", maxSplits: 1)[1]
                return type.contains("*") ? "i32" : type.contains("i64") ? "i64" : "i32"
            }
            let returns = text.components(separatedBy: "->").dropFirst().first.map { $0.contains("i64") ? "i64" : "i32" } ?? ""
            result[name] = "(\(parameters.joined(separator: ","))) -> (\(returns))"
        }
        return result
    }
}
