import Foundation

#if canImport(Glibc)
import Glibc
#endif

/// Makes a core process stop when the `splitsoc` process that started it goes away, even when
/// that process was killed with SIGKILL and could not clean up.
///
/// `ChildProcess` (in SoCCommands) puts its own pid in `SPLITSOC_PARENT_PID`. When that variable
/// is set, a low-priority thread checks `getppid()` every 200 ms; once the parent has changed (we
/// were re-parented to init or a subreaper), it raises SIGTERM on this process, so the core takes
/// its normal shutdown path (Goodbye, trace, summary). Linux's `PR_SET_PDEATHSIG` would do the
/// same but fires when the parent *thread* exits, which Foundation's `Process` does not guarantee
/// to be the main thread.
public enum ParentWatchdog {
    /// Starts the watchdog when `SPLITSOC_PARENT_PID` names our parent; does nothing otherwise.
    /// - Returns: whether a watchdog was started.
    @discardableResult
    public static func startIfRequested() -> Bool {
        guard let value = ProcessInfo.processInfo.environment["SPLITSOC_PARENT_PID"], let expected = pid_t(value),
            getppid() == expected
        else { return false }
        let thread = Thread {
            while getppid() == expected {
                Thread.sleep(forTimeInterval: 0.2)
            }
            kill(getpid(), SIGTERM)
        }
        thread.name = "parent-watchdog"
        thread.qualityOfService = .background
        thread.start()
        return true
    }
}
