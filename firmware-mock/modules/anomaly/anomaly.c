/* anomaly: scores how anomalous the process temperature looks with a small neural network
 * (an MLP 8 -> 8 (ReLU) -> 1 (sigmoid)) over a window of the last 8 residuals
 * raw temperature (channel 0) minus filtered estimate (channel 16, from calibrate-filter), in degC.
 * Writes the score in permille as derived channel 17 once per batch and publishes it as telemetry
 * ("anomaly_score_permille") while it is over THRESHOLD_PERMILLE.
 * The weights are constants of the module: hidden units 0..3 fire on a positive mean residual over
 * a pair of window slots above 0.5 degC, units 4..7 on a negative one; the output rises steeply
 * with their sum. */
#include "splitsoc.h"

#define WINDOW 8
#define HIDDEN 8
#define CHUNK 64
#define MAX_PAIRS 256
#define THRESHOLD_PERMILLE 500

static const float W1[HIDDEN][WINDOW] = {
    { 0.5f, 0.5f, 0, 0, 0, 0, 0, 0 },
    { 0, 0, 0.5f, 0.5f, 0, 0, 0, 0 },
    { 0, 0, 0, 0, 0.5f, 0.5f, 0, 0 },
    { 0, 0, 0, 0, 0, 0, 0.5f, 0.5f },
    { -0.5f, -0.5f, 0, 0, 0, 0, 0, 0 },
    { 0, 0, -0.5f, -0.5f, 0, 0, 0, 0 },
    { 0, 0, 0, 0, -0.5f, -0.5f, 0, 0 },
    { 0, 0, 0, 0, 0, 0, -0.5f, -0.5f },
};
static const float B1[HIDDEN] = { -0.5f, -0.5f, -0.5f, -0.5f, -0.5f, -0.5f, -0.5f, -0.5f };
static const float W2[HIDDEN] = { 3.0f, 3.0f, 3.0f, 3.0f, 3.0f, 3.0f, 3.0f, 3.0f };
static const float B2 = -1.5f;

static float window[WINDOW]; /* newest last */
static ssoc_sample chunk[CHUNK];
static int32_t raw[MAX_PAIRS];
static int32_t filtered[MAX_PAIRS];

/* exp(x) for the sigmoid without libm: range reduction by 2^k and a degree-6 polynomial. */
static float exp_approx(float x) {
    if (x > 80.0f) x = 80.0f;
    if (x < -80.0f) x = -80.0f;
    int32_t k = (int32_t)(x * 1.44269504f + (x >= 0 ? 0.5f : -0.5f));
    float r = x - (float)k * 0.69314718f;
    float p = 1.0f + r * (1.0f + r * (0.5f + r * (1.0f / 6 + r * (1.0f / 24 + r * (1.0f / 120 + r / 720)))));
    union { float f; int32_t i; } scale;
    scale.i = (k + 127) << 23;
    return p * scale.f;
}

static float score_window(void) {
    float out = B2;
    for (int32_t j = 0; j < HIDDEN; j++) {
        float h = B1[j];
        for (int32_t i = 0; i < WINDOW; i++) h += W1[j][i] * window[i];
        if (h > 0.0f) out += W2[j] * h;
    }
    return 1.0f / (1.0f + exp_approx(-out));
}

SSOC_EXPORT(ssoc_init) int32_t ssoc_init(void) {
    for (int32_t i = 0; i < WINDOW; i++) window[i] = 0.0f;
    SSOC_LOG(SSOC_LOG_INFO, "anomaly ready");
    return 0;
}

SSOC_EXPORT(ssoc_on_batch) int32_t ssoc_on_batch(int32_t count) {
    int32_t raw_count = 0, filtered_count = 0;
    for (int32_t first = 0; first < count; first += CHUNK) {
        int32_t n = ssoc_read_samples(first, chunk, CHUNK);
        for (int32_t i = 0; i < n; i++) {
            if (chunk[i].channel == SSOC_CH_TEMPERATURE && chunk[i].status == SSOC_STATUS_OK) {
                if (raw_count < MAX_PAIRS) raw[raw_count++] = chunk[i].milli_value;
            } else if (chunk[i].channel == SSOC_CH_FILTERED_TEMPERATURE) {
                if (filtered_count < MAX_PAIRS) filtered[filtered_count++] = chunk[i].milli_value;
            }
        }
    }
    int32_t pairs = raw_count < filtered_count ? raw_count : filtered_count;
    if (pairs == 0) return 0;
    for (int32_t p = 0; p < pairs; p++) {
        for (int32_t i = 0; i < WINDOW - 1; i++) window[i] = window[i + 1];
        window[WINDOW - 1] = (float)(raw[p] - filtered[p]) / 1000.0f;
    }
    int32_t score = (int32_t)(score_window() * 1000.0f + 0.5f);
    ssoc_write_sample(SSOC_CH_ANOMALY_SCORE, score);
    if (score > THRESHOLD_PERMILLE) SSOC_PUBLISH("anomaly_score_permille", score);
    return 0;
}
