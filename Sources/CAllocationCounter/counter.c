// Interposes the C allocator and counts calls per thread. See include/CAllocationCounter.h.
//
// Why glibc's `__libc_*` entry points rather than dlsym(RTLD_NEXT): dlsym may itself allocate
// (and would recurse into our malloc before the pointer is known); the `__libc_*` symbols are
// exported by every glibc since 2.0 and reach the same allocator with no setup.
// `posix_memalign` and `aligned_alloc` have no `__libc_` twin; glibc implements both on top of the
// same memalign path we call here, so memory from any of them may be passed to `free`/`realloc`.

#include "CAllocationCounter.h"

#include <dlfcn.h>
#include <errno.h>
#include <stddef.h>
#include <stdint.h>

extern void *__libc_malloc(size_t size);
extern void *__libc_calloc(size_t count, size_t size);
extern void *__libc_realloc(void *pointer, size_t size);
extern void __libc_free(void *pointer);
extern void *__libc_memalign(size_t alignment, size_t size);
extern void *__libc_valloc(size_t size);
extern void *__libc_pvalloc(size_t size);

// Initial-exec TLS in the executable: reading it never allocates or takes a lock, so it is safe
// inside malloc itself, on every thread, from the first call.
static __thread bool counting_enabled;
static __thread uint64_t allocation_count;
static __thread uint64_t free_count;
static __thread uint64_t allocated_bytes;

static inline void count_allocation(size_t size) {
    if (__builtin_expect(counting_enabled, 0)) {
        allocation_count += 1;
        allocated_bytes += size;
    }
}

void *malloc(size_t size) {
    count_allocation(size);
    return __libc_malloc(size);
}

void *calloc(size_t count, size_t size) {
    count_allocation(count * size);
    return __libc_calloc(count, size);
}

void *realloc(void *pointer, size_t size) {
    count_allocation(size);
    return __libc_realloc(pointer, size);
}

void free(void *pointer) {
    if (pointer != NULL && __builtin_expect(counting_enabled, 0)) {
        free_count += 1;
    }
    __libc_free(pointer);
}

void *memalign(size_t alignment, size_t size) {
    count_allocation(size);
    return __libc_memalign(alignment, size);
}

void *aligned_alloc(size_t alignment, size_t size) {
    count_allocation(size);
    // C11/glibc 2.36: the alignment must be a power of two.
    if (alignment == 0 || (alignment & (alignment - 1)) != 0) {
        errno = EINVAL;
        return NULL;
    }
    return __libc_memalign(alignment, size);
}

int posix_memalign(void **result, size_t alignment, size_t size) {
    count_allocation(size);
    // POSIX: a power of two that is a multiple of sizeof(void *); *result is untouched on error.
    if (alignment % sizeof(void *) != 0 || (alignment & (alignment - 1)) != 0 || alignment == 0) {
        return EINVAL;
    }
    void *memory = __libc_memalign(alignment, size);
    if (memory == NULL) {
        return ENOMEM;
    }
    *result = memory;
    return 0;
}

void *valloc(size_t size) {
    count_allocation(size);
    return __libc_valloc(size);
}

void *pvalloc(size_t size) {
    count_allocation(size);
    return __libc_pvalloc(size);
}

void splitsoc_alloc_reset(void) {
    allocation_count = 0;
    free_count = 0;
    allocated_bytes = 0;
}

void splitsoc_alloc_enable(void) {
    splitsoc_alloc_reset();
    counting_enabled = true;
}

void splitsoc_alloc_disable(void) { counting_enabled = false; }

bool splitsoc_alloc_is_enabled(void) { return counting_enabled; }

uint64_t splitsoc_alloc_count(void) { return allocation_count; }

uint64_t splitsoc_free_count(void) { return free_count; }

uint64_t splitsoc_alloc_bytes(void) { return allocated_bytes; }

bool splitsoc_alloc_is_interposed(void) {
    // Look malloc up the way a shared library (libswiftCore, libc itself) binds it: through the
    // global symbol scope. If that is not our definition, nothing the process allocates is counted.
    void *(*global_malloc)(size_t) = (void *(*)(size_t))dlsym(RTLD_DEFAULT, "malloc");
    return global_malloc == &malloc;
}
