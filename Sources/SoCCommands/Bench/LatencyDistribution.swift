import Foundation
import Histogram

#if canImport(Glibc)
import Glibc
#endif

/// CLOCK_MONOTONIC in nanoseconds: the one clock every benchmark reads.
enum BenchClock {
    @inline(__always)
    static func now() -> UInt64 {
        var ts = timespec()
        clock_gettime(CLOCK_MONOTONIC, &ts)
        return UInt64(ts.tv_sec) &* 1_000_000_000 &+ UInt64(ts.tv_nsec)
    }

    /// Sleeps until the absolute monotonic time `deadline` (ns), retrying on EINTR.
    static func sleep(until deadline: UInt64) {
        var ts = timespec(tv_sec: Int(deadline / 1_000_000_000), tv_nsec: Int(deadline % 1_000_000_000))
        while clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &ts, nil) == EINTR {}
    }
}

/// The percentiles every latency result reports, in microseconds.
struct LatencySummary: Codable, Sendable, Hashable {
    var count: UInt64
    var p50: Double
    var p90: Double
    var p99: Double
    var p999: Double
    var max: Double
    var mean: Double
}

/// A latency distribution in nanoseconds, recorded in an HdrHistogram (3 significant digits, up
/// to 60 s), with coordinated-omission correction when the sender runs at a fixed rate.
///
/// A fixed-rate sender that stalls for 10 ms silently skips the requests it would have sent
/// during the stall; `recordCorrectedValue(_:expectedInterval:)` back-fills them, so the
/// percentiles describe what a request issued at a random time would have seen.
struct LatencyDistribution: Sendable {
    private(set) var histogram: Histogram<UInt64>
    /// The sender's period in ns; `nil` for back-to-back senders (no correction).
    let expectedIntervalNanoseconds: UInt64?
    /// Values actually measured (the histogram's count also includes back-filled ones).
    private(set) var measuredCount: UInt64 = 0
    static let highestTrackable: UInt64 = 60_000_000_000

    init(expectedIntervalNanoseconds: UInt64? = nil) {
        histogram = Histogram<UInt64>(
            lowestDiscernibleValue: 1, highestTrackableValue: Self.highestTrackable, numberOfSignificantValueDigits: .three)
        self.expectedIntervalNanoseconds = expectedIntervalNanoseconds.flatMap { $0 > 0 ? $0 : nil }
    }

    /// Records one measured value (ns), back-filling for a fixed-rate sender.
    mutating func record(_ nanoseconds: UInt64) {
        let value = Swift.min(nanoseconds, Self.highestTrackable)
        measuredCount += 1
        if let interval = expectedIntervalNanoseconds {
            _ = histogram.recordCorrectedValue(value, expectedInterval: interval)
        } else {
            _ = histogram.record(value)
        }
    }

    /// Records `count` occurrences of a value (ns), without correction (for imported histograms).
    mutating func record(_ nanoseconds: UInt64, count: UInt64) {
        guard count > 0 else { return }
        measuredCount += count
        _ = histogram.record(Swift.min(nanoseconds, Self.highestTrackable), count: count)
    }

    var isEmpty: Bool { histogram.totalCount == 0 }

    /// Values in the histogram: measured ones plus back-filled ones.
    var recordedCount: UInt64 { histogram.totalCount }

    /// p50/p90/p99/p99.9/max/mean in microseconds.
    var summary: LatencySummary {
        func us(_ ns: UInt64) -> Double { (Double(ns) / 1000).benchRounded(toPlaces: 2) }
        guard histogram.totalCount > 0 else { return LatencySummary(count: 0, p50: 0, p90: 0, p99: 0, p999: 0, max: 0, mean: 0) }
        return LatencySummary(
            count: histogram.totalCount, p50: us(histogram.valueAtPercentile(50)), p90: us(histogram.valueAtPercentile(90)),
            p99: us(histogram.valueAtPercentile(99)), p999: us(histogram.valueAtPercentile(99.9)), max: us(histogram.max),
            mean: (histogram.mean / 1000).benchRounded(toPlaces: 2))
    }

    /// HdrHistogram's percentile distribution text (`.hgrm`), values in microseconds.
    var hgrmText: String {
        var text = ""
        histogram.outputPercentileDistribution(to: &text, outputValueUnitScalingRatio: 1000)
        return text
    }
}

extension Double {
    func benchRounded(toPlaces places: Int) -> Double {
        let scale = pow(10.0, Double(places))
        return (self * scale).rounded() / scale
    }
}
