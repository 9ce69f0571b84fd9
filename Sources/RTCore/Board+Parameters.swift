import SoCParameters

extension BoardDescription {
    /// The operator setpoints this board accepts (`splitsoc-rt --setpoint`, `splitsoc demo
    /// --setpoint`): within the board's `[limits]` on a thermal board, where the command gate holds
    /// the application's overrides too; any speed the board file could set on a motor board
    /// (signed: either direction).
    public var operatorSetpointRange: ParameterRange<Int> {
        switch plant {
        case .thermal:
            return ParameterRange(
                "setpoint on board \(name)", setpointMinMilliC...setpointMaxMilliC, "milli-°C",
                origin: "the board file's [limits] setpoint_min_mC...setpoint_max_mC")
        case .motor:
            var range = Parameter.motorSpeedSetpoint
            range.what = "speed setpoint on board \(name)"
            return range
        }
    }
}
