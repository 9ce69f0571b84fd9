import Foundation
import SoCCommands
import SoCTesting
import SoCWire
import Testing
import ZeroMQ

// MARK: - Scenario files (pure)

@Suite("Scenario file format")
struct ScenarioFileTests {
    static let example = """
        # A comment
        name = "normal control"
        board = "thermo-adc"
        clock = "virtual"
        seed = 7
        duration_ms = 20_000
        setpoint_mC = 22000

        [[module]]
        slot = "filter"
        source = "calibrate-filter"

        [[module]]
        slot = "regulator"
        source = "thermostat"

        [[stimulus]]
        at_ms = 5000
        sensor = "stuck"
        until_ms = 6000

        [[stimulus]]
        at_ms = 2000
        setpoint_mC = 25000

        [[action]]
        at_ms = 3000
        do = "kill-app"
        restart_after_ms = 500

        [bridge]
        seed = 3
        [bridge.app_to_rt]
        drop_permille = 50
        types = ["command", "tick-ack"]

        [[expect]]
        signal = "temp_mC"
        min = 21000
        max = 23000
        from_ms = 15000

        [[expect]]
        signal = "state"
        equals = "failsafe"
        when = "eventually"
        from_ms = 3000
        within_ms = 500

        [[expect]]
        counter = "rt.deadline_misses"
        equals = 0
        """

    @Test("a complete scenario file parses into the model, stimuli sorted and faults cleared at until_ms")
    func completeFileParses() throws {
        let scenario = try Scenario.parse(Self.example, file: "example.toml")
        #expect(scenario.name == "normal control")
        #expect(scenario.clock == .virtual)
        #expect(scenario.seed == 7)
        #expect(scenario.durationMilliseconds == 20_000)
        #expect(scenario.setpointMilliCelsius == 22_000)
        #expect(scenario.modules == [ScenarioModule(slot: "filter", source: "calibrate-filter"),
                                     ScenarioModule(slot: "regulator", source: "thermostat")])
        #expect(scenario.stimuli == [
            ScenarioStimulus(atMilliseconds: 2000, .setpoint(milliCelsius: 25_000)),
            ScenarioStimulus(atMilliseconds: 5000, .sensor(.stuck)),
            ScenarioStimulus(atMilliseconds: 6000, .sensor(.ok)),
        ])
        #expect(scenario.actions == [ScenarioAction(atMilliseconds: 3000, .killApp(restartAfterMilliseconds: 500))])
        #expect(scenario.bridge?.seed == 3)
        #expect(scenario.bridge?.appToRT.dropPermille == 50)
        #expect(scenario.bridge?.appToRT.messageTypes == [.command, .tickAck])
        #expect(scenario.bridge?.rtToApp.isActive == false)
        #expect(scenario.expectations.count == 3)
        #expect(scenario.expectations[0].kind
            == .always(signal: .temperature, condition: .between(min: 21_000, max: 23_000), window: TimeWindow(from: 15_000)))
        #expect(scenario.expectations[1].kind
            == .eventually(signal: .state, condition: .equals("failsafe"), window: TimeWindow(from: 3000, to: 3500)))
        #expect(scenario.expectations[2].kind == .counter(name: "rt.deadline_misses", bounds: .equals(0)))
        #expect(scenario.expectations[0].line == 37)
    }

    @Test("errors name the file, the line and what is wrong", arguments: [
        ("name = \"x\"\nduration_ms = 10\n[[module]]\nslot = \"a\"\nsourse = \"b\"\n", 5, "unknown key sourse in [[module]] (line 3) (did you mean source?)"),
        ("name = \"x\"\nduration_ms = \"10\"\n", 2, "duration_ms must be an integer, found a string at the top level"),
        ("name = \"x\"\nduration_ms = 10\nclock = \"fast\"\n", 3, "clock must be \"real\" or \"virtual\", found \"fast\""),
        ("name = \"x\"\nduration_ms = 10\n[[module]]\nslot = \"a\"\nsource = \"b\"\n[[expect]]\nsignal = \"temp\"\nmin = 1\n", 7, "unknown signal \"temp\""),
        ("name = \"x\"\nduration_ms = 10\n[[module]]\nslot = \"a\"\nsource = \"b\"\n[[stimulus]]\nat_ms = 20\nsensor = \"stuck\"\n", 7, "at_ms = 20 is out of range 0…10"),
        ("name = \"x\"\nname = \"y\"\n", 2, "key 'name' is defined twice at the top level (first at line 1)"),
        ("name = \"x\nduration_ms = 1\n", 1, "unterminated string"),
        ("name = \"x\"\nduration_ms = 10\n[[module]]\nslot = \"a\"\nsource = \"b\"\n[[action]]\nat_ms = 1\ndo = \"explode\"\n", 8, "unknown action \"explode\""),
    ])
    func errorsNameTheLine(text: String, line: Int, message: String) {
        do {
            _ = try Scenario.parse(text, file: "bad.toml")
            Issue.record("expected an error containing \(message)")
        } catch {
            #expect(error.file == "bad.toml")
            #expect(error.line == line, "\(error)")
            #expect(error.message.contains(message), "\(error)")
            #expect(error.description.hasPrefix("bad.toml:\(line): "))
        }
    }

    @Test("a scenario without modules is refused with a message saying what to add")
    func modulesAreRequired() {
        #expect(throws: ScenarioFileError.self) { try Scenario.parse("name = \"x\"\nduration_ms = 10\n") }
        do {
            _ = try Scenario.parse("name = \"x\"\nduration_ms = 10\n")
        } catch {
            #expect(error.message.contains("[[module]]"))
        }
    }

    @Test("every shipped scenario file parses")
    func shippedScenariosParse() throws {
        let directory = try #require(ScenarioFixtures.scenarioDirectory)
        let files = try FileManager.default.contentsOfDirectory(atPath: directory).filter { $0.hasSuffix(".toml") }
        #expect(files.count >= 8)
        for file in files {
            let scenario = try Scenario.load(path: "\(directory)/\(file)")
            #expect(!scenario.expectations.isEmpty, "\(file) checks nothing")
        }
    }
}

