/* wasi-regulator: a PI heater regulator written against wasi-libc, as a team's usual C toolchain
 * would build it (Debian clang-14 + wasi-libc, a reactor): printf and snprintf for its log, malloc
 * for a history of errors, libm for the RMS and the smoothing, getentropy (WASI random_get) for a
 * small dither. Under the host's WASI subset all of it is deterministic: stdout goes to the
 * module's log, random_get is seeded by the run, and the clock is the grant's time.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>

#include "splitsoc.h"

#define HISTORY 64
#define KP 0.3f
#define KI 0.02f

static float *history; /* last HISTORY errors, milli-degC */
static int32_t filled, next, batches;
static float integral, smoothed;
static int64_t last_ns = -1;
static uint8_t dither[16];

SSOC_EXPORT(ssoc_init) int32_t ssoc_init(void) {
    history = calloc(HISTORY, sizeof *history);
    if (history == NULL) return 1;
    if (getentropy(dither, sizeof dither) != 0) return 2;
    printf("wasi-regulator ready, dither seed %02x%02x\n", dither[0], dither[1]);
    return 0;
}

static float rms_error(void) {
    float sum = 0.0f;
    for (int32_t i = 0; i < filled; i++) sum += history[i] * history[i];
    return filled ? sqrtf(sum / (float)filled) : 0.0f;
}

SSOC_EXPORT(ssoc_on_batch) int32_t ssoc_on_batch(int32_t count) {
    (void)count;
    ssoc_sample temperature, setpoint;
    if (!ssoc_latest(SSOC_CH_TEMPERATURE, &temperature) || !ssoc_latest(SSOC_CH_SETPOINT, &setpoint)) return 0;
    /* An exponential smoother whose factor comes from libm: 1 - e^(-1/4). */
    float alpha = 1.0f - expf(-0.25f);
    smoothed = last_ns < 0 ? (float)temperature.milli_value : smoothed + alpha * ((float)temperature.milli_value - smoothed);
    int64_t now = ssoc_now_ns();
    float dt = last_ns < 0 ? 0.0f : (float)(now - last_ns) * 1e-9f;
    last_ns = now;

    float error = (float)setpoint.milli_value - smoothed;
    history[next] = error;
    next = (next + 1) % HISTORY;
    if (filled < HISTORY) filled++;
    integral = fminf(fmaxf(integral + KI * error * dt, -1000.0f), 1000.0f);
    float output = fminf(fmaxf(KP * error + integral, 0.0f), 1000.0f);
    int32_t duty = (int32_t)lroundf(output) + (dither[batches % 16] & 1);
    ssoc_emit_command(SSOC_TARGET_HEATER_DUTY, duty > 1000 ? 1000 : duty, 0);

    if (batches++ % 500 == 0) {
        char line[96];
        snprintf(line, sizeof line, "duty %ld permille, rms error %.1f mC", (long)duty, (double)rms_error());
        printf("%s\n", line);
    }
    return 0;
}
