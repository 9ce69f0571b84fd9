//! splitsoc: Rust bindings to the SplitSoC module ABI v1 (`docs/module-abi.md` is normative; the C
//! view is `firmware-mock/sdk/splitsoc.h`; a test checks the three against the host's catalogue).
//!
//! Build a module with Debian's rustc and `libstd-rust-dev-wasm32` (FirmwareBuild `toolchain = rust`):
//! `rustc --target wasm32-unknown-unknown --crate-type cdylib -C lto -C strip=symbols --extern splitsoc=…`.
//! Export `ssoc_init` and `ssoc_on_batch` with `#[no_mangle] pub extern "C"`.
#![no_std]

/// One sample of the current batch, 16 bytes, as `read_samples` and `latest` write it.
#[repr(C)]
#[derive(Clone, Copy, Default)]
pub struct Sample {
    pub timestamp_ns: i64,
    pub milli_value: i32,
    pub channel: u8,
    pub status: u8,
    pub reserved: u16,
}

pub const STATUS_OK: u8 = 0;
pub const STATUS_FAULT: u8 = 2;
pub const CH_TEMPERATURE: i32 = 0;
pub const CH_SETPOINT: i32 = 1;
pub const CH_FILTERED_TEMPERATURE: i32 = 16;
pub const TARGET_HEATER_DUTY: i32 = 1;

/// The raw imports of the `ssoc` module (one per host function; signatures as in the ABI table).
pub mod raw {
    #[link(wasm_import_module = "ssoc")]
    extern "C" {
        pub fn sample_count() -> i32;
        pub fn read_samples(first: i32, out: *mut super::Sample, max: i32) -> i32;
        pub fn latest(channel: i32, out: *mut super::Sample) -> i32;
        pub fn write_sample(channel: i32, milli_value: i32) -> i32;
        pub fn emit_command(target: i32, milli_value: i32, valid_ticks: i32) -> i32;
        pub fn publish(key: *const u8, key_len: i32, value: i64) -> i32;
        pub fn log(level: i32, message: *const u8, len: i32);
        pub fn now_ns() -> i64;
        pub fn tick() -> i64;
    }
}

/// The newest sample of `channel` (this batch or an earlier one).
pub fn latest(channel: i32) -> Option<Sample> {
    let mut sample = Sample::default();
    if unsafe { raw::latest(channel, &mut sample) } == 1 { Some(sample) } else { None }
}

/// Queues a command; false when the host refused it (range or quota).
pub fn emit_command(target: i32, milli_value: i32, valid_ticks: i32) -> bool {
    unsafe { raw::emit_command(target, milli_value, valid_ticks) == 0 }
}

/// Publishes a named telemetry value; false over the quota.
pub fn publish(key: &str, value: i64) -> bool {
    unsafe { raw::publish(key.as_ptr(), key.len() as i32, value) == 0 }
}

/// Writes a log line (0 debug … 3 error).
pub fn log(level: i32, message: &str) {
    unsafe { raw::log(level, message.as_ptr(), message.len() as i32) }
}

/// The grant's time (virtual time in virtual-clock mode), never the wall clock.
pub fn now_ns() -> i64 {
    unsafe { raw::now_ns() }
}

/// A panic traps the call (the host reports it and restarts the module).
#[panic_handler]
fn panic(_: &core::panic::PanicInfo) -> ! {
    core::arch::wasm32::unreachable()
}