// MARK: - Expectations on synthetic traces (pure)

@Suite("Expectation evaluator")
struct ExpectationEvaluatorTests {
    /// 100 Hz: tick 100 = 1000 ms. Temperature climbs 20 → 22 °C by tick 150, failsafe at tick 300.
    static let trace = """
        # splitsoc-rt trace v1
        # board=thermo-i2c clock=virtual seed=1 tick_hz=100 quantum=10
        0 session n=1
        0 sample ch=0 status=ok value=20000
        50 sample ch=0 status=ok value=21000
        100 sample ch=0 status=ok value=21900
        150 sample ch=0 status=ok value=22000
        200 sample ch=0 status=ok value=22100
        250 sample ch=0 status=fault value=22100
        300 state from=normal to=failsafe reason=sensor
        300 sample ch=0 status=ok value=23500
        310 actuator target=1 value=0
        320 miss task=control late_ns=1000
        """

    var observations: ScenarioObservations { ScenarioObservations.fromTrace(Self.trace) }

    @Test("the trace reader builds signals and counters")
    func traceReader() {
        let o = observations
        #expect(o.tickHz == 100)
        #expect(o.endTick == 320)
        #expect(o.series[.temperature]?.count == 6)
        #expect(o.series[.state] == [SignalPoint(tick: 0, value: .name("normal")), SignalPoint(tick: 300, value: .name("failsafe"))])
        #expect(o.series[.sensor]?.map(\.value) == [.name("ok"), .name("fault"), .name("ok")])
        #expect(o.counters["trace.sample"] == 7)
        #expect(o.counters["trace.failsafe_entries"] == 1)
        #expect(o.counters["trace.deadline_misses"] == 1)
        #expect(o.counters["trace.sensor_fault"] == 1)
    }

