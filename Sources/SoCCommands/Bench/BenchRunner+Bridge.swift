import Foundation
import SoCLink
import SoCLinkZMQ
import ZeroMQ

extension BenchRunner {
    /// Bridge round trips through each module, each transport and batch size, with the raw
    /// libzmq ping-pong of the same messages measured just before, in the same run.
    func runBridge() {
        let section = definition.bridge
        let modules = section?.modules ?? Self.defaultModules
        let sizes = section?.samplesPerGrant ?? [1]
        let rate = section?.rateHz ?? 1000
        let duration = section?.durationSeconds ?? 2
        let warmup = section?.warmup ?? 200
        for transport in definition.resolvedTransports {
            for samples in sizes {
                let parameters = [
                    "transport": transport, "samples_per_grant": String(samples), "rate_hz": String(rate),
                    "duration_s": String(duration),
                ]
                // Baseline: the same message sizes (samples: 30 B each, grant: 32 B; reply 32 B).
                let rawID = "raw-zmq-rtt/\(transport)/s\(samples)"
                let progress = beginStep("raw libzmq round trip \(transport), \(samples) sample(s)")
                do {
                    let context = try ZMQContext()
                    let endpoint = try nextEndpoint(transport)
                    let bound = try ZMQFrameTransport.bind(endpoint: endpoint, context: context)
                    let peer = try spawnSelf(
                        name: "raw-peer-\(transport)-s\(samples)",
                        arguments: ["peer", "--endpoint", bound.endpoint, "--mode", "echo", "--batch", String(samples + 1),
                                    "--reply-size", "32"])
                    defer { peer.terminate() }
                    try RawZMQBench.waitForPeer(bound, timeout: .seconds(15))
                    let sizes = Array(repeating: 30, count: samples) + [32]
                    let result = try RawZMQBench.roundTrips(
                        transport: bound, messageSizes: sizes, rateHz: rate, duration: duration, warmup: warmup,
                        progress: progress)
                    record(
                        kind: "raw-zmq-rtt", id: rawID, parameters: parameters, distribution: result.distribution,
                        values: ["timeouts": Double(result.timeouts), "send_drops": Double(result.sendDrops)])
                } catch {
                    skip(rawID, "\(error)")
                }
                for module in modules {
                    let id = "bridge-rtt/\(transport)/\(module)/s\(samples)"
                    let progress = beginStep("bridge round trip \(transport), \(module), \(samples) sample(s)")
                    guard appAvailable else {
                        skip(id, "splitsoc-app is not built (swift build --product splitsoc-app)")
                        continue
                    }
                    do {
                        let path = try modulePath(module)
                        var moduleParameters = parameters
                        moduleParameters["module"] = module
                        try measureBridge(
                            id: id, transport: transport, modulePath: path, samples: samples, rate: rate,
                            duration: duration, warmup: warmup, parameters: moduleParameters, progress: progress)
                    } catch {
                        skip(id, "\(error)")
                    }
                }
            }
            let realClock = section?.realClockSeconds ?? 3
            if realClock > 0 { measureRealClockCores(transport: transport, seconds: realClock) }
        }
    }

