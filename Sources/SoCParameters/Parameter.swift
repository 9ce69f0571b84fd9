/// The range of every numeric parameter of SplitSoC that a user sets: the board-file keys that a
/// flag also sets, then each executable's flags. Board+Parsing and the three command lines read
/// them from here, so a flag refuses exactly what the board file refuses (issue 10, item 8).
///
/// Bounds that are not a board file's are chosen to refuse what would crash or misbehave (a zero
/// quantum, a deadline that overflows nanoseconds, an infinite duration) while keeping every
/// sensible value; docs/process-interfaces.md lists them.
public enum Parameter {
    // MARK: Board file keys that flags and stimuli also set

    /// `[plant] ambient_mC`; `splitsoc-rt --ambient`; the `ambient` stimulus.
    public static let ambientTemperature = ParameterRange(
        "ambient temperature", -50_000...100_000, "milli-°C", origin: "as in the board file's [plant] ambient_mC")
    /// `[limits] setpoint_min_mC`, `setpoint_max_mC`, `default_setpoint_mC`. An operator setpoint
    /// must lie within the board's own limits (`BoardDescription.operatorSetpointRange`).
    public static let temperatureSetpointLimit = ParameterRange(
        "temperature setpoint limit", -50_000...200_000, "milli-°C")
    /// `[plant] speed_setpoint_mrad_s`; `splitsoc-rt --setpoint` on a motor board (signed: either direction).
    public static let motorSpeedSetpoint = ParameterRange(
        "motor speed setpoint", -10_000_000...10_000_000, "milli-rad/s",
        origin: "as in the board file's [plant] speed_setpoint_mrad_s")
    /// `[i2c] nack_permille`; the `i2c-nack` stimulus.
    public static let i2cNack = ParameterRange(
        "I2C NACK rate", 0...1000, "‰", origin: "as in the board file's [i2c] nack_permille")

    // MARK: splitsoc-rt

    /// `--quantum`, `splitsoc scenario replay --quantum`: ticks per grant of the virtual clock.
    public static let quantum = ParameterRange("quantum of the virtual clock", 1...10_000, "ticks")
    /// `splitsoc-rt --duration`, `splitsoc monitor --duration`: positive and finite (a year at most).
    public static let duration = ParameterRange("duration", 0.001...31_536_000, "s")
    /// `--ticks`.
    public static let ticks = ParameterRange("tick count", 1...UInt64.max, "ticks")
    /// `--heartbeat-ms` (the wire carries 16 bits; a heartbeat rarer than 30 s cannot keep a link).
    public static let heartbeatInterval = ParameterRange("heartbeat interval", 1...30_000, "ms")
    /// `--liveness-ms` (16 bits on the wire; it must also exceed the heartbeat interval).
    public static let livenessTimeout = ParameterRange("liveness timeout", 2...65_535, "ms")
    /// `--ack-timeout-ms`: 0 would declare the peer lost before it could answer.
    public static let ackTimeout = ParameterRange("TickAck timeout", 1...3_600_000, "ms")
    /// `--rt-priority`: the SCHED_FIFO priorities of Linux.
    public static let realTimePriority = ParameterRange("SCHED_FIFO priority", 1...99, "")
    /// `--cpu`: a CPU number below glibc's CPU_SETSIZE.
    public static let cpu = ParameterRange("CPU number", 0...1023, "")

    // MARK: splitsoc-app

    /// `--fuel`: fuel per batch call (≈ Wasm operators); 0 would trap every call.
    public static let fuel = ParameterRange("fuel per batch call", 1...1_000_000_000_000, "units")
    /// `--memory-pages`: a Wasm 32-bit memory has at most 65536 pages of 64 KiB.
    public static let memoryPages = ParameterRange("memory cap", 1...65_536, "pages of 64 KiB")
    /// `--deadline-ms`: per batch call; more than a minute only hides a stuck module.
    public static let batchDeadline = ParameterRange("batch deadline", 1...60_000, "ms")
    /// `--probation-batches`: 0 drops the old version at once.
    public static let probationBatches = ParameterRange("probation", 0...1_000_000, "batches")
    /// `splitsoc-app bench --iterations`.
    public static let benchIterations = ParameterRange("iteration count", 1...10_000_000, "iterations")
    /// `splitsoc-app bench --samples`, `splitsoc bench burn --batch`: batches hold samples in
    /// pairs (a tick's reading and its setpoint).
    public static let benchSamples = ParameterRange("batch size", 2...65_536, "samples")

    // MARK: splitsoc

    /// `splitsoc app … --timeout-ms`: a negative ZeroMQ timeout would wait forever.
    public static let replyTimeout = ParameterRange("reply timeout", 1...3_600_000, "ms")
    /// `splitsoc demo --duration`: the story's five phases need 6 s.
    public static let demoDuration = ParameterRange("demo duration", 6.0...3600, "s")
    /// `splitsoc ping --count`.
    public static let pingCount = ParameterRange("round-trip count", 1...100_000_000, "round trips")
    /// `splitsoc ping --warmup`.
    public static let pingWarmup = ParameterRange("warm-up", 0...100_000_000, "round trips")
    /// `splitsoc ping --payload`, `splitsoc bench peer --reply-size`: 1 MiB, far above any frame.
    public static let messageSize = ParameterRange("message size", 1...1_048_576, "bytes")
    /// `splitsoc ping --rate`.
    public static let pingRate = ParameterRange("rate", 0.01...1_000_000, "round trips per second")
    /// `splitsoc bench peer --batch`: messages per reply.
    public static let peerBatch = ParameterRange("batch", 1...1_000_000, "messages")
    /// `splitsoc conformance --timeout-scale`: multiplies the kit's waits and upper timing tolerances.
    public static let timeoutScale = ParameterRange("timeout scale", 0.1...100, "×")
}
