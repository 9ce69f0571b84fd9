import SoCWire
import Foundation
import Synchronization

/// Set by SIGINT/SIGTERM; every loop of the process checks it.
let stopRequested = Atomic<Bool>(false)

/// Installs SIGINT/SIGTERM handlers that only set `stopRequested` (async-signal-safe).
func installStopHandlers() {
    signal(SIGINT) { _ in stopRequested.store(true, ordering: .relaxed) }
    signal(SIGTERM) { _ in stopRequested.store(true, ordering: .relaxed) }
    signal(SIGPIPE, SIG_IGN)
}

/// Prints one line on stdout and flushes it at once: harnesses wait for these lines, and stdout is
/// fully buffered when it is a file.
func say(_ line: String) {
    print(line)
    fflush(nil)
}

/// Prints one line on stderr.
func warn(_ line: String) {
    FileHandle.standardError.write(Data((line + "\n").utf8))
}

/// A pthread that can be joined (Foundation's `Thread` cannot).
final class JoinableThread {
    private final class Body {
        let run: () -> Void
        init(_ run: @escaping () -> Void) { self.run = run }
    }

    private var thread = pthread_t()

    /// Starts `body` on a new thread.
    init(name: String, _ body: @escaping @Sendable () -> Void) {
        let box = Unmanaged.passRetained(Body(body)).toOpaque()
        let rc = pthread_create(&thread, nil, { argument in
            let body = Unmanaged<Body>.fromOpaque(argument!).takeRetainedValue()
            body.run()
            return nil
        }, box)
        precondition(rc == 0, "pthread_create failed: \(rc)")
    }

    /// Waits for the thread to end.
    func join() { pthread_join(thread, nil) }
}

/// Moves a non-Sendable value to the thread that will own it.
// @unchecked Sendable: the creating thread hands the value over before the new thread starts and
// never touches it again, so the value is only ever used by one thread at a time.
final class HandOver<Value>: @unchecked Sendable {
    let value: Value
    init(_ value: Value) { self.value = value }
}

/// Milliseconds as JSON-friendly microsecond integers.
extension UInt64 {
    var microseconds: UInt64 { self / 1000 }
}

/// A thread-safe box for the thread settings' outcome (written by the tick thread, read by main).
final class SettingsBox: Sendable {
    let mutex: Mutex<ThreadSettings.Outcome>
    init(_ value: ThreadSettings.Outcome) { mutex = Mutex(value) }
    var value: ThreadSettings.Outcome { mutex.withLock { $0 } }
    func set(_ value: ThreadSettings.Outcome) { mutex.withLock { $0 = value } }
}
