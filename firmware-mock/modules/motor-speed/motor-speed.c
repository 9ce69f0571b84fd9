/* motor-speed: PI speed regulation of the motor-1k board (the studio's and the demo's module on a
 * motor board). Reads the measured speed (channel 3) and the speed setpoint (channel 4), emits a
 * signed duty in permille to target 3 once per batch, and publishes it.
 *
 * Variants (FirmwareBuild passes -D from the manifest's `defines`):
 *   default          v1.0: Kp 0.004 permille/(milli-rad/s), Ki 0.02 permille/(milli-rad/s * s)
 *   MOTOR_V11        v1.1: stronger proportional gain
 *   MOTOR_FAULTY     traps with `unreachable` after FAULT_AFTER batches (rollback demo)
 */
#include "splitsoc.h"

#ifdef MOTOR_V11
#define KP 0.006f
#else
#define KP 0.004f
#endif
#define KI 0.02f
#ifndef FAULT_AFTER
#define FAULT_AFTER 20
#endif
#define DUTY_LIMIT 1000.0f
#define VALID_TICKS 0 /* board default expiry */

static float integral; /* permille */
static int64_t last_ns;
static int32_t batches;

SSOC_EXPORT(ssoc_init) int32_t ssoc_init(void) {
    integral = 0.0f;
    last_ns = -1;
    batches = 0;
    SSOC_LOG(SSOC_LOG_INFO, "motor-speed ready");
    return 0;
}

static float clamp(float value) {
    return value > DUTY_LIMIT ? DUTY_LIMIT : value < -DUTY_LIMIT ? -DUTY_LIMIT : value;
}

SSOC_EXPORT(ssoc_on_batch) int32_t ssoc_on_batch(int32_t count) {
    (void)count;
    batches++;
#ifdef MOTOR_FAULTY
    if (batches > FAULT_AFTER) __builtin_trap();
#endif
    ssoc_sample speed, setpoint;
    if (!ssoc_latest(SSOC_CH_MOTOR_SPEED, &speed) || !ssoc_latest(SSOC_CH_MOTOR_SETPOINT, &setpoint)) return 0;
    if (speed.status == SSOC_STATUS_FAULT) {
        ssoc_emit_command(SSOC_TARGET_MOTOR_DUTY, 0, VALID_TICKS); /* no reading: coast */
        return 0;
    }
    int64_t now = ssoc_now_ns();
    float dt = last_ns < 0 ? 0.0f : (float)(now - last_ns) * 1e-9f;
    last_ns = now;

    float error = (float)(setpoint.milli_value - speed.milli_value); /* milli-rad/s */
    float proportional = KP * error;
    float candidate = clamp(integral + KI * error * dt);
    /* Anti-windup: integrate only while the output is not saturated in the error's direction. */
    float unclamped = proportional + candidate;
    if (!((unclamped > DUTY_LIMIT && error > 0.0f) || (unclamped < -DUTY_LIMIT && error < 0.0f))) integral = candidate;
    int32_t duty = (int32_t)clamp(proportional + integral);
    ssoc_emit_command(SSOC_TARGET_MOTOR_DUTY, duty, VALID_TICKS);
    if ((batches & 15) == 0) SSOC_PUBLISH("motor_duty_permille", duty);
    return 0;
}
