#if ENABLE_MOCKING
import Synchronization

/// Debug-only test seam (swift-system's `Mocking.swift`): while `ZMQMocking.with(_:_:)` runs, every
/// `system_zmq_*` call made by the current task is recorded, and calls can be made to fail with a
/// chosen errno before reaching libzmq. Release builds do not compile this file.
///
/// Scoped with a task-local, so tests running in parallel do not see each other's forced errors.
public final class ZMQMocking: Sendable {
    /// A forced failure: `errno` for the next `count` calls of `call` (a C function name such as
    /// `"zmq_send"`), after which the real function runs again.
    public struct ForcedErrno: Sendable {
        public var call: String
        public var errno: Int32
        public var count: Int
        public init(_ call: String, _ error: ZMQError, count: Int) {
            self.call = call
            self.errno = error.rawValue
            self.count = count
        }
    }

    private struct State {
        var forced: [ForcedErrno]
        var trace: [String] = []
    }

    private let state: Mutex<State>

    private init(forced: [ForcedErrno]) {
        state = Mutex(State(forced: forced))
    }

    @TaskLocal static var current: ZMQMocking?

    /// Runs `body` with the given forced errnos and returns the C calls it made, in order.
    public static func with(_ forced: [ForcedErrno], _ body: () throws -> Void) rethrows -> [String] {
        let mocking = ZMQMocking(forced: forced)
        try $current.withValue(mocking) { try body() }
        return mocking.state.withLock { $0.trace }
    }

    /// Records `call` without ever failing it.
    func record(_ call: String) {
        state.withLock { $0.trace.append(call) }
    }

    /// Records `call` and returns the errno to fail it with, if one is forced.
    func intercept(_ call: String) -> Int32? {
        state.withLock { state in
            state.trace.append(call)
            guard let index = state.forced.firstIndex(where: { $0.call == call && $0.count > 0 }) else { return nil }
            state.forced[index].count -= 1
            return state.forced[index].errno
        }
    }
}

/// Returns a failed result when the current mocking scope forces an errno for `call`.
@inline(__always)
func mockedFailure<Value>(_ call: String, failure: Value) -> SystemCallResult<Value>? {
    guard let errno = ZMQMocking.current?.intercept(call) else { return nil }
    return SystemCallResult(value: failure, errno: errno)
}
#endif
