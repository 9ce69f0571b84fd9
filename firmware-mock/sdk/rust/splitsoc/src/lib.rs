//! Bindings to the SplitSoC module ABI, version 1 (`docs/module-abi.md`; the C header
//! `firmware-mock/sdk/splitsoc.h` is the same ABI). `#![no_std]`: a module is a `cdylib` for
//! `wasm32-unknown-unknown` that exports `ssoc_init` and `ssoc_on_batch` and imports only the
//! `ssoc` host functions of the capabilities its manifest declares.
//!
//! Every pointer passed to the host is an offset into the module's own linear memory; the host
//! bounds-checks each (pointer, length) and traps the call on a bad one. The safe wrappers below
//! only ever pass pointers to live Rust values.
#![no_std]

/// The ABI version these bindings implement (`SSOC_ABI_VERSION`).
pub const ABI_VERSION: i32 = 1;

/// Sample status, as on the wire (SPEC §3.6).
pub mod status {
    pub const OK: u8 = 0;
    pub const STALE: u8 = 1;
    pub const FAULT: u8 = 2;
}

/// Hardware and derived channels (docs/architecture.md).
pub mod channel {
    pub const TEMPERATURE: i32 = 0;
    pub const SETPOINT: i32 = 1;
    pub const HEATER_DUTY: i32 = 2;
    pub const MOTOR_SPEED: i32 = 3;
    pub const MOTOR_SETPOINT: i32 = 4;
    /// Derived channels written by modules start here.
    pub const DERIVED_FIRST: i32 = 16;
    pub const FILTERED_TEMPERATURE: i32 = 16;
    pub const ANOMALY_SCORE: i32 = 17;
}

/// Command targets (docs/architecture.md).
pub mod target {
    pub const HEATER_DUTY: i32 = 1;
    pub const SETPOINT: i32 = 2;
    pub const MOTOR_DUTY: i32 = 3;
}

/// Log levels.
pub mod level {
    pub const DEBUG: i32 = 0;
    pub const INFO: i32 = 1;
    pub const WARN: i32 = 2;
    pub const ERROR: i32 = 3;
}

/// One sample of the current batch, 16 bytes, as `read_samples` writes it (`ssoc_sample`).
#[repr(C)]
#[derive(Clone, Copy, Default, Debug, PartialEq)]
pub struct Sample {
    /// Tick × tick period: virtual time in virtual-clock mode.
    pub timestamp_ns: i64,
    /// Engineering value in milli-units.
    pub milli_value: i32,
    pub channel: u8,
    pub status: u8,
    pub reserved: u16,
}

const _: () = assert!(core::mem::size_of::<Sample>() == 16);

/// The raw host imports, by capability. Prefer the safe wrappers.
pub mod raw {
    use super::Sample;

    #[link(wasm_import_module = "ssoc")]
    extern "C" {
        // samples.read
        #[link_name = "sample_count"]
        pub fn ssoc_sample_count() -> i32;
        #[link_name = "read_samples"]
        pub fn ssoc_read_samples(first: i32, out: *mut Sample, max: i32) -> i32;
        #[link_name = "latest"]
        pub fn ssoc_latest(channel: i32, out: *mut Sample) -> i32;
        // samples.write
        #[link_name = "write_sample"]
        pub fn ssoc_write_sample(channel: i32, milli_value: i32) -> i32;
        // commands.emit
        #[link_name = "emit_command"]
        pub fn ssoc_emit_command(target: i32, milli_value: i32, valid_ticks: i32) -> i32;
        // telemetry.publish
        #[link_name = "publish"]
        pub fn ssoc_publish(key: *const u8, key_len: i32, value: i64) -> i32;
        // log
        #[link_name = "log"]
        pub fn ssoc_log(level: i32, message: *const u8, len: i32);
        // clock
        #[link_name = "now_ns"]
        pub fn ssoc_now_ns() -> i64;
        #[link_name = "tick"]
        pub fn ssoc_tick() -> i64;
    }
}

/// Samples in the current batch (hardware samples, then derived ones written so far).
pub fn sample_count() -> i32 {
    unsafe { raw::ssoc_sample_count() }
}

/// Copies samples of the batch from index `first` into `out`; returns how many.
pub fn read_samples(first: i32, out: &mut [Sample]) -> usize {
    let max = out.len().min(i32::MAX as usize) as i32;
    let count = unsafe { raw::ssoc_read_samples(first, out.as_mut_ptr(), max) };
    count.max(0) as usize
}

/// The newest sample of `channel` in this batch or any earlier one.
pub fn latest(channel: i32) -> Option<Sample> {
    let mut sample = Sample::default();
    if unsafe { raw::ssoc_latest(channel, &mut sample) } == 1 {
        Some(sample)
    } else {
        None
    }
}

/// Appends a derived sample (channel ≥ `channel::DERIVED_FIRST`); false when refused.
pub fn write_sample(channel: i32, milli_value: i32) -> bool {
    unsafe { raw::ssoc_write_sample(channel, milli_value) == 0 }
}

/// Queues a command for the real-time core (`valid_ticks` 0: the board's default expiry).
/// Returns false when the per-batch command budget is used up.
pub fn emit_command(target: i32, milli_value: i32, valid_ticks: i32) -> bool {
    unsafe { raw::ssoc_emit_command(target, milli_value, valid_ticks) == 0 }
}

/// Publishes one named value (key: UTF-8, at most 32 bytes); false when over budget.
pub fn publish(key: &str, value: i64) -> bool {
    unsafe { raw::ssoc_publish(key.as_ptr(), key.len() as i32, value) == 0 }
}

/// Logs a UTF-8 message (the host truncates it to 120 bytes and rate-limits it per batch).
pub fn log(level: i32, message: &str) {
    unsafe { raw::ssoc_log(level, message.as_ptr(), message.len() as i32) }
}

/// Time of the grant being processed (virtual time in virtual mode; never the wall clock).
pub fn now_ns() -> i64 {
    unsafe { raw::ssoc_now_ns() }
}

/// The tick the grant covers through (exclusive).
pub fn tick() -> i64 {
    unsafe { raw::ssoc_tick() }
}

/// A panic is a fault of the module: `unreachable` traps the call, the host contains it.
#[cfg(target_arch = "wasm32")]
#[panic_handler]
fn panic(_: &core::panic::PanicInfo) -> ! {
    core::arch::wasm32::unreachable()
}
