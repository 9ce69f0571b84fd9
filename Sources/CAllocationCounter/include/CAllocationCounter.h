#ifndef SPLITSOC_ALLOCATION_COUNTER_H
#define SPLITSOC_ALLOCATION_COUNTER_H

/// Heap-allocation counter for tests and benchmarks (STYLE.md principle 3: "nothing in the RT hot
/// loop allocates, and a test proves it"; the idea is swift-nio's malloc-counting tests).
///
/// How it works: this target defines `malloc`, `calloc`, `realloc`, `free`, `posix_memalign`,
/// `aligned_alloc`, `memalign`, `valloc` and `pvalloc`. Linked statically into an executable (the
/// SwiftPM test bundle is one on Linux), these definitions interpose glibc's for the whole process,
/// and each one delegates to glibc's real allocator (`__libc_malloc`, `__libc_memalign`...).
///
/// Counting is per thread: a call is counted only when the calling thread has enabled counting,
/// and the counts live in thread-local storage. So Swift Testing's other threads (and tests that
/// run in parallel) never pollute a measurement, and two tests may measure at the same time.
/// Consequence: measure synchronous code only — an `await` between enable and read may resume on
/// another thread.
///
/// Usage from Swift (the pattern every allocation test follows):
/// ```swift
/// import CAllocationCounter
///
/// splitsoc_alloc_enable()                // counts reset to 0, counting on for this thread
/// for _ in 0..<10_000 { hotPath() }
/// let allocations = splitsoc_alloc_count()
/// splitsoc_alloc_disable()
/// #expect(allocations == 0)
/// ```
/// Always also assert that the counter works (allocate an `Array` with counting enabled and
/// expect a non-zero count): if the target were not linked, or the symbols did not interpose,
/// every measurement would silently read 0. `splitsoc_alloc_is_interposed()` checks the linkage.
///
/// Known noise: under Swift Testing every Swift `throw` allocates once (the testing library's
/// `swift_willThrow` hook boxes the error to record a backtrace); a standalone executable does not.
/// Keep `throw` out of measured loops, or bound the count by the number of throws.
///
/// Every function here except `splitsoc_alloc_is_interposed` is async-signal-safe and allocation-free.

#include <stdbool.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/// Resets this thread's counts to zero and starts counting this thread's allocations.
void splitsoc_alloc_enable(void);

/// Stops counting this thread's allocations. The counts keep their values until the next enable
/// or reset.
void splitsoc_alloc_disable(void);

/// Resets this thread's counts to zero without changing whether counting is enabled.
void splitsoc_alloc_reset(void);

/// Whether counting is enabled on this thread.
bool splitsoc_alloc_is_enabled(void);

/// Allocations counted on this thread since the last enable/reset: calls to `malloc`, `calloc`,
/// `realloc` (every call, including a shrink in place: a hot path should not call it at all),
/// `posix_memalign`, `aligned_alloc`, `memalign`, `valloc` and `pvalloc`.
uint64_t splitsoc_alloc_count(void);

/// Calls to `free` with a non-NULL pointer counted on this thread since the last enable/reset.
uint64_t splitsoc_free_count(void);

/// Bytes requested by the counted allocations on this thread since the last enable/reset.
uint64_t splitsoc_alloc_bytes(void);

/// Whether this target's `malloc` is the one the process calls: looks `malloc` up in the global
/// symbol scope (as libswiftCore and libc bind it) and compares it with this target's definition.
/// Not async-signal-safe (it calls `dlsym`).
bool splitsoc_alloc_is_interposed(void);

#ifdef __cplusplus
}
#endif

#endif
