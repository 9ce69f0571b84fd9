import AppCore
import SoCWire
import Testing

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