    @Test("a band that holds passes; one that breaks reports the first time and value")
    func alwaysWithinBand() throws {
        let holds = Expectation.always(.temperature, .between(min: 21_500, max: 22_500), from: 1000, to: 2000)
        #expect(ExpectationEvaluator.evaluate(holds, against: observations) == nil)
        let breaks = Expectation.always(.temperature, .between(min: 21_500, max: 22_500), from: 1000)
        let failure = try #require(ExpectationEvaluator.evaluate(breaks, against: observations))
        #expect(failure.atMilliseconds == 3000)
        #expect(failure.actual == "23500")
        #expect(failure.message.contains("at 3000 ms temp_mC was 23500"))
        #expect(failure.message.contains("1 of 4 observations"))
    }

    @Test("a state reached within the window passes; too short a window fails naming what was seen")
    func eventuallyReachesState() throws {
        let reached = Expectation.reaches(.state, .equals("failsafe"), after: 2500, within: 600)
        #expect(ExpectationEvaluator.evaluate(reached, against: observations) == nil)
        let tooSoon = Expectation.reaches(.state, .equals("failsafe"), after: 2500, within: 400)
        let failure = try #require(ExpectationEvaluator.evaluate(tooSoon, against: observations))
        #expect(failure.message.contains("never happened between 2500 ms and 2900 ms"))
        #expect(failure.message.contains("state was normal"))
    }

    @Test("a step signal's value in force at the window start counts")
    func stepSignalHoldsIntoWindow() {
        let normal = Expectation.always(.state, .equals("normal"), from: 500, to: 2900)
        #expect(ExpectationEvaluator.evaluate(normal, against: observations) == nil)
        let stillNormal = Expectation.always(.state, .equals("normal"), from: 500)
        let failure = ExpectationEvaluator.evaluate(stillNormal, against: observations)
        #expect(failure?.atMilliseconds == 3000)
        #expect(failure?.message.contains("stayed so to the end") == true)
    }

    @Test("counters compare exactly; a missing counter lists the ones that exist")
    func counters() throws {
        #expect(ExpectationEvaluator.evaluate(.counter("trace.failsafe_entries", .equals(1)), against: observations) == nil)
        let misses = try #require(ExpectationEvaluator.evaluate(.counter("trace.deadline_misses", .equals(0)), against: observations))
        #expect(misses.message == "trace.deadline_misses was 1 at the end of the run")
        // Event counters that never occurred are 0; a summary counter that is absent is an error.
        #expect(ExpectationEvaluator.evaluate(.counter("trace.nothing", .equals(0)), against: observations) == nil)
        var o = observations
        o.counters["rt.deadline_misses"] = 0
        let missing = try #require(ExpectationEvaluator.evaluate(.counter("rt.deadline_mises", .equals(0)), against: o))
        #expect(missing.message.contains("no counter rt.deadline_mises"))
        #expect(missing.message.contains("rt.deadline_misses"))
    }

    @Test("a window with no observations is a failure that says how long the run was")
    func emptyWindow() throws {
        let failure = try #require(
            ExpectationEvaluator.evaluate(.always(.duty, .between(min: 0, max: 1000)), against: observations))
        #expect(failure.message.contains("no duty_permille observation"))
        #expect(failure.message.contains("ended at 3200 ms"))
    }

    @Test("JSON summaries become counters, nested objects dotted")
    func jsonCounters() {
        var o = ScenarioObservations()
        o.addCounters(fromJSON: ["deadline_misses": 0, "lateness_us": ["p99": 40], "board": "x"], prefix: "rt")
        #expect(o.counters == ["rt.deadline_misses": 0, "rt.lateness_us.p99": 40])
    }
}

// MARK: - JUnit

