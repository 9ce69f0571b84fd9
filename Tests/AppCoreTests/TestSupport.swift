import AppCore
import FirmwareBuild
import Foundation
import SoCWire
import WAT

/// The firmware-mock modules, built once per test process with `FirmwareBuilder` (cached by
/// content hash in `.build/wasm`, so only the first run compiles).
enum TestModules {
    static let packageRoot: String = FirmwareBuilder.packageRoot(containing: #filePath)!

    static let builder = FirmwareBuilder(packageRoot: packageRoot)

    /// stem → path; a build failure is reported by the first test that asks.
    static let built: Result<[String: String], FirmwareBuildError> = {
        do throws(FirmwareBuildError) {
            let modules = try builder.buildAll()
            return .success(Dictionary(uniqueKeysWithValues: modules.map { ($0.stem, $0.path) }))
        } catch {
            return .failure(error)
        }
    }()

    /// The bytes of the built module `stem` (`thermostat-1.1`).
    static func bytes(_ stem: String) throws -> [UInt8] {
        let paths = try built.get()
        guard let path = paths[stem] else { throw FirmwareBuildError(module: stem, message: "not built") }
        return Array(try Data(contentsOf: URL(fileURLWithPath: path)))
    }

    /// Assembles `wat` and appends `manifest` as the `splitsoc.manifest` section.
    static func wat(_ wat: String, manifest: String?) throws -> [UInt8] {
        let bytes = try wat2wasm(wat)
        guard let manifest else { return bytes }
        return WasmCustomSection.appending(name: "splitsoc.manifest", payload: Array(manifest.utf8), to: bytes)
    }
}

/// Records everything the core outputs.
final class RecordingOutput: ApplicationCoreOutput {
    struct Sent: Equatable {
        var message: Message
        var timestamp: UInt64
        var flags: FrameFlags
    }
    var sent: [Sent] = []
    var events: [AppEvent] = []
    var telemetry: [ModuleTelemetry] = []
    var logs: [ModuleLogLine] = []

    func send(_ message: Message, timestamp: UInt64, flags: FrameFlags) {
        sent.append(Sent(message: message, timestamp: timestamp, flags: flags))
    }
    func report(_ event: AppEvent) { events.append(event) }
    func publish(_ telemetry: ModuleTelemetry) { self.telemetry.append(telemetry) }
    func log(_ line: ModuleLogLine) { logs.append(line) }

    var commands: [Command] {
        sent.compactMap { if case .command(let command) = $0.message { return command } else { return nil } }
    }
    var acks: [UInt64] {
        sent.compactMap { if case .tickAck(let tick) = $0.message { return tick } else { return nil } }
    }
    func eventKinds(slot: String? = nil) -> [ModuleEventKind] {
        events.filter { slot == nil || $0.slot == slot }.map(\.kind)
    }
    func clear() {
        sent.removeAll()
        events.removeAll()
        telemetry.removeAll()
        logs.removeAll()
    }
}

/// A wall clock that advances by `step` nanoseconds every time it is read, so a call always
/// "takes" `step` ns: deadlines become deterministic.
final class SteppingClock: MonotonicClock {
    var now: UInt64 = 0
    var step: UInt64
    init(step: UInt64 = 1_000) { self.step = step }
    func nanoseconds() -> UInt64 {
        now += step
        return now
    }
}

/// Drives a core like the real-time core does: samples for each tick, then a grant.
struct Driver {
    let core: ApplicationCore
    var tick: UInt64 = 0
    let periodNanoseconds: UInt64 = 1_000_000
    let quantum: UInt64 = 10
    var flags: FrameFlags = [.virtualTime]

    init(_ core: ApplicationCore) { self.core = core }

    /// Sends `quantum` ticks of samples (temperature from `temperature(tick)`, setpoint) and a grant.
    mutating func quantum(temperature: (UInt64) -> Int32, setpoint: Int32 = 22_000) {
        for _ in 0..<quantum {
            let timestamp = tick * periodNanoseconds
            core.receive(Frame(sequence: 0, timestamp: timestamp, flags: flags,
                               message: .sample(Sample(channel: 0, status: .ok, milliValue: temperature(tick)))))
            core.receive(Frame(sequence: 0, timestamp: timestamp, flags: flags,
                               message: .sample(Sample(channel: 1, status: .ok, milliValue: setpoint))))
            tick += 1
        }
        core.receive(Frame(sequence: 0, timestamp: tick * periodNanoseconds, flags: flags,
                           message: .tickGrant(throughTick: tick)))
    }

    /// Adds `count` samples of `channel` (one no module reads) to the pending batch, so that host
    /// functions that copy or scan the batch have a full one to work on.
    func filler(_ count: Int, channel: UInt8 = 7) {
        for index in 0..<count {
            core.receive(Frame(sequence: 0, timestamp: tick * periodNanoseconds, flags: flags,
                               message: .sample(Sample(channel: channel, status: .ok, milliValue: Int32(index)))))
        }
    }

    mutating func quanta(_ count: Int, temperature: Int32 = 20_000, setpoint: Int32 = 22_000) {
        for _ in 0..<count { quantum(temperature: { _ in temperature }, setpoint: setpoint) }
    }
}

/// A minimal well-behaved WAT module that reads nothing and returns 0.
let idleWAT = """
    (module (memory (export "memory") 1)
      (func (export "ssoc_init") (result i32) (i32.const 0))
      (func (export "ssoc_on_batch") (param i32) (result i32) (i32.const 0)))
    """
