/* thermostat: PI temperature regulation with anti-windup (conditional integration + clamping).
 * Reads the filtered temperature (channel 16, else the raw channel 0) and the setpoint (channel 1),
 * emits the heater duty in permille as a command to target 1 once per batch, and publishes it.
 *
 * Variants (same source, FirmwareBuild passes -D from the manifest's `defines`):
 *   default            v1.0: Kp 0.3 permille/milli-degC, Ki 0.02 permille/(milli-degC*s)
 *   THERMOSTAT_V11     v1.1: stronger gains plus a feed-forward term from the setpoint
 *   THERMOSTAT_FAULTY  traps with `unreachable` after FAULT_AFTER batches (rollback demo)
 */
#include "splitsoc.h"

#ifdef THERMOSTAT_V11
#define KP 0.4f
#define KI 0.03f
#define FEED_FORWARD_PER_DEGC 8.0f /* permille per degC of setpoint above 20 degC */
#else
#define KP 0.3f
#define KI 0.02f
#define FEED_FORWARD_PER_DEGC 0.0f
#endif
#ifndef FAULT_AFTER
#define FAULT_AFTER 20
#endif
#define DUTY_MAX 1000.0f
#define DUTY_MIN 0.0f
#define VALID_TICKS 0 /* board default expiry */

static float integral; /* permille */
static int64_t last_ns;
static int32_t batches;

SSOC_EXPORT(ssoc_init) int32_t ssoc_init(void) {
    integral = 0.0f;
    last_ns = -1;
    batches = 0;
    SSOC_LOG(SSOC_LOG_INFO, "thermostat ready");
    return 0;
}

SSOC_EXPORT(ssoc_on_batch) int32_t ssoc_on_batch(int32_t count) {
    (void)count;
    batches++;
#ifdef THERMOSTAT_FAULTY
    if (batches > FAULT_AFTER) __builtin_trap();
#endif
    ssoc_sample temperature, setpoint;
    if (!ssoc_latest(SSOC_CH_FILTERED_TEMPERATURE, &temperature) &&
        !ssoc_latest(SSOC_CH_TEMPERATURE, &temperature)) {
        return 0; /* nothing measured yet */
    }
    if (!ssoc_latest(SSOC_CH_SETPOINT, &setpoint)) return 0;
    if (temperature.status == SSOC_STATUS_FAULT) {
        ssoc_emit_command(SSOC_TARGET_HEATER_DUTY, 0, VALID_TICKS); /* fail safe: heater off */
        return 0;
    }

    int64_t now = ssoc_now_ns();
    float dt = last_ns < 0 ? 0.0f : (float)(now - last_ns) * 1e-9f;
    last_ns = now;

    float error = (float)(setpoint.milli_value - temperature.milli_value); /* milli-degC */
    float feed_forward = FEED_FORWARD_PER_DEGC * ((float)setpoint.milli_value / 1000.0f - 20.0f);
    if (feed_forward < 0.0f) feed_forward = 0.0f;
    float proportional = KP * error;
    float candidate = integral + KI * error * dt;
    float output = proportional + candidate + feed_forward;
    /* Anti-windup: integrate only while the output is not saturated in the error's direction. */
    if (!((output > DUTY_MAX && error > 0.0f) || (output < DUTY_MIN && error < 0.0f))) integral = candidate;
    if (integral > DUTY_MAX) integral = DUTY_MAX;
    if (integral < -DUTY_MAX) integral = -DUTY_MAX;
    output = proportional + integral + feed_forward;
    if (output > DUTY_MAX) output = DUTY_MAX;
    if (output < DUTY_MIN) output = DUTY_MIN;

    int32_t duty = (int32_t)(output + 0.5f);
    ssoc_emit_command(SSOC_TARGET_HEATER_DUTY, duty, VALID_TICKS);
    if ((batches & 15) == 0) SSOC_PUBLISH("heater_duty_permille", duty);
    return 0;
}
