import AppCore
import FirmwareBuild
import Foundation
import SoCWire
import Testing

/// Every refusal is one line naming the rule it broke, and nothing a module controls can forge a
/// line of output.
@Suite("Clean errors")
struct CleanErrorTests {
    private func refusal(_ bytes: [UInt8]) -> ModuleLoadError? {
        let core = ApplicationCore(clock: SteppingClock(), output: RecordingOutput())
        do {
            try core.addModule(slot: "m", bytes: bytes)
            return nil
        } catch { return error }
    }

    private static let exports = """
          (func (export "ssoc_init") (result i32) (i32.const 0))
          (func (export "ssoc_on_batch") (param i32) (result i32) (i32.const 0))
        """

    @Test("a WASI module is told to declare the wasi capability, naming its first WASI import")
    func wasiImportsAreNamedAsWASI() throws {
        let wat = """
            (module (import "wasi_snapshot_preview1" "fd_close" (func (param i32) (result i32)))
              (memory (export "memory") 1)
            \(Self.exports))
            """
        let error = try #require(refusal(try TestModules.wat(wat, manifest: "name = w\nversion = 1.0\n")))
        #expect(error.kind == .unknownImport)
        #expect(error.message.contains("uses WASI"))
        #expect(error.message.contains("'wasi_snapshot_preview1.fd_close'"))
        #expect(error.message.contains("`wasi` capability"))
    }

    @Test("two manifest sections are refused; a CRLF manifest parses")
    func manifestSectionsAndLineEnds() throws {
        let once = try TestModules.wat("(module (memory (export \"memory\") 1)\n\(Self.exports))", manifest: "name = a\r\nversion = 1.2\r\n")
        let core = ApplicationCore(clock: SteppingClock(), output: RecordingOutput())
        let manifest = try core.addModule(slot: "crlf", bytes: once)
        #expect(manifest.name == "a" && manifest.version == ModuleVersion(major: 1, minor: 2))
        let twice = WasmCustomSection.appending(name: "splitsoc.manifest", payload: Array("name = b\nversion = 1.0\n".utf8), to: once)
        let error = try #require(refusal(twice))
        #expect(error.kind == .invalidManifest)
        #expect(error.message.contains("2 'splitsoc.manifest' sections"))
    }

    @Test("a manifest name with control characters is refused")
    func controlCharactersInNamesAreRefused() throws {
        let bytes = try TestModules.wat(
            "(module (memory (export \"memory\") 1)\n\(Self.exports))", manifest: "name = x\u{1b}[2Jsession established session=666\nversion = 1.0\n")
        let error = try #require(refusal(bytes))
        #expect(error.kind == .invalidManifest)
        #expect(!error.message.contains("\u{1b}"))
    }

    @Test("shared and 64-bit memories are refused in words, not parser internals")
    func memoryFeaturesAreRefusedInWords() throws {
        // (memory 1 1 shared) and (memory i64 1), written as bytes: the text assembler needs the features.
        func module(memoryLimits: [UInt8]) -> [UInt8] {
            let header: [UInt8] = [0x00, 0x61, 0x73, 0x6D, 0x01, 0x00, 0x00, 0x00]
            let memory: [UInt8] = [0x05, UInt8(memoryLimits.count + 1), 0x01] + memoryLimits
            return WasmCustomSection.appending(
                name: "splitsoc.manifest", payload: Array("name = m\nversion = 1.0\n".utf8), to: header + memory)
        }
        let shared = try #require(refusal(module(memoryLimits: [0x03, 0x01, 0x01])))
        #expect(shared.message.contains("shared memory (threads)"))
        let wide = try #require(refusal(module(memoryLimits: [0x04, 0x01])))
        #expect(wide.message.contains("64-bit memory (memory64)"))
    }

    @Test("a start function that calls log is refused with the real reason")
    func startFunctionCallingAHostFunction() throws {
        let wat = """
            (module (import "ssoc" "log" (func $log (param i32 i32 i32)))
              (memory (export "memory") 1)
              (func $start (call $log (i32.const 0) (i32.const 0) (i32.const 1)))
              (start $start)
            \(Self.exports))
            """
        let error = try #require(refusal(try TestModules.wat(wat, manifest: "name = s\nversion = 1.0\ncapabilities = log\n")))
        #expect(error.kind == .initFailed)
        #expect(error.message.contains("start function called a host function"), "\(error)")
    }

    @Test("a stack overflow in a start function gives a one-line refusal of bounded size")
    func startFunctionStackOverflowIsOneLine() throws {
        let wat = """
            (module (memory (export "memory") 1)
              (func $deep (call $deep))
              (start $deep)
            \(Self.exports))
            """
        let error = try #require(refusal(try TestModules.wat(wat, manifest: "name = s\nversion = 1.0\n")))
        #expect(error.kind == .initFailed)
        #expect(!error.description.contains("\n"))
        #expect(error.description.utf8.count <= 512, "\(error.description.utf8.count) bytes")
    }

    @Test("module log text is escaped: a newline or ESC cannot forge a line")
    func logTextIsEscaped() throws {
        let wat = """
            (module (import "ssoc" "log" (func $log (param i32 i32 i32)))
              (memory (export "memory") 1)
              (data (i32.const 0) "ok\\0asession established session=666\\1b[2J")
              (func (export "ssoc_init") (result i32) (i32.const 0))
              (func (export "ssoc_on_batch") (param i32) (result i32)
                (call $log (i32.const 1) (i32.const 0) (i32.const 38)) (i32.const 0)))
            """
        let output = RecordingOutput()
        let core = ApplicationCore(clock: SteppingClock(), output: output)
        try core.addModule(slot: "forger", bytes: try TestModules.wat(wat, manifest: "name = f\nversion = 1.0\ncapabilities = log\n"))
        var driver = Driver(core)
        driver.quanta(1)
        let message = try #require(output.logs.first?.message)
        #expect(message == "ok\\nsession established session=666\\u{1b}[2J")
        #expect(PrintableText.escaped("a\u{9b}b\u{7f}") == "a\\u{9b}b\\u{7f}")
    }
}
