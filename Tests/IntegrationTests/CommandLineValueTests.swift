import Foundation
import SoCTesting
import Testing

/// Numeric flags of the three executables, run as real processes (issue 10, item 8): negative
/// values reach the core where they mean something, and a value out of range is a usage error
/// (exit 64) whose first line names the flag, the value and the range with its unit.
@Suite("Numeric command-line values")
struct CommandLineValueTests {
    /// A link endpoint no test binds: every refusal happens before the core opens a socket.
    static let unboundLink = "ipc:///tmp/ssoc-cli-values-never-bound"

    /// Runs `executable` with `arguments` to its end and returns its exit status and stderr.
    static func run(_ executable: String, _ arguments: [String]) throws -> (status: Int32, stderr: String, stdout: String) {
        try withProcessHarness { harness in
            let child = try harness.spawn(executable, arguments)
            let status = try child.waitForExit(timeout: .seconds(30))
            return (status, child.stderr, child.stdout)
        }
    }

    @Test(
        "An out-of-range value is refused with exit code 64 and one line naming flag, value and range",
        arguments: [
            ("splitsoc-rt", ["--link", unboundLink, "--ambient=2000000000"],
             "--ambient 2000000000 is out of range: ambient temperature must be -50000...100000 milli-°C (as in the board file's [plant] ambient_mC)"),
            ("splitsoc-rt", ["--link", unboundLink, "--ambient", "-50001"],
             "--ambient -50001 is out of range: ambient temperature must be -50000...100000 milli-°C (as in the board file's [plant] ambient_mC)"),
            ("splitsoc-rt", ["--link", unboundLink, "--setpoint=2000000"],
             "--setpoint 2000000 is out of range: setpoint on board thermo-adc must be 5000...80000 milli-°C (the board file's [limits] setpoint_min_mC...setpoint_max_mC)"),
            ("splitsoc-rt", ["--link", unboundLink, "--board", "thermo-i2c", "--setpoint", "75000"],
             "--setpoint 75000 is out of range: setpoint on board thermo-i2c must be 5000...70000 milli-°C (the board file's [limits] setpoint_min_mC...setpoint_max_mC)"),
            ("splitsoc-rt", ["--link", unboundLink, "--board", "motor-1k", "--setpoint", "-20000000"],
             "--setpoint -20000000 is out of range: speed setpoint on board motor-1k must be -10000000...10000000 milli-rad/s (as in the board file's [plant] speed_setpoint_mrad_s)"),
            ("splitsoc-rt", ["--link", unboundLink, "--quantum", "0"],
             "--quantum 0 is out of range: quantum of the virtual clock must be 1...10000 ticks"),
            ("splitsoc-rt", ["--link", unboundLink, "--duration", "inf"], "--duration inf is out of range: duration must be 0.001...31536000 s"),
            ("splitsoc-rt", ["--link", unboundLink, "--board", "thermo-i2c", "--duration", "0.004"],
             "--duration 0.004 is shorter than one tick of board thermo-i2c (100 ticks per second)"),
            ("splitsoc-rt", ["--link", unboundLink, "--cpu", "-1"], "--cpu -1 is out of range: CPU number must be 0...1023"),
            ("splitsoc-rt", ["--link", unboundLink, "--ack-timeout-ms", "0"],
             "--ack-timeout-ms 0 is out of range: TickAck timeout must be 1...3600000 ms"),
            ("splitsoc-app", ["--link", unboundLink, "--module", "a=x.wasm", "--fuel", "0"],
             "--fuel 0 is out of range: fuel per batch call must be 1...1000000000000 units"),
            ("splitsoc-app", ["--link", unboundLink, "--module", "a=x.wasm", "--deadline-ms", "99999999999999"],
             "--deadline-ms 99999999999999 is out of range: batch deadline must be 1...60000 ms"),
            ("splitsoc-app", ["--link", unboundLink, "--module", "a=x.wasm", "--probation-batches", "-1"],
             "--probation-batches -1 is out of range: probation must be 0...1000000 batches"),
            ("splitsoc-app", ["bench", "--samples", "-4"], "--samples -4 is out of range: batch size must be 2...65536 samples"),
            ("splitsoc", ["demo", "--setpoint", "-5"],
             "--setpoint -5 is out of range: setpoint on board thermo-adc must be 5...80 °C (the board file's [limits] setpoint_min_mC...setpoint_max_mC)"),
            ("splitsoc", ["demo", "--board", "thermo-i2c", "--setpoint", "75"],
             "--setpoint 75 is out of range: setpoint on board thermo-i2c must be 5...70 °C (the board file's [limits] setpoint_min_mC...setpoint_max_mC)"),
            ("splitsoc", ["ping", "--warmup", "-1"], "--warmup -1 is out of range: warm-up must be 0...100000000 round trips"),
            ("splitsoc", ["ping", "--rate", "-3"], "--rate -3 is out of range: rate must be 0.01...1000000 round trips per second"),
            ("splitsoc", ["monitor", "--status", unboundLink, "--duration", "-1"],
             "--duration -1 is out of range: duration must be 0.001...31536000 s"),
            ("splitsoc", ["app", "status", "--control", unboundLink, "--timeout-ms", "-1"],
             "--timeout-ms -1 is out of range: reply timeout must be 1...3600000 ms"),
            ("splitsoc", ["scenario", "replay", "x.trace", "--module", "a=b", "--quantum", "0"],
             "--quantum 0 is out of range: quantum of the virtual clock must be 1...10000 ticks"),
        ] as [(String, [String], String)])
    func outOfRangeValueIsAUsageError(executable: String, arguments: [String], message: String) throws {
        let result = try Self.run(executable, arguments)
        #expect(result.status == 64, "\(result.stderr)")
        #expect(result.stderr.split(separator: "\n").first.map(String.init) == "Error: \(message)")
    }