@Suite("JUnit writer")
struct JUnitWriterTests {
    @Test("passes, failures and run errors become test cases with escaped messages")
    func writesJUnit() {
        var passed = ScenarioResult(scenario: Scenario(name: "ok"))
        passed.wallSeconds = 1.5
        var failed = ScenarioResult(scenario: Scenario(name: "bad <one>"))
        failed.failures = [
            ExpectationFailure(expectation: .counter("rt.x", .equals(0)), message: "rt.x was 2 & more", actual: "2")
        ]
        failed.keptTracePath = "/tmp/t.trace"
        var broken = ScenarioResult(scenario: Scenario(name: "broken"))
        broken.runError = "splitsoc-rt did not start\nstderr: \"boom\""
        let xml = JUnitWriter.xml(for: [passed, failed, broken])
        #expect(xml.contains("<testsuite name=\"splitsoc-scenarios\" tests=\"3\" failures=\"1\" errors=\"1\""))
        #expect(xml.contains("<testcase classname=\"scenarios\" name=\"ok\" time=\"1.500\">"))
        #expect(xml.contains("name=\"bad &lt;one&gt;\""))
        #expect(xml.contains("<failure message=\"expected rt.x = 0: rt.x was 2 &amp; more\" type=\"expectation\">"))
        #expect(xml.contains("<error message=\"splitsoc-rt did not start\" type=\"run\">"))
        #expect(xml.contains("trace kept at /tmp/t.trace"))
        #expect(xml.components(separatedBy: "<testcase ").count == 4)
    }
}

// MARK: - Fault injection (pure, then over real sockets)

@Suite("Fault injector")
struct FaultInjectorTests {
    static func frame(_ value: Int32, tick: UInt64 = 5, sequence: UInt32 = 1) -> [UInt8] {
        let frame = Frame(
            sequence: sequence, timestamp: tick * 1_000_000, flags: .virtualTime,
            message: .sample(Sample(channel: 0, status: .ok, milliValue: value)))
        var bytes = [UInt8](repeating: 0, count: frame.encodedSize)
        _ = bytes.withUnsafeMutableBytes { try! FrameCodec.encode(frame, into: $0) }
        return bytes
    }

    static func decode(_ bytes: [UInt8]) -> Result<Frame, DecodeError> {
        bytes.withUnsafeBytes { raw in Result { () throws(DecodeError) in try FrameCodec.decode(raw) } }
    }

