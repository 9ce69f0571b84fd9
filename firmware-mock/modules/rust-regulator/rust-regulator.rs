//! rust-regulator: the PI heater regulator in Rust, against the `splitsoc` SDK crate
//! (firmware-mock/sdk/rust), built with Debian's rustc for wasm32-unknown-unknown.
#![no_std]

use splitsoc::{CH_FILTERED_TEMPERATURE, CH_SETPOINT, CH_TEMPERATURE, STATUS_FAULT, TARGET_HEATER_DUTY};

const KP: f32 = 0.3;
const KI: f32 = 0.02;

static mut INTEGRAL: f32 = 0.0;
static mut LAST_NS: i64 = -1;
static mut BATCHES: u32 = 0;

#[no_mangle]
pub extern "C" fn ssoc_init() -> i32 {
    unsafe {
        INTEGRAL = 0.0;
        LAST_NS = -1;
        BATCHES = 0;
    }
    splitsoc::log(1, "rust-regulator ready");
    0
}

#[no_mangle]
pub extern "C" fn ssoc_on_batch(_count: i32) -> i32 {
    let temperature = match splitsoc::latest(CH_FILTERED_TEMPERATURE).or_else(|| splitsoc::latest(CH_TEMPERATURE)) {
        Some(sample) => sample,
        None => return 0,
    };
    let setpoint = match splitsoc::latest(CH_SETPOINT) {
        Some(sample) => sample,
        None => return 0,
    };
    if temperature.status == STATUS_FAULT {
        splitsoc::emit_command(TARGET_HEATER_DUTY, 0, 0);
        return 0;
    }
    let now = splitsoc::now_ns();
    let (integral, batches) = unsafe {
        let dt = if LAST_NS < 0 { 0.0 } else { (now - LAST_NS) as f32 * 1e-9 };
        LAST_NS = now;
        let error = (setpoint.milli_value - temperature.milli_value) as f32;
        INTEGRAL = (INTEGRAL + KI * error * dt).clamp(-1000.0, 1000.0);
        BATCHES += 1;
        (INTEGRAL, BATCHES)
    };
    let error = (setpoint.milli_value - temperature.milli_value) as f32;
    let duty = (KP * error + integral).clamp(0.0, 1000.0) as i32;
    splitsoc::emit_command(TARGET_HEATER_DUTY, duty, 0);
    if batches % 16 == 0 {
        splitsoc::publish("heater_duty_permille", duty as i64);
    }
    0
}
