import Glibc

/// The one interface through which the scheduler reads and waits for time, so the same loop runs
/// on the real monotonic clock, on the virtual (lockstep) clock and on a manual clock in tests.
public protocol TickClock {
    /// Current time in nanoseconds (an arbitrary but fixed origin).
    mutating func now() -> UInt64
    /// Waits until `deadline` (absolute, same origin as `now`). Returns at once if it has passed.
    mutating func sleep(until deadline: UInt64)
}

/// CLOCK_MONOTONIC with absolute-deadline sleeps (`clock_nanosleep(TIMER_ABSTIME)`), retried on
/// EINTR, so that ticks never drift: each deadline is computed from the start, not from the
/// previous wake-up.
public struct MonotonicClock: TickClock, Sendable {
    public init() {}

    /// CLOCK_MONOTONIC in nanoseconds. The corresponding C function is `clock_gettime`.
    public static func nanoseconds() -> UInt64 {
        var ts = timespec()
        clock_gettime(CLOCK_MONOTONIC, &ts)
        return UInt64(ts.tv_sec) &* 1_000_000_000 &+ UInt64(ts.tv_nsec)
    }

    public mutating func now() -> UInt64 { Self.nanoseconds() }

    public mutating func sleep(until deadline: UInt64) {
        var ts = timespec(tv_sec: Int(deadline / 1_000_000_000), tv_nsec: Int(deadline % 1_000_000_000))
        while true {
            let rc = clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &ts, nil)
            if rc != EINTR { return }
        }
    }
}

/// Virtual time: it only moves when the scheduler sleeps, and then jumps to the deadline. Work
/// takes no virtual time, so lateness and execution time are 0 and a run's outcome cannot depend on
/// host speed. Lockstep with the application core is the driver's job (RTCommands), between quanta.
public struct VirtualClock: TickClock, Sendable {
    /// Current virtual time (ns).
    public private(set) var nanoseconds: UInt64

    public init(start: UInt64 = 0) { nanoseconds = start }

    public mutating func now() -> UInt64 { nanoseconds }

    public mutating func sleep(until deadline: UInt64) {
        if deadline > nanoseconds { nanoseconds = deadline }
    }
}
