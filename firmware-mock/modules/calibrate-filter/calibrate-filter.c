/* calibrate-filter: calibrates channel 0 (process temperature, milli-degC) with a gain/offset,
 * removes single-sample spikes with a median of 3, smooths with an EMA, and writes the estimate
 * for every input sample as derived channel 16 (SSOC_CH_FILTERED_TEMPERATURE).
 * Fixed-point throughout: the same numbers on every host. */
#include "splitsoc.h"

/* Calibration: value' = value * GAIN_NUM / GAIN_DEN + OFFSET (a board-independent trim). */
#define GAIN_NUM 1000
#define GAIN_DEN 1000
#define OFFSET_MILLI 0
/* EMA weight alpha = ALPHA_NUM / 256 of the new value. */
#define ALPHA_NUM 64
#define CHUNK 64

static ssoc_sample chunk[CHUNK];
static int32_t history[3];
static int32_t history_count;
static int64_t ema_scaled; /* estimate << 8 */
static int32_t have_estimate;

static int32_t median3(int32_t a, int32_t b, int32_t c) {
    if (a > b) { int32_t t = a; a = b; b = t; }
    if (b > c) { b = c; }
    return a > b ? a : b;
}

SSOC_EXPORT(ssoc_init) int32_t ssoc_init(void) {
    history_count = 0;
    have_estimate = 0;
    ema_scaled = 0;
    SSOC_LOG(SSOC_LOG_INFO, "calibrate-filter ready");
    return 0;
}

static void consume(int32_t raw) {
    int32_t calibrated = (int32_t)(((int64_t)raw * GAIN_NUM) / GAIN_DEN) + OFFSET_MILLI;
    history[0] = history[1];
    history[1] = history[2];
    history[2] = calibrated;
    if (history_count < 3) history_count++;
    int32_t despiked = history_count < 3 ? calibrated : median3(history[0], history[1], history[2]);
    if (!have_estimate) {
        ema_scaled = (int64_t)despiked << 8;
        have_estimate = 1;
    } else {
        ema_scaled += ((((int64_t)despiked) << 8) - ema_scaled) * ALPHA_NUM / 256;
    }
    ssoc_write_sample(SSOC_CH_FILTERED_TEMPERATURE, (int32_t)(ema_scaled >> 8));
}

SSOC_EXPORT(ssoc_on_batch) int32_t ssoc_on_batch(int32_t count) {
    for (int32_t first = 0; first < count; first += CHUNK) {
        int32_t n = ssoc_read_samples(first, chunk, CHUNK);
        for (int32_t i = 0; i < n; i++) {
            if (chunk[i].channel == SSOC_CH_TEMPERATURE && chunk[i].status == SSOC_STATUS_OK) {
                consume(chunk[i].milli_value);
            }
        }
    }
    return 0;
}
