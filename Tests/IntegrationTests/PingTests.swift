import Foundation
import SoCTesting
import Testing

/// Splits a `key=value key=value` line into a dictionary (words without `=` are ignored).
private func keyValues(_ line: Substring) -> [String: String] {
    var result: [String: String] = [:]
    for word in line.split(separator: " ") {
        guard let equals = word.firstIndex(of: "=") else { continue }
        result[String(word[..<equals])] = String(word[word.index(after: equals)...])
    }
    return result
}

@Suite("splitsoc ping between two real processes")
struct PingTests {
    @Test("ping prints raw and framed round trips with the requested count and a ratio per transport", arguments: ["ipc", "tcp"])
    func pingReportsBothModes(transport: String) throws {
        let output = try withProcessHarness { harness in
            let ping = try harness.spawn("splitsoc", ["ping", "--transport", transport, "--count", "200", "--warmup", "20"])
            let status = try ping.waitForExit(timeout: .seconds(50))
            #expect(status == 0, "\(ping.report())")
            return ping.stdout
        }
        let lines = output.split(separator: "\n")
        let header = try #require(lines.first { $0.hasPrefix("ping host=") })
        #expect(keyValues(header)["libzmq"]?.hasPrefix("4.") == true)
        #expect(keyValues(header)["count"] == "200")

        for mode in ["raw", "framed"] {
            let line = try #require(lines.first { $0.contains("transport=\(transport) mode=\(mode) ") }, "no \(mode) line in:\n\(output)")
            let values = keyValues(line)
            #expect(values["count"] == "200")
            #expect(values["payload_bytes"] == "30")
            #expect(values["mismatched"] == "0")
            let p50 = try #require(values["p50_us"].flatMap(Double.init))
            let p99 = try #require(values["p99_us"].flatMap(Double.init))
            let max = try #require(values["max_us"].flatMap(Double.init))
            #expect(p50 > 0)
            #expect(p50 <= p99)
            #expect(p99 <= max)
        }
        let ratio = try #require(lines.first { $0.contains("transport=\(transport) framed_over_raw") })
        #expect(keyValues(ratio)["p50"].flatMap(Double.init) != nil)
        #expect(keyValues(ratio)["p99"].flatMap(Double.init) != nil)
        #expect(!lines.contains { $0.contains("transport=\(transport == "ipc" ? "tcp" : "ipc")") })
    }

    @Test("a paced ping records at least one value per round trip (coordinated-omission correction adds, never drops)")
    func pacedPingRecordsEveryRoundTrip() throws {
        let output = try withProcessHarness { harness in
            let ping = try harness.spawn("splitsoc", ["ping", "--transport", "ipc", "--count", "100", "--warmup", "10", "--rate", "2000", "--payload", "64"])
            #expect(try ping.waitForExit(timeout: .seconds(50)) == 0, "\(ping.report())")
            return ping.stdout
        }
        let lines = output.split(separator: "\n")
        #expect(lines.first { $0.hasPrefix("ping host=") }.map { keyValues($0)["rate_hz"] } == "2000")
        let raw = try #require(lines.first { $0.contains("mode=raw ") })
        #expect(keyValues(raw)["payload_bytes"] == "64")
        for line in lines where line.contains("mode=") {
            let values = keyValues(line)
            #expect(values["count"] == "100")
            let recorded = try #require(values["recorded"].flatMap(Int.init))
            #expect(recorded >= 100)
        }
    }

    @Test("ping with a bad flag exits 64 with a clear message and measures nothing")
    func badFlagIsAClearError() throws {
        try withProcessHarness { harness in
            let ping = try harness.spawn("splitsoc", ["ping", "--count", "0"])
            #expect(try ping.waitForExit(timeout: .seconds(20)) == 64)
            #expect(ping.stderr.contains("--count 0 is out of range: round-trip count must be 1...100000000 round trips"))
            #expect(!ping.stdout.contains("p50_us"))
        }
    }
}
