import Foundation

/// Control-quality metrics of a setpoint step, computed from a `splitsoc-rt` trace
/// (docs/trace-format.md): `TICK sample ch=0 … value=V` is the measured temperature and
/// `TICK sample ch=1 … value=V` the setpoint, both in milli-°C.
struct ControlQuality: Codable, Sendable, Hashable {
    /// Largest excursion past the setpoint, as a percentage of the step size.
    var overshootPercent: Double
    /// Seconds from the start until the temperature stays within the band for good; nil when
    /// it never settles within the run.
    var settlingSeconds: Double?
    /// Integrated absolute error, °C·s.
    var integratedAbsoluteError: Double
    /// Temperature and setpoint at the first sample (milli-°C).
    var initialMilliC: Int
    var setpointMilliC: Int
    var ticks: Int
    /// Commands the real-time core accepted (how often the actuator was driven).
    var commandsAccepted: Int
    /// Mean ticks between accepted commands (one per quantum in lockstep: the actuator update
    /// period; the sensor-to-actuator latency is then 1…Q ticks).
    var meanCommandIntervalTicks: Double?

    /// Parses a trace text and computes the metrics.
    /// - Parameters:
    ///   - tickSeconds: the tick period (the trace header's `tick_hz`, else this value).
    ///   - bandMilliC: half-width of the settling band.
    /// - Returns: nil when the trace holds no temperature samples.
    static func compute(trace: String, tickSeconds fallbackTick: Double, bandMilliC: Int) -> ControlQuality? {
        var temperature: [(tick: Int, value: Int)] = []
        var setpoint: Int?
        var setpointAt: [(tick: Int, value: Int)] = []
        var accepted: [Int] = []
        var tickSeconds = fallbackTick
        for line in trace.split(separator: "\n") {
            if line.hasPrefix("#") {
                if let range = line.range(of: "tick_hz="),
                    let hz = Double(line[range.upperBound...].prefix { $0.isNumber || $0 == "." }), hz > 0
                {
                    tickSeconds = 1 / hz
                }
                continue
            }
            let fields = line.split(separator: " ")
            guard fields.count >= 2, let tick = Int(fields[0]) else { continue }
            func field(_ name: String) -> Int? {
                fields.first { $0.hasPrefix(name + "=") }.flatMap { Int($0.dropFirst(name.count + 1)) }
            }
            switch fields[1] {
            case "sample":
                guard let channel = field("ch"), let value = field("value") else { continue }
                if channel == 0 { temperature.append((tick, value)) }
                if channel == 1 {
                    if setpoint != value { setpointAt.append((tick, value)) }
                    setpoint = value
                }
            case "cmd-accept":
                accepted.append(tick)
            default:
                continue
            }
        }
        guard let first = temperature.first, let target = setpointAt.last?.value ?? setpoint else { return nil }
        let step = Double(target - first.value)
        var peakPast = 0.0
        var iae = 0.0
        var lastOutside: Int?
        for (index, point) in temperature.enumerated() {
            let error = Double(target - point.value)
            // Past the setpoint in the step's direction.
            let past = step >= 0 ? -error : error
            peakPast = max(peakPast, past)
            let dt = index + 1 < temperature.count ? Double(temperature[index + 1].tick - point.tick) * tickSeconds : tickSeconds
            iae += abs(error) / 1000 * dt
            if abs(target - point.value) > bandMilliC { lastOutside = point.tick }
        }
        let lastTick = temperature.last!.tick
        let settling: Double? =
            lastOutside == nil ? 0 : (lastOutside! >= lastTick ? nil : Double(lastOutside! + 1 - first.tick) * tickSeconds)
        // Ticks between successive accepted commands: Q in lockstep (one command per quantum).
        let distinct = accepted.reduce(into: [Int]()) { if $0.last != $1 { $0.append($1) } }
        let interval: Double? =
            distinct.count < 2 ? nil : Double(distinct.last! - distinct.first!) / Double(distinct.count - 1)
        return ControlQuality(
            overshootPercent: step == 0 ? 0 : (peakPast / abs(step) * 100).benchRounded(toPlaces: 2),
            settlingSeconds: settling.map { $0.benchRounded(toPlaces: 3) },
            integratedAbsoluteError: iae.benchRounded(toPlaces: 3), initialMilliC: first.value, setpointMilliC: target,
            ticks: lastTick - first.tick + 1, commandsAccepted: accepted.count,
            meanCommandIntervalTicks: interval.map { $0.benchRounded(toPlaces: 2) })
    }
}
