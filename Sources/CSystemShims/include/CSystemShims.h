#ifndef SPLITSOC_CSYSTEMSHIMS_H
#define SPLITSOC_CSYSTEMSHIMS_H

/// Shims for what Swift's Glibc overlay does not import: prctl is variadic, CPU_SET and the
/// RLIMIT_* / SCHED_* values are macros. Every function returns 0 on success or an errno value.

/// Sets the calling thread's timer slack in nanoseconds. The corresponding call is
/// `prctl(PR_SET_TIMERSLACK, ns)`.
int splitsoc_set_timer_slack(unsigned long nanoseconds);

/// Reads the calling thread's timer slack (nanoseconds), or -1 on error.
long splitsoc_get_timer_slack(void);

/// Pins the calling thread to one CPU. The corresponding call is `pthread_setaffinity_np`.
int splitsoc_pin_current_thread(int cpu);

/// Gives the calling thread SCHED_FIFO at `priority`. The corresponding call is `pthread_setschedparam`.
int splitsoc_set_fifo_priority(int priority);

/// The calling thread's scheduling policy (0 = SCHED_OTHER, 1 = SCHED_FIFO...), or -1.
int splitsoc_current_policy(void);

/// Locks current and future pages in memory. The corresponding call is `mlockall(MCL_CURRENT|MCL_FUTURE)`.
int splitsoc_lock_memory(void);

/// Number of CPUs online, from `sysconf(_SC_NPROCESSORS_ONLN)`.
int splitsoc_cpu_count(void);

/// The kernel thread id of the calling thread (`gettid`).
int splitsoc_thread_id(void);

/// Creates a non-blocking eventfd (a wake-up counter another thread can poll), or -1.
int splitsoc_eventfd_create(void);

/// Adds 1 to the eventfd's counter (never blocks; an overflowing counter is already a wake-up).
void splitsoc_eventfd_signal(int fd);

/// Reads and clears the eventfd's counter; 0 when nothing was signalled.
unsigned long long splitsoc_eventfd_drain(int fd);

#endif