    /// Both real cores in real-clock mode for a few seconds (calibrate-filter + thermostat, so
    /// commands flow): the real-time core's own sample-to-command `rtt_us` and tick `lateness_us`
    /// from its 10 Hz status, with the application core running.
    func measureRealClockCores(transport: String, seconds: Double) {
        let id = "rt-core-status/\(transport)"
        let progress = beginStep("real-clock cores \(transport) (status rtt_us, lateness_us)")
        guard rtAvailable && appAvailable else {
            skip(id, "splitsoc-rt and splitsoc-app must be built (swift build)")
            return
        }
        do {
            var options = CoreOptions(runDirectory: output.directory.appendingPathComponent("real-clock-\(transport)"))
            options.transport = transport == "tcp" ? .tcp : .ipc
            options.clock = "real"
            options.durationSeconds = seconds + 1
            options.modules = try ["calibrate-filter", "thermostat"].map { (slot: $0, path: try modulePath($0)) }
            let priority = definition.rtLoop?.priority ?? 80
            if priority > 0 { options.rtExtraArguments += ["--rt-priority", String(priority)] }
            let launcher = try CoreLauncher(options: options)
            defer { launcher.stop() }
            let collector = StatusCollector(rtStatus: launcher.endpoints.rtStatus, appTelemetry: nil)
            defer { collector.stop() }
            try launcher.startRealTimeCore()
            try launcher.startApplicationCore()
            let start = ContinuousClock.now
            while (ContinuousClock.now - start).seconds < seconds {
                progress((ContinuousClock.now - start).seconds / seconds)
                Thread.sleep(forTimeInterval: 0.1)
            }
            // Windows after the session is up and the first second of it (start-up) has passed.
            let windows = collector.snapshot().rt.map(\.status).filter { $0.link == "up" }.dropFirst(10)
            let rtt = windows.compactMap(\.rttMicroseconds)
            let lateness = windows.compactMap(\.latenessMicroseconds)
            guard !rtt.isEmpty else {
                throw BenchError.measurementFailed("the real-time core published no rtt_us while the link was up")
            }
            func median(_ values: [Int]) -> Double { Double(values.sorted()[values.count / 2]) }
            var values: [String: Double] = [
                "rtt_p50_us_median_of_windows": median(rtt.map(\.p50)), "rtt_p99_us_worst_window": Double(rtt.map(\.p99).max()!),
                "rtt_max_us": Double(rtt.map(\.max).max()!), "windows": Double(rtt.count),
            ]
            if !lateness.isEmpty {
                values["lateness_p50_us_median_of_windows"] = median(lateness.map(\.p50))
                values["lateness_p99_us_worst_window"] = Double(lateness.map(\.p99).max()!)
                values["lateness_max_us"] = Double(lateness.map(\.max).max()!)
            }
            if let last = windows.last {
                values["tx_dropped"] = Double(last.txDropped)
                values["frames_lost"] = Double(last.framesLost)
                values["deadline_misses"] = Double(last.deadlineMisses)
            }
            record(
                kind: "rt-core-status", id: id,
                parameters: ["transport": transport, "clock": "real", "modules": "calibrate-filter+thermostat",
                             "seconds": String(seconds), "priority": String(priority)],
                values: values, note: "from splitsoc-rt's status (percentiles per 100 ms window over the last second)")
        } catch {
            skip(id, "\(error)")
        }
    }

    private func measureBridge(
        id: String, transport: String, modulePath: String, samples: Int, rate: Double, duration: Double, warmup: Int,
        parameters: [String: String], progress: (Double) -> Void
    ) throws {
        let context = try ZMQContext()
        let period = UInt32(rate > 0 ? 1e9 / rate : 1_000_000)
        let driver = try BridgeDriver(
            endpoint: try nextEndpoint(transport), context: context, tickPeriodNanoseconds: period,
            quantum: UInt16(max(1, samples)))
        let app = try spawnApp(
            link: driver.transport.endpoint, modules: [("main", modulePath)], control: nil,
            name: id.replacingOccurrences(of: "/", with: "_"))
        defer {
            driver.close()
            app.terminate()
        }
        try driver.waitForSession(timeout: .seconds(20), child: app)
        var distribution = LatencyDistribution(expectedIntervalNanoseconds: rate > 0 ? UInt64(period) : nil)
        var timeouts = 0
        var pacer = FixedRatePacer(periodNanoseconds: rate > 0 ? UInt64(period) : 0, duration: duration, warmup: warmup)
        while let recordThis = pacer.next(progress: progress) {
            let start = BenchClock.now()
            guard try driver.roundTrip(samples: samples) else {
                timeouts += 1
                if timeouts > 5 { throw BenchError.measurementFailed("\(timeouts) grants were never acknowledged") }
                continue
            }
            if recordThis { distribution.record(BenchClock.now() - start) }
        }
        record(
            kind: "bridge-rtt", id: id, parameters: parameters, distribution: distribution,
            values: [
                "timeouts": Double(timeouts), "send_drops": Double(driver.sendDrops),
                "acks": Double(driver.acksReceived), "ack_echo_mismatches": Double(driver.ackEchoMismatches),
                "commands_received": Double(driver.commandsReceived), "module_events": Double(driver.moduleEvents),
                "rejects": Double(driver.rejects), "frames_lost_by_peer": Double(driver.counters.peerReportedLost),
            ])
    }

