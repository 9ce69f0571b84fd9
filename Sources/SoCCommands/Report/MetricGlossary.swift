/// What the numbers a new user sees mean, in one place for the terminal view and the report (the
/// studio's page says the same in its own notes).
package enum MetricGlossary {
    /// Fuel: the Wasm engine's budget per call.
    package static let fuel =
        "fuel: Wasm operators a module ran (≈ 1 per instruction); a module that exhausts its budget per batch traps"
    /// Dropped frames.
    package static let dropped =
        "dropped: frames the real-time core did not send (no session, or the peer's queue full): it never waits for the peer"
    /// Deadline misses.
    package static let deadlineMisses =
        "deadline misses: ticks whose work ended after the next tick was due (a busy machine shows some)"
    /// The fail-safe fallback controller and its hysteresis.
    package static let fallback =
        "fail-safe: the real-time core's own on-off heater control: on below the setpoint minus the board's "
        + "failsafe_hysteresis_mC (1 °C on the shipped thermo boards), off above the setpoint plus it, at a low duty, "
        + "never above its safe ceiling"

    /// Every entry, in the order shown.
    package static let all = [fuel, dropped, deadlineMisses, fallback]
}
