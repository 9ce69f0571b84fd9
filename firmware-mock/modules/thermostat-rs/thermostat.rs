//! thermostat-rs: the PI thermostat of `thermostat/thermostat.c` (v1.0 gains) in Rust, on the
//! `splitsoc` SDK crate. Same arithmetic in the same order on `f32`, so it emits the same commands
//! as the C module (a test compares them).
#![no_std]

use splitsoc::{channel, level, status, target};

const KP: f32 = 0.3;
const KI: f32 = 0.02;
const DUTY_MAX: f32 = 1000.0;
const DUTY_MIN: f32 = 0.0;
const VALID_TICKS: i32 = 0; // the board's default expiry

struct State {
    integral: f32,
    last_ns: i64,
    batches: i32,
}

static mut STATE: State = State { integral: 0.0, last_ns: -1, batches: 0 };

#[no_mangle]
pub extern "C" fn ssoc_init() -> i32 {
    // Single-threaded Wasm: the host calls one export at a time.
    unsafe { STATE = State { integral: 0.0, last_ns: -1, batches: 0 } };
    splitsoc::log(level::INFO, "thermostat ready");
    0
}

#[no_mangle]
pub extern "C" fn ssoc_on_batch(_count: i32) -> i32 {
    let state = unsafe { &mut STATE };
    state.batches += 1;
    // The rollback demo's faulty variant (thermostat-rs-panics.manifest: `defines = panic_after_20`).
    #[cfg(panic_after_20)]
    if state.batches > 20 {
        panic!("thermostat-rs: deliberate fault");
    }
    let temperature = match splitsoc::latest(channel::FILTERED_TEMPERATURE).or_else(|| splitsoc::latest(channel::TEMPERATURE)) {
        Some(sample) => sample,
        None => return 0, // nothing measured yet
    };
    let setpoint = match splitsoc::latest(channel::SETPOINT) {
        Some(sample) => sample,
        None => return 0,
    };
    if temperature.status == status::FAULT {
        splitsoc::emit_command(target::HEATER_DUTY, 0, VALID_TICKS); // fail safe: heater off
        return 0;
    }
    let now = splitsoc::now_ns();
    let dt = if state.last_ns < 0 { 0.0 } else { (now - state.last_ns) as f32 * 1e-9 };
    state.last_ns = now;

    let error = (setpoint.milli_value - temperature.milli_value) as f32; // milli-degC
    let proportional = KP * error;
    let candidate = state.integral + KI * error * dt;
    let output = proportional + candidate;
    // Anti-windup: integrate only while the output is not saturated in the error's direction.
    if !((output > DUTY_MAX && error > 0.0) || (output < DUTY_MIN && error < 0.0)) {
        state.integral = candidate;
    }
    state.integral = state.integral.max(-DUTY_MAX).min(DUTY_MAX);
    let output = (proportional + state.integral).max(DUTY_MIN).min(DUTY_MAX);

    let duty = (output + 0.5) as i32;
    splitsoc::emit_command(target::HEATER_DUTY, duty, VALID_TICKS);
    if state.batches & 15 == 0 {
        splitsoc::publish("heater_duty_permille", duty as i64);
    }
    0
}