    @Test("no faults: every frame passes unchanged and is counted")
    func passThrough() {
        var injector = FaultInjector(profile: FaultProfile(), seed: 1, direction: 1)
        for i in 0..<100 { #expect(injector.process(Self.frame(Int32(i)), now: 0) == [Self.frame(Int32(i))]) }
        #expect(injector.counters.received == 100)
        #expect(injector.counters.forwarded == 100)
    }

    @Test("corruption flips one bit that the receiver's CRC check catches")
    func corruptionIsCaughtByTheCRC() {
        var injector = FaultInjector(profile: FaultProfile(corruptPermille: 1000), seed: 9, direction: 1)
        for i in 0..<200 {
            let original = Self.frame(Int32(i))
            let out = injector.process(original, now: 0)
            #expect(out.count == 1)
            let differing = zip(out[0], original).map { ($0 ^ $1).nonzeroBitCount }.reduce(0, +)
            #expect(differing == 1)
            guard case .failure(let error) = Self.decode(out[0]) else {
                Issue.record("a corrupted frame decoded")
                continue
            }
            #expect(error.kind == .checksumMismatch)
        }
        #expect(injector.counters.corrupted == 200)
    }

    @Test("drop rate follows the seed and the same seed drops the same frames whatever their sequence")
    func dropsAreSeededByContent() {
        var a = FaultInjector(profile: FaultProfile(dropPermille: 300), seed: 42, direction: 1)
        var b = FaultInjector(profile: FaultProfile(dropPermille: 300), seed: 42, direction: 1)
        var c = FaultInjector(profile: FaultProfile(dropPermille: 300), seed: 43, direction: 1)
        var keptA: [Int32] = [], keptB: [Int32] = [], keptC: [Int32] = []
        for i in 0..<1000 {
            if !a.process(Self.frame(Int32(i), sequence: UInt32(i)), now: 0).isEmpty { keptA.append(Int32(i)) }
            if !b.process(Self.frame(Int32(i), sequence: UInt32(i * 7 + 3)), now: 0).isEmpty { keptB.append(Int32(i)) }
            if !c.process(Self.frame(Int32(i), sequence: UInt32(i)), now: 0).isEmpty { keptC.append(Int32(i)) }
        }
        #expect(keptA == keptB)
        #expect(keptA != keptC)
        #expect((620...780).contains(keptA.count), "kept \(keptA.count) of 1000 at 30 % drop")
        #expect(a.counters.dropped == 1000 - keptA.count)
    }

    @Test("duplicates carry the replayed flag and a valid CRC")
    func duplicatesAreMarked() throws {
        var injector = FaultInjector(profile: FaultProfile(duplicatePermille: 1000), seed: 1, direction: 2)
        let out = injector.process(Self.frame(7), now: 0)
        #expect(out.count == 2)
        #expect(out[0] == Self.frame(7))
        let copy = try Self.decode(out[1]).get()
        #expect(copy.flags.contains(.replayed))
        #expect(copy.message == .sample(Sample(channel: 0, status: .ok, milliValue: 7)))
        #expect(injector.counters.duplicated == 1)
        #expect(injector.counters.forwarded == 2)
    }

    @Test("a delayed frame is released when its time comes, not before")
    func delayHoldsUntilDue() {
        var injector = FaultInjector(
            profile: FaultProfile(delayPermille: 1000, delayMilliseconds: 30, messageTypes: [.sample]), seed: 1, direction: 1)
        #expect(injector.process(Self.frame(1), now: 1_000_000).isEmpty)
        #expect(injector.nextDeadline == 31_000_000)
        #expect(injector.releaseDue(now: 30_999_999).isEmpty)
        #expect(injector.releaseDue(now: 31_000_000) == [Self.frame(1)])
        #expect(injector.counters.delayed == 1)
        #expect(injector.counters.forwarded == 1)
    }

    @Test("a reordered frame goes out after the next one")
    func reorderSwapsNeighbours() {
        var injector = FaultInjector(profile: FaultProfile(reorderPermille: 1000), seed: 1, direction: 1)
        #expect(injector.process(Self.frame(1), now: 0).isEmpty)
        // The next frame is also chosen for reordering, but only one frame is held at a time.
        #expect(injector.process(Self.frame(2), now: 1) == [Self.frame(2), Self.frame(1)])
        #expect(injector.counters.reordered == 1)
    }

    @Test("message types outside the profile and frames outside the time window pass untouched")
    func filters() {
        var injector = FaultInjector(
            profile: FaultProfile(dropPermille: 1000, messageTypes: [.command], fromMilliseconds: 10), seed: 1, direction: 1)
        #expect(injector.process(Self.frame(1, tick: 50), now: 0) == [Self.frame(1, tick: 50)])
        #expect(injector.counters.dropped == 0)
    }

    @Test("the relay's command-line spec round-trips and rejects nonsense")
    func specRoundTrip() throws {
        let profile = FaultProfile(
            dropPermille: 5, corruptPermille: 2, duplicatePermille: 3, delayPermille: 4, delayMilliseconds: 9,
            reorderPermille: 6, messageTypes: [.sample, .command], fromMilliseconds: 100, untilMilliseconds: 900)
        #expect(try FaultProfile(spec: profile.spec) == profile)
        #expect(throws: FaultProfileError.self) { try FaultProfile(spec: "drop=2000") }
        #expect(throws: FaultProfileError.self) { try FaultProfile(spec: "types=banana") }
        #expect(throws: FaultProfileError.self) { try FaultProfile(spec: "jitter=3") }
    }
}

@Suite("Fault relay over ZeroMQ")
struct FaultRelayTests {
    @Test("the relay forwards both ways between two DEALER peers, corrupting and dropping as told, and counts")
    func relayBetweenTwoPeers() throws {
        try withTemporaryIPCPath(name: "rt") { rtEndpoint in
            try withTemporaryIPCPath(name: "relay") { relayEndpoint in
                let context = try ZMQContext()
                // The "real-time core": binds. The "application core": connects to the relay.
                let rt = try ZMQSocket(context: context, type: .dealer)
                try rt.bind(rtEndpoint)
                let faults = BridgeFaults(
                    seed: 5, appToRT: FaultProfile(corruptPermille: 1000), rtToApp: FaultProfile(dropPermille: 1000, messageTypes: [.command]))
                let relay = FaultRelay(listen: relayEndpoint, connect: rtEndpoint, faults: faults)
                let ready = DispatchSemaphore(value: 0)
                let finished = DispatchSemaphore(value: 0)
                Thread.detachNewThread {
                    do { try relay.run(ready: { ready.signal() }) } catch { Issue.record("relay failed: \(error)") }
                    finished.signal()
                }
                ready.wait()
                let app = try ZMQSocket(context: context, type: .dealer)
                try app.setOption(.receiveTimeout, to: 5000)
                try rt.setOption(.receiveTimeout, to: 5000)
                try app.connect(relayEndpoint)

                let buffer = UnsafeMutableRawBufferPointer.allocate(byteCount: 256, alignment: 8)
                defer { buffer.deallocate() }
                // app → rt: every frame corrupted, the CRC catches it.
                let sample = FaultInjectorTests.frame(1234)
                for _ in 0..<3 {
                    try Self.send(sample, on: app)
                    guard case .received(let count) = try rt.receive(into: buffer) else {
                        Issue.record("nothing arrived at the rt side")
                        return
                    }
                    let bytes = Array(UnsafeRawBufferPointer(rebasing: buffer[0..<count]))
                    #expect(bytes != sample)
                    guard case .failure(let error) = FaultInjectorTests.decode(bytes) else {
                        Issue.record("a corrupted frame decoded")
                        return
                    }
                    #expect(error.kind == .checksumMismatch)
                }
                // rt → app: commands dropped, samples pass.
                let command = Frame(sequence: 1, timestamp: 0, message: .command(Command(target: 1, milliValue: 5, validTicks: 0)))
                var commandBytes = [UInt8](repeating: 0, count: command.encodedSize)
                _ = commandBytes.withUnsafeMutableBytes { try! FrameCodec.encode(command, into: $0) }
                try Self.send(commandBytes, on: rt)
                try Self.send(sample, on: rt)
                guard case .received(let count) = try app.receive(into: buffer) else {
                    Issue.record("nothing arrived at the app side")
                    return
                }
                #expect(Array(UnsafeRawBufferPointer(rebasing: buffer[0..<count])) == sample)

                relay.stop()
                finished.wait()
                let (appToRT, rtToApp) = relay.counters
                #expect(appToRT.received == 3)
                #expect(appToRT.corrupted == 3)
                #expect(appToRT.forwarded == 3)
                #expect(rtToApp.received == 2)
                #expect(rtToApp.dropped == 1)
                #expect(rtToApp.forwarded == 1)
                #expect(relay.summaryJSON.contains("\"corrupted\":3"))
            }
        }
    }
}

extension FaultRelayTests {
    /// Sends `bytes` without a closure around the socket (a `~Copyable` socket captured by a
    /// closure counts as consumed).
    static func send(_ bytes: [UInt8], on socket: borrowing ZMQSocket) throws {
        let buffer = UnsafeMutableRawBufferPointer.allocate(byteCount: bytes.count, alignment: 8)
        defer { buffer.deallocate() }
        buffer.copyBytes(from: bytes)
        _ = try socket.send(UnsafeRawBufferPointer(buffer))
    }
}

// MARK: - Fixtures

enum ScenarioFixtures {
    /// firmware-mock/scenarios of this checkout.
    static var scenarioDirectory: String? {
        var url = URL(fileURLWithPath: #filePath)
        while url.path != "/" {
            url.deleteLastPathComponent()
            let candidate = url.appendingPathComponent("firmware-mock/scenarios").path
            if FileManager.default.fileExists(atPath: candidate) { return candidate }
        }
        return nil
    }

    static var packageRoot: String? {
        scenarioDirectory.map { URL(fileURLWithPath: $0).deletingLastPathComponent().deletingLastPathComponent().path }
    }
}

// MARK: - Both cores as real processes

/// Runs the shipped scenarios and the determinism, broken-module and replay checks with both cores
/// as real processes. Serialized: each scenario already runs three processes on a 2-core machine.
@Suite("Scenarios with both cores", .serialized, .timeLimit(.minutes(3)))
struct ScenarioProcessTests {
    static func runner(keep: Bool = false) throws -> ScenarioRunner {
        let root: String = try #require(ScenarioFixtures.packageRoot)
        var configuration = ScenarioRunner.Configuration(
            packageRoot: root,
            outputDirectory: URL(fileURLWithPath: try makeTemporaryDirectory(prefix: "ssoc-scen")))
        configuration.keepPassingRuns = keep
        return ScenarioRunner(configuration: configuration)
    }