    @Test(
        "A value left out, or not a number the flag can hold, is still a clear usage error",
        arguments: [
            (["--link", unboundLink, "--ambient"], "Error: Missing value for '--ambient <milli-°C>'"),
            (["--link", unboundLink, "--ambient", "--ticks", "3"], "Error: The value '--ticks' is invalid for '--ambient <milli-°C>'"),
            (["--link", unboundLink, "--seed", "-1"], "Error: The value '-1' is invalid for '--seed <n>'"),
            (["--link", unboundLink, "--heartbeat-ms", "70000"], "Error: The value '70000' is invalid for '--heartbeat-ms <ms>'"),
        ] as [([String], String)])
    func missingValueIsAClearError(arguments: [String], firstLine: String) throws {
        let result = try Self.run("splitsoc-rt", arguments)
        #expect(result.status == 64, "\(result.stderr)")
        let lines = result.stderr.split(separator: "\n").map(String.init)
        #expect(lines.first == firstLine)
        // ArgumentParser follows with the flag's help line, which states the range.
        #expect(lines.dropFirst().first?.hasPrefix("Help:") == true, "\(result.stderr)")
    }

    @Test("Negative values reach the real-time core in both spellings", arguments: [["--ambient", "-5000"], ["--ambient=-5000"]])
    func negativeAmbientIsAccepted(ambient: [String]) throws {
        try withTemporaryIPCPath { endpoint in
            let result = try Self.run("splitsoc-rt", ["--link", endpoint, "--ticks", "3"] + ambient)
            #expect(result.status == 0, "\(result.stderr)")
            #expect(result.stdout.contains("run summary mode=real board=thermo-adc ticks=3"))
        }
    }

    @Test("A negative motor speed setpoint is the setpoint the motor board samples")
    func negativeMotorSetpointReachesTheTrace() throws {
        try withTemporaryIPCPath { endpoint in
            let trace = (try makeTemporaryDirectory()) + "/motor.trace"
            defer { try? FileManager.default.removeItem(atPath: (trace as NSString).deletingLastPathComponent) }
            let result = try Self.run(
                "splitsoc-rt", ["--link", endpoint, "--board", "motor-1k", "--setpoint", "-150000", "--ticks", "5", "--trace", trace])
            #expect(result.status == 0, "\(result.stderr)")
            let text = try String(contentsOfFile: trace, encoding: .utf8)
            // Channel 4 is the motor speed setpoint (docs/architecture.md).
            #expect(text.contains("sample ch=4 status=ok value=-150000"), "\(text.prefix(600))")
        }
    }

    @Test("A setpoint stimulus outside the board's limits is refused before the core starts")
    func stimulusSetpointFollowsTheBoard() throws {
        let directory = try makeTemporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let stimuli = directory + "/stimuli.txt"
        try "0 setpoint 30000\n500 setpoint 90000\n".write(toFile: stimuli, atomically: true, encoding: .utf8)
        let result = try Self.run("splitsoc-rt", ["--link", Self.unboundLink, "--stimuli", stimuli])
        #expect(result.status == 64, "\(result.stderr)")
        #expect(result.stderr.contains(
            "bad --stimuli: \(stimuli): tick 500: setpoint 90000 is out of range: setpoint on board thermo-adc must be 5000...80000 milli-°C"))
    }

    @Test("Values at the edges of their ranges pass validation (the process gets past the flags)")
    func edgeValuesPassValidation() throws {
        // The module file does not exist: exit 65 (load failure) proves the flags were accepted.
        let app = try Self.run(
            "splitsoc-app",
            ["--link", Self.unboundLink, "--module", "a=/nonexistent/x.wasm", "--fuel", "1", "--memory-pages", "65536",
             "--deadline-ms", "60000", "--probation-batches", "0"])
        #expect(app.status == 65, "\(app.stderr)")
        #expect(app.stderr.contains("module a (/nonexistent/x.wasm)"))
        // Nobody answers on the control endpoint: exit 1 after the 50 ms timeout, not 64.
        let status = try Self.run("splitsoc", ["app", "status", "--control", Self.unboundLink, "--timeout-ms", "50"])
        #expect(status.status == 1, "\(status.stderr)")
        #expect(!status.stderr.contains("out of range"))
    }
}
