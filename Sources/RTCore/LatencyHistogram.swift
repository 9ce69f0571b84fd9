/// A fixed-size log-linear histogram of non-negative durations (nanoseconds), for wake-up
/// lateness, execution time and round trips on the tick thread, which may not allocate.
///
/// Values below 1024 ns get exact 8-ns buckets' worth of resolution per power of two: each power
/// of two `[2^k, 2^(k+1))` is split into 16 linear sub-buckets, so the relative error of a
/// percentile is at most 1/16 (6.25 %). Recording is O(1) and allocation-free.
public struct LatencyHistogram: Sendable {
    /// Sub-buckets per power of two.
    static let subBuckets = 16
    /// Powers of two covered: up to 2^40 ns (~18 minutes); larger values land in the last bucket.
    static let powers = 41
    static let bucketCount = subBuckets * powers

    private var counts: [UInt64]
    /// Number of recorded values.
    public private(set) var totalCount: UInt64 = 0
    /// Largest recorded value.
    public private(set) var maximum: UInt64 = 0
    /// Sum of recorded values (for the mean).
    public private(set) var sum: UInt64 = 0

    /// An empty histogram (allocates its buckets once, here).
    public init() { counts = [UInt64](repeating: 0, count: Self.bucketCount) }

    @inline(__always)
    static func bucket(of value: UInt64) -> Int {
        if value < UInt64(subBuckets) { return Int(value) }
        let power = 63 - value.leadingZeroBitCount  // >= 4
        let sub = Int((value >> UInt64(power - 4)) & 0xF)
        let index = (power - 3) * subBuckets + sub
        return min(index, bucketCount - 1)
    }

    /// The smallest value a bucket holds (its lower edge).
    static func lowerEdge(of index: Int) -> UInt64 {
        if index < subBuckets { return UInt64(index) }
        let power = index / subBuckets + 3
        let sub = UInt64(index % subBuckets)
        return (UInt64(1) << UInt64(power)) | (sub << UInt64(power - 4))
    }

    /// Records one value. Allocation-free.
    public mutating func record(_ value: UInt64) {
        counts[Self.bucket(of: value)] &+= 1
        totalCount &+= 1
        sum &+= value
        if value > maximum { maximum = value }
    }

    /// The value at `percentile` (0...100): the upper edge of the bucket that holds it, capped at
    /// the maximum. 0 when empty.
    public func value(atPercentile percentile: Double) -> UInt64 {
        guard totalCount > 0 else { return 0 }
        let rank = max(1, UInt64((percentile / 100.0 * Double(totalCount)).rounded(.up)))
        var seen: UInt64 = 0
        for index in 0..<Self.bucketCount {
            seen &+= counts[index]
            if seen >= rank {
                let upper = index + 1 < Self.bucketCount ? Self.lowerEdge(of: index + 1) - 1 : maximum
                return min(upper, maximum)
            }
        }
        return maximum
    }

    /// Forgets every value, keeping the storage.
    public mutating func reset() {
        for index in 0..<Self.bucketCount { counts[index] = 0 }
        totalCount = 0
        maximum = 0
        sum = 0
    }
}