    static var shippedFiles: [String] {
        guard let directory = ScenarioFixtures.scenarioDirectory,
            let files = try? FileManager.default.contentsOfDirectory(atPath: directory)
        else { return [] }
        return files.filter { $0.hasSuffix(".toml") }.sorted()
    }

    @Test("every shipped scenario passes", arguments: shippedFiles)
    func shippedScenarioPasses(file: String) throws {
        let directory = try #require(ScenarioFixtures.scenarioDirectory)
        let scenario = try Scenario.load(path: "\(directory)/\(file)")
        let result = try Self.runner().run(scenario)
        #expect(result.runError == nil, "\(result.report)")
        #expect(result.failures.isEmpty, "\(result.report)")
        #expect(result.traceDigest?.count == 64)
    }

    /// A short virtual-clock scenario built in Swift (the API of docs/scenarios.md).
    static func shortVirtualScenario() -> Scenario {
        var scenario = Scenario(name: "determinism probe")
        scenario.board = "thermo-i2c"
        scenario.clock = .virtual
        scenario.seed = 77
        scenario.durationMilliseconds = 8_000
        scenario.setpointMilliCelsius = 25_000
        scenario.modules = [
            ScenarioModule(slot: "filter", source: "calibrate-filter"),
            ScenarioModule(slot: "regulator", source: "thermostat"),
        ]
        scenario.stimuli = [
            ScenarioStimulus(atMilliseconds: 4_000, .setpoint(milliCelsius: 27_000)),
            ScenarioStimulus(atMilliseconds: 5_000, .ambient(milliCelsius: 15_000)),
        ]
        scenario.expectations = [.reaches(.setpoint, .equals("27000"), after: 4_000, within: 200)]
        return scenario
    }

