#define _GNU_SOURCE
#include "CSystemShims.h"
#include <errno.h>
#include <stdint.h>
#include <pthread.h>
#include <sched.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <unistd.h>
#include <sys/syscall.h>
#include <sys/eventfd.h>

int splitsoc_set_timer_slack(unsigned long nanoseconds) {
    return prctl(PR_SET_TIMERSLACK, nanoseconds, 0, 0, 0) == 0 ? 0 : errno;
}

long splitsoc_get_timer_slack(void) {
    return prctl(PR_GET_TIMERSLACK, 0, 0, 0, 0);
}

int splitsoc_pin_current_thread(int cpu) {
    if (cpu < 0 || cpu >= CPU_SETSIZE) return EINVAL;
    cpu_set_t set;
    CPU_ZERO(&set);
    CPU_SET(cpu, &set);
    return pthread_setaffinity_np(pthread_self(), sizeof(set), &set);
}

int splitsoc_set_fifo_priority(int priority) {
    struct sched_param param = {0};
    param.sched_priority = priority;
    return pthread_setschedparam(pthread_self(), SCHED_FIFO, &param);
}

int splitsoc_current_policy(void) {
    int policy = -1;
    struct sched_param param;
    if (pthread_getschedparam(pthread_self(), &policy, &param) != 0) return -1;
    return policy;
}

int splitsoc_lock_memory(void) {
    return mlockall(MCL_CURRENT | MCL_FUTURE) == 0 ? 0 : errno;
}

int splitsoc_cpu_count(void) {
    return (int)sysconf(_SC_NPROCESSORS_ONLN);
}

int splitsoc_thread_id(void) {
    return (int)syscall(SYS_gettid);
}

int splitsoc_eventfd_create(void) {
    return eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
}

void splitsoc_eventfd_signal(int fd) {
    uint64_t one = 1;
    ssize_t ignored = write(fd, &one, sizeof(one));
    (void)ignored;
}

unsigned long long splitsoc_eventfd_drain(int fd) {
    uint64_t value = 0;
    if (read(fd, &value, sizeof(value)) != sizeof(value)) return 0;
    return value;
}
