/* native-harness.c: the host functions of splitsoc.h implemented natively, plus a timing loop,
 * so a module's C source can be compiled for the host CPU and timed on the same 256-sample batch
 * as under WasmKit (the baseline of `splitsoc-app bench`). Not used by the application core.
 *
 *   clang -O2 -I firmware-mock/sdk native-harness.c MODULE.c -o bench && ./bench ITERATIONS
 * prints: native_batch_ns_p50=N native_batch_ns_min=N checksum=N
 */
#define _POSIX_C_SOURCE 199309L
#include "splitsoc.h"
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

int32_t ssoc_init(void);
int32_t ssoc_on_batch(int32_t count);

#define CAPACITY 1024
#define BATCH 256
static ssoc_sample batch[CAPACITY];
static int32_t batch_count;
static ssoc_sample latest_by_channel[256];
static int32_t has_latest[256];
static int64_t now;
static int64_t checksum;

int32_t ssoc_sample_count(void) { return batch_count; }
int32_t ssoc_read_samples(int32_t first, ssoc_sample *out, int32_t max) {
    if (first < 0 || max <= 0 || first >= batch_count) return 0;
    int32_t n = batch_count - first < max ? batch_count - first : max;
    memcpy(out, &batch[first], (size_t)n * sizeof(ssoc_sample));
    return n;
}
int32_t ssoc_latest(int32_t channel, ssoc_sample *out) {
    if (channel < 0 || channel > 255) return 0;
    for (int32_t i = batch_count - 1; i >= 0; i--) {
        if (batch[i].channel == channel) { *out = batch[i]; return 1; }
    }
    if (!has_latest[channel]) return 0;
    *out = latest_by_channel[channel];
    return 1;
}
int32_t ssoc_write_sample(int32_t channel, int32_t milli_value) {
    if (channel < 16 || channel > 255 || batch_count >= CAPACITY) return -1;
    batch[batch_count++] = (ssoc_sample){ now, milli_value, (uint8_t)channel, 0, 0 };
    return 0;
}
int32_t ssoc_emit_command(int32_t target, int32_t milli_value, int32_t valid_ticks) {
    checksum += target * 31 + milli_value + valid_ticks;
    return 0;
}
int32_t ssoc_publish(const char *key, int32_t key_len, int64_t value) { checksum += key_len + value; (void)key; return 0; }
void ssoc_log(int32_t level, const char *message, int32_t len) { (void)level; (void)message; (void)len; }
int64_t ssoc_now_ns(void) { return now; }
int64_t ssoc_tick(void) { return now / 1000000; }

/* The same batch the Swift benchmark feeds: 128 ticks of (temperature on channel 0, a filtered
 * temperature on channel 16), so every sample module has work; the setpoint (channel 1) comes from
 * an earlier batch through `latest`. */
static void fill(int64_t round) {
    batch_count = 0;
    for (int32_t i = 0; i < BATCH / 2; i++) {
        int64_t tick = round * (BATCH / 2) + i;
        int32_t temperature = 20000 + (int32_t)((tick * 37) % 900);
        batch[batch_count++] = (ssoc_sample){ tick * 1000000, temperature, 0, 0, 0 };
        batch[batch_count++] = (ssoc_sample){ tick * 1000000, 20450, 16, 0, 0 };
    }
    now = (round + 1) * (BATCH / 2) * 1000000;
}

static int64_t nanos(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

static int compare(const void *a, const void *b) {
    int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;
    return x < y ? -1 : x > y;
}

int main(int argc, char **argv) {
    int64_t iterations = argc > 1 ? atoll(argv[1]) : 2000;
    if (iterations < 1) iterations = 1;
    int64_t *times = malloc((size_t)iterations * sizeof(int64_t));
    latest_by_channel[1] = (ssoc_sample){ 0, 22000, 1, 0, 0 };
    has_latest[1] = 1;
    ssoc_init();
    for (int64_t r = 0; r < iterations; r++) {
        fill(r);
        int64_t start = nanos();
        ssoc_on_batch(batch_count);
        times[r] = nanos() - start;
        for (int32_t i = 0; i < batch_count; i++) {
            latest_by_channel[batch[i].channel] = batch[i];
            has_latest[batch[i].channel] = 1;
            checksum += batch[i].milli_value;
        }
    }
    qsort(times, (size_t)iterations, sizeof(int64_t), compare);
    printf("native_batch_ns_p50=%lld native_batch_ns_min=%lld checksum=%lld\n",
           (long long)times[iterations / 2], (long long)times[0], (long long)checksum);
    free(times);
    return 0;
}