    @Test("the same virtual-clock scenario gives the same trace digest twice, also with a CPU hog beside it")
    func virtualClockIsDeterministic() throws {
        let runner = try Self.runner()
        let first = runner.run(Self.shortVirtualScenario())
        #expect(first.passed, "\(first.report)")
        let second = runner.run(Self.shortVirtualScenario())
        #expect(second.passed, "\(second.report)")
        // The hog: a `yes > /dev/null` child, stopped by SIGTERM/SIGKILL after the run.
        let hog = ChildProcess(
            name: "cpu-hog", executable: URL(fileURLWithPath: "/bin/sh"), arguments: ["-c", "exec yes > /dev/null"],
            logDirectory: URL(fileURLWithPath: try makeTemporaryDirectory(prefix: "ssoc-hog")))
        try hog.start()
        defer { hog.terminate(grace: .seconds(1)) }
        let loaded = runner.run(Self.shortVirtualScenario())
        #expect(loaded.passed, "\(loaded.report)")
        let digest = try #require(first.traceDigest)
        #expect(second.traceDigest == digest)
        #expect(loaded.traceDigest == digest)
        #expect(hog.isRunning, "the CPU hog ran for the whole third run")
    }

    @Test("the Rust thermostat's scenario is deterministic and drives the plant exactly as the C one does")
    func rustScenarioMatchesC() throws {
        let directory = try #require(ScenarioFixtures.scenarioDirectory)
        let runner = try Self.runner()
        let rust = try Scenario.load(path: "\(directory)/normal-adc-rust.toml")
        let first = runner.run(rust)
        let second = runner.run(rust)
        #expect(first.passed, "\(first.report)")
        let digest = try #require(first.traceDigest)
        #expect(second.traceDigest == digest, "same scenario, same seed, same digest")
        // The trace holds samples, commands and actuator values, not module names: the same
        // commands from the Rust port give the same bytes as the C original.
        let c = runner.run(try Scenario.load(path: "\(directory)/normal-adc.toml"))
        #expect(c.traceDigest == digest)
    }

