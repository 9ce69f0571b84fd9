#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// Where the sandbox reads wall-clock time to enforce per-call deadlines. Injected so tests can
/// drive deadlines deterministically; modules never see it (their clock is the grant's time).
public protocol MonotonicClock: AnyObject {
    /// Nanoseconds on a monotonic clock with an arbitrary origin.
    func nanoseconds() -> UInt64
}

/// `CLOCK_MONOTONIC`.
public final class SystemMonotonicClock: MonotonicClock {
    public init() {}

    public func nanoseconds() -> UInt64 {
        var now = timespec()
        clock_gettime(CLOCK_MONOTONIC, &now)
        return UInt64(now.tv_sec) * 1_000_000_000 + UInt64(now.tv_nsec)
    }
}