    /// Sustained sample stream rt → app vs raw libzmq for the same message size, with every frame
    /// accounted for.
    func runThroughput() {
        let section = definition.throughput
        let duration = section?.durationSeconds ?? 2
        let samples = section?.samplesPerGrant ?? 100
        let window = section?.grantWindow ?? 8
        for transport in definition.resolvedTransports {
            let parameters = ["transport": transport, "message_bytes": "30", "duration_s": String(duration)]
            let rawID = "throughput/\(transport)/raw-zmq"
            let progress = beginStep("raw libzmq stream \(transport)")
            do {
                let context = try ZMQContext()
                let bound = try ZMQFrameTransport.bind(endpoint: try nextEndpoint(transport), context: context)
                let peer = try spawnSelf(
                    name: "raw-sink-\(transport)", arguments: ["peer", "--endpoint", bound.endpoint, "--mode", "sink"])
                defer { peer.terminate() }
                try RawZMQBench.waitForPeer(bound, timeout: .seconds(15))
                let r = try RawZMQBench.stream(transport: bound, messageSize: 30, duration: duration, progress: progress)
                record(
                    kind: "throughput", id: rawID, parameters: parameters.merging(["path": "raw-zmq"]) { $1 },
                    values: [
                        "msgs_per_s": (Double(r.received) / r.seconds).rounded(), "sent": Double(r.sent),
                        "received": Double(r.received), "drops": Double(r.drops),
                        "unaccounted": Double(Int64(r.sent) - Int64(r.received) - Int64(r.drops)),
                    ])
            } catch {
                skip(rawID, "\(error)")
            }
            let id = "throughput/\(transport)/bridge-passthrough"
            let bridgeProgress = beginStep("bridge sample stream \(transport)")
            guard appAvailable else {
                skip(id, "splitsoc-app is not built")
                continue
            }
            do {
                try measureBridgeStream(
                    id: id, transport: transport, samples: samples, window: window, duration: duration,
                    parameters: parameters.merging(["path": "bridge", "samples_per_grant": String(samples)]) { $1 },
                    progress: bridgeProgress)
            } catch {
                skip(id, "\(error)")
            }
        }
    }

    private func measureBridgeStream(
        id: String, transport: String, samples: Int, window: Int, duration: Double, parameters: [String: String],
        progress: (Double) -> Void
    ) throws {
        let context = try ZMQContext()
        let driver = try BridgeDriver(
            endpoint: try nextEndpoint(transport), context: context, tickPeriodNanoseconds: 1_000_000,
            quantum: UInt16(samples))
        let control = "ipc://\(socketDirectory.path)/control-\(endpointCounter)"
        let app = try spawnApp(
            link: driver.transport.endpoint, modules: [("main", try modulePath("passthrough"))], control: control,
            name: id.replacingOccurrences(of: "/", with: "_"))
        defer {
            driver.close()
            app.terminate()
        }
        try driver.waitForSession(timeout: .seconds(20), child: app)
        let client = AppControlClient(endpoint: control, timeoutMilliseconds: 5000)
        let rxBefore = (try? client.status())?["rx_frames"] as? Int
        let sentBefore = driver.counters.framesSent
        let dropsBefore = driver.sendDrops
        let lostBefore = driver.counters.peerReportedLost
        let start = BenchClock.now()
        let end = start + UInt64(duration * 1e9)
        var nextProgress = start
        var samplesSent: UInt64 = 0
        while BenchClock.now() < end {
            let now = BenchClock.now()
            if now >= nextProgress {
                progress(Double(now - start) / (duration * 1e9))
                nextProgress = now + 200_000_000
            }
            try driver.sendBatch(samples: samples)
            samplesSent += UInt64(samples)
            // Flow control: at most `window` grants unacknowledged.
            while driver.tick - driver.lastAckedTick > UInt64(window * samples) {
                try driver.pump(timeoutMilliseconds: 100)
                if BenchClock.now() > end + 10_000_000_000 { throw BenchError.measurementFailed("acks stopped coming") }
            }
            try driver.pump(timeoutMilliseconds: 0)
        }
        let lastTick = driver.tick
        let ackDeadline = BenchClock.now() + 10_000_000_000
        while driver.lastAckedTick < lastTick && BenchClock.now() < ackDeadline {
            try driver.pump(timeoutMilliseconds: 100)
        }
        let seconds = Double(BenchClock.now() - start) / 1e9
        // Heartbeats carry the peer's loss count; give one interval for the last one.
        let settle = BenchClock.now() + 120_000_000
        while BenchClock.now() < settle { try driver.pump(timeoutMilliseconds: 20) }
        let sent = driver.counters.framesSent - sentBefore
        let drops = driver.sendDrops - dropsBefore
        let lost = driver.counters.peerReportedLost &- lostBefore
        var values: [String: Double] = [
            "samples_per_s": (Double(samplesSent) / seconds).rounded(), "frames_sent": Double(sent),
            "send_drops": Double(drops), "frames_lost_reported_by_app": Double(lost),
            "samples_sent": Double(samplesSent), "grants_acked_through": Double(driver.lastAckedTick),
            "all_grants_acked": driver.lastAckedTick >= lastTick ? 1 : 0,
        ]
        var note: String?
        if let rxBefore, let rxAfter = (try? client.status())?["rx_frames"] as? Int {
            let received = UInt64(max(0, rxAfter - rxBefore))
            values["frames_received_by_app"] = Double(received)
            // The status request happens after the stream; frames the driver sent since then
            // (heartbeats) are a handful: counted in the difference below, reported as is.
            values["unaccounted"] = Double(Int64(sent) - Int64(received) - Int64(drops) - Int64(lost))
        } else {
            note = "the application core's control status was unavailable: accounted by acks only"
        }
        record(kind: "throughput", id: id, parameters: parameters, values: values, note: note)
    }
}
