import AppCore
import FirmwareBuild
import Foundation
import SoCWire
import Testing
import WasmParser

/// Modules from Rust (Debian's rustc for wasm32-unknown-unknown, the `splitsoc` SDK crate).
@Suite("Rust modules")
struct RustModuleTests {
    /// The module's imports, as (module, name) pairs.
    static func imports(_ bytes: [UInt8]) throws -> [String] {
        var parser = Parser(bytes: bytes)
        var names: [String] = []
        while let payload = try parser.parseNext() {
            if case .importSection(let list) = payload { names += list.map { "\($0.module).\($0.name)" } }
        }
        return names
    }

    @Test("thermostat-rs builds, imports only ssoc functions of its manifest, and loads under the sandbox")
    func rustModuleBuildsAndLoads() throws {
        let bytes = try TestModules.bytes("thermostat-rs")
        #expect(bytes.count < 4_096, "a no_std module stays small (\(bytes.count) bytes)")
        let imports = try Self.imports(bytes)
        #expect(!imports.isEmpty && imports.allSatisfy { $0.hasPrefix("ssoc.") }, "\(imports)")
        let core = ApplicationCore(configuration: AppCoreConfiguration(), clock: SteppingClock(), output: RecordingOutput())
        try core.addModule(slot: "regulator", bytes: bytes)
        #expect(core.status.modules.first?.name == "thermostat-rs")
    }

    @Test("the Rust port of the thermostat emits exactly the commands of the C original")
    func rustEqualsC() throws {
        func commands(_ stem: String) throws -> [Command] {
            let output = RecordingOutput()
            let core = ApplicationCore(configuration: AppCoreConfiguration(), clock: SteppingClock(), output: output)
            try core.addModule(slot: "regulator", bytes: try TestModules.bytes(stem))
            var driver = Driver(core)
            for k in 0..<200 {
                driver.quantum(temperature: { 18_000 + Int32(($0 * 53) % 4_000) + Int32(k * 20) }, setpoint: 25_000)
            }
            return output.commands
        }
        let c = try commands("thermostat")
        #expect(c.count == 200)
        #expect(Set(c.map(\.milliValue)).count > 10, "the inputs exercise the controller")
        #expect(try commands("thermostat-rs") == c)
    }

    @Test("a Rust module that panics traps the call; the host contains it and restarts the module")
    func panicIsATrap() throws {
        let output = RecordingOutput()
        let core = ApplicationCore(configuration: AppCoreConfiguration(), clock: SteppingClock(), output: output)
        try core.addModule(slot: "regulator", bytes: try TestModules.bytes("thermostat-rs-panics"))
        var driver = Driver(core)
        driver.quanta(20)
        #expect(core.status.modules.first?.traps == 0)
        driver.quanta(1)  // batch 21: `panic!` → the SDK's panic handler → `unreachable`
        #expect(core.status.modules.first?.traps == 1)
        #expect(output.eventKinds(slot: "regulator").contains(.trapped))
    }
}
