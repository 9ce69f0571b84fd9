/// A clock that moves only when a test says so (NIO `EmbeddedEventLoop`, Hummingbird `MockClock`).
/// `sleep(until:)` jumps to the deadline instead of waiting, and `costPerRead` lets a test make
/// every reading of the clock consume time, to simulate work that takes a known duration.
///
/// Not thread-safe: for single-threaded tests.
public final class ManualClock {
    /// Current time in nanoseconds.
    public private(set) var nanoseconds: UInt64
    /// Added to the time after each `now()` (0: reading is free).
    public var costPerRead: UInt64 = 0
    /// How many times `sleep(until:)` was called, and how many of those found the deadline passed.
    public private(set) var sleeps = 0
    public private(set) var sleepsAlreadyLate = 0

    public init(start: UInt64 = 0) { nanoseconds = start }

    /// Moves time forward by `delta` nanoseconds.
    public func advance(by delta: UInt64) { nanoseconds &+= delta }

    /// Reads the time (then charges `costPerRead`).
    public func now() -> UInt64 {
        let value = nanoseconds
        nanoseconds &+= costPerRead
        return value
    }

    /// Jumps to `deadline` when it is in the future.
    public func sleep(until deadline: UInt64) {
        sleeps += 1
        if deadline > nanoseconds { nanoseconds = deadline } else { sleepsAlreadyLate += 1 }
    }
}