    @Test("seeded bridge faults keep a virtual-clock run deterministic: same frames corrupted, same digest")
    func seededBridgeFaultsAreDeterministic() throws {
        let directory = try #require(ScenarioFixtures.scenarioDirectory)
        let scenario = try Scenario.load(path: "\(directory)/bridge-corruption.toml")
        let runner = try Self.runner()
        let first = runner.run(scenario)
        let second = runner.run(scenario)
        #expect(first.passed, "\(first.report)")
        #expect(second.passed, "\(second.report)")
        let corrupted = try #require(first.observations.counters["relay.app_to_rt.corrupted"])
        #expect(corrupted > 0)
        #expect(second.observations.counters["relay.app_to_rt.corrupted"] == corrupted)
        #expect(first.traceDigest != nil)
        #expect(second.traceDigest == first.traceDigest)
    }

    @Test("a hot swap held at its quantum boundary keeps a virtual-clock run deterministic, rollback included")
    func heldHotSwapIsDeterministic() throws {
        let directory = try #require(ScenarioFixtures.scenarioDirectory)
        let scenario = try Scenario.load(path: "\(directory)/swap-rollback.toml")
        let runner = try Self.runner()
        let first = runner.run(scenario)
        let second = runner.run(scenario)
        #expect(first.passed, "\(first.report)")
        #expect(second.passed, "\(second.report)")
        #expect(first.log.contains { $0.contains("swap regulator → thermostat-faulty at 8100 ms: accepted") }, "\(first.log)")
        #expect(first.traceDigest != nil)
        #expect(second.traceDigest == first.traceDigest)
    }

    @Test("a deliberately broken module fails the control expectations with a message naming signal, time and value")
    func brokenModuleFails() throws {
        let directory = try #require(ScenarioFixtures.scenarioDirectory)
        var scenario = try Scenario.load(path: "\(directory)/normal-i2c.toml")
        // The faulty thermostat traps after 20 batches, again after each restart, and is quarantined.
        scenario.modules[1] = ScenarioModule(slot: "regulator", source: "thermostat-faulty")
        scenario.expectations.append(.counter("app.events.trapped", .equals(0)))
        let result = try Self.runner().run(scenario)
        #expect(result.runError == nil, "\(result.report)")
        #expect(!result.passed)
        // The fail-safe fallback holds the operator's setpoint, so the temperature may stay in its
        // band: what the broken regulator must break is the real-time core staying normal.
        let stayedNormal = result.failures.first { $0.expectation.summary.contains("stays normal") }
        let failure = try #require(stayedNormal, "\(result.report)")
        #expect(failure.message.contains("state was failsafe"), "\(failure.message)")
        #expect(failure.atMilliseconds != nil)
        #expect(failure.actual != nil)
        #expect(result.failures.contains { $0.expectation.summary.contains("app.events.trapped") })
        #expect(result.keptTracePath != nil, "a failed run keeps its trace")
        #expect(result.report.contains("FAIL"))
        let xml = JUnitWriter.xml(for: [result])
        #expect(xml.contains("<failure "))
    }

    @Test("replaying a trace with its own pipeline is identical; with thermostat 1.1 it diverges and says where")
    func replayComparesVersions() throws {
        var scenario = Self.shortVirtualScenario()
        scenario.name = "replay source"
        let result = try Self.runner(keep: true).run(scenario)
        #expect(result.passed, "\(result.report)")
        let directory = try #require(result.runDirectory)
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let trace = try String(contentsOfFile: "\(directory)/rt.trace", encoding: .utf8)
        let root = try #require(ScenarioFixtures.packageRoot)
        let same = try TraceReplayer.replay(
            traceText: trace,
            modules: try TraceReplayer.loadModules(["filter=calibrate-filter", "regulator=thermostat"], packageRoot: root))
        #expect(same.recorded.count > 0)
        #expect(same.identical, "\(same.summary)")
        let newer = try TraceReplayer.replay(
            traceText: trace,
            modules: try TraceReplayer.loadModules(["filter=calibrate-filter", "regulator=thermostat-1.1"], packageRoot: root))
        #expect(!newer.identical)
        #expect(newer.summary.contains("DIVERGED at command #"))
    }
}
