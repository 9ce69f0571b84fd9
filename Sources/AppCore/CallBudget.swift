import Synchronization

/// A request to stop running guest code: set from the SIGTERM/SIGINT handler, read at every budget
/// check, so a long guest call ends at its next check (well within a millisecond of guest work)
/// instead of at its deadline. One per process in production (`process`); tests use their own so
/// parallel tests do not interrupt each other.
public final class InterruptFlag: Sendable {
    private let flag = Atomic<Bool>(false)

    /// The flag `AppCoreConfiguration` uses by default, set by `splitsoc-app`'s signal handler.
    public static let process = InterruptFlag()

    public init() {}

    /// Asks every running and future guest call to stop at its next budget check
    /// (async-signal-safe: one atomic store).
    public func request() { flag.store(true, ordering: .relaxed) }

    /// Whether a stop was requested.
    public var isRequested: Bool { flag.load(ordering: .relaxed) }
}

/// Why the budget stopped a call. Thrown from host functions, the injected `budget_check` and the
/// memory limiter, so WasmKit unwinds the guest call and `SandboxedModule` maps it to a `CallFault`.
enum BudgetFault: Error {
    case deadline(elapsedNanoseconds: UInt64)
    case hostCalls(units: Int)
    case interrupted
}

/// Constants shared by the rewrite and the host side of the check.
enum BudgetCheck {
    /// Counter units granted per check: at most `refillUnits × 16` guest instructions (≈ 0.2–0.6 ms
    /// interpreted here) run between two reads of the wall clock, and a check (a host call and a
    /// clock read, ≈ 0.1 µs) is paid once per 65 536 instructions.
    static let refillUnits: Int32 = 4096
}

/// The time and host-work budget of the guest call in progress: a wall-clock deadline, a count of
/// host-call units (every import costs at least one; copies and scans cost by size), and the
/// interrupt flag. Checked by every host function, every `memory.grow`, and the rewrite's checks.
///
/// Not thread-safe: owned by the thread running the module's store. `@unchecked Sendable` only
/// because WasmKit's `ResourceLimiter` (which holds it) must be Sendable; the invariant is that the
/// budget, like the store, is only ever used by one thread at a time.
final class CallBudget: @unchecked Sendable {
    /// Replaced when a module built on the builder thread is adopted by the guest thread.
    var clock: any MonotonicClock
    private let interrupt: InterruptFlag
    private var start: UInt64 = 0
    private var deadline: UInt64 = .max
    private var hostUnitsLeft = 0
    private var hostUnitsGranted = 0
    private var unitsSinceClockRead = 0
    /// Host units between two clock reads: a clock read costs about as much as a cheap host call.
    static let unitsPerClockRead = 32

    init(clock: any MonotonicClock, interrupt: InterruptFlag) {
        self.clock = clock
        self.interrupt = interrupt
    }

    /// Starts a call: `deadline` nanoseconds from now, `hostUnits` units of host work.
    func begin(deadline: UInt64, hostUnits: Int) {
        start = clock.nanoseconds()
        self.deadline = deadline
        hostUnitsLeft = hostUnits
        hostUnitsGranted = hostUnits
        unitsSinceClockRead = 0
    }

    /// Nanoseconds since `begin`.
    var elapsed: UInt64 { clock.nanoseconds() &- start }

    /// Host units the call used so far.
    var hostUnitsUsed: Int { hostUnitsGranted - hostUnitsLeft }

    /// Throws when the deadline passed or a stop was requested.
    func checkClock() throws(BudgetFault) {
        if interrupt.isRequested { throw .interrupted }
        let elapsed = self.elapsed
        if elapsed > deadline { throw .deadline(elapsedNanoseconds: elapsed) }
    }

    /// Charges `units` of host work; reads the clock every `unitsPerClockRead` units.
    func charge(_ units: Int) throws(BudgetFault) {
        hostUnitsLeft -= units
        if hostUnitsLeft < 0 { throw .hostCalls(units: hostUnitsGranted) }
        unitsSinceClockRead += units
        if unitsSinceClockRead >= Self.unitsPerClockRead {
            unitsSinceClockRead = 0
            try checkClock()
        }
    }
}
