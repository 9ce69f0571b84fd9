/// An expectation that did not hold, with what a person needs to act on it.
public struct ExpectationFailure: Sendable, Equatable, CustomStringConvertible {
    public var expectation: Expectation
    /// What went wrong, with the time and the actual value ("at 15234 ms temp_mC was 24100").
    public var message: String
    /// The scenario time of the first violation, when there is one.
    public var atMilliseconds: Int?
    /// The offending value, when there is one.
    public var actual: String?

    public init(expectation: Expectation, message: String, atMilliseconds: Int? = nil, actual: String? = nil) {
        self.expectation = expectation
        self.message = message
        self.atMilliseconds = atMilliseconds
        self.actual = actual
    }

    public var description: String {
        let line = expectation.line > 0 ? " (line \(expectation.line))" : ""
        return "expected \(expectation.summary)\(line): \(message)"
    }
}

/// Checks expectations against observations. Pure: no I/O, no clock.
public enum ExpectationEvaluator {
    /// Every failed expectation, in the order given.
    public static func evaluate(_ expectations: [Expectation], against observations: ScenarioObservations)
        -> [ExpectationFailure]
    {
        expectations.compactMap { evaluate($0, against: observations) }
    }

    /// The failure of one expectation, or nil when it holds.
    public static func evaluate(_ expectation: Expectation, against o: ScenarioObservations) -> ExpectationFailure? {
        switch expectation.kind {
        case .counter(let name, let bounds):
            guard let value = o.counter(name) else {
                let known = o.counters.keys.sorted()
                let prefix = name.split(separator: ".").first.map(String.init) ?? ""
                let related = known.filter { $0.hasPrefix(prefix + ".") }.prefix(30)
                return ExpectationFailure(
                    expectation: expectation,
                    message: "this run reported no counter \(name); counters with that prefix: "
                        + (related.isEmpty ? "none" : related.joined(separator: ", ")))
            }
            if bounds.holds(value) { return nil }
            return ExpectationFailure(
                expectation: expectation, message: "\(name) was \(value) at the end of the run", actual: String(value))

        case .always(let signal, let condition, let window):
            let points = pointsInWindow(signal, window, o)
            guard !points.isEmpty else { return noData(expectation, signal, window, o) }
            let bad = points.filter { !condition.holds($0.value) }
            guard let first = bad.first else { return nil }
            var message = "at \(o.milliseconds(first.tick)) ms \(signal.name) was \(first.value)"
            if signal.isStep {
                if let recovered = points.first(where: { $0.tick > first.tick && condition.holds($0.value) }) {
                    message += " until \(o.milliseconds(recovered.tick)) ms"
                } else {
                    message += " and stayed so to the end of the window"
                }
            } else {
                message += " (\(bad.count) of \(points.count) observations in the window are outside"
                let numbers = bad.compactMap { point -> (Int, UInt64)? in
                    if case .number(let v) = point.value { return (v, point.tick) }
                    return nil
                }
                if let low = numbers.min(by: { $0.0 < $1.0 }), let high = numbers.max(by: { $0.0 < $1.0 }) {
                    message += "; lowest \(low.0) at \(o.milliseconds(low.1)) ms, highest \(high.0) at \(o.milliseconds(high.1)) ms"
                }
                message += ")"
            }
            return ExpectationFailure(
                expectation: expectation, message: message, atMilliseconds: o.milliseconds(first.tick),
                actual: first.value.description)

        case .never(let signal, let condition, let window):
            let points = pointsInWindow(signal, window, o)
            guard let first = points.first(where: { condition.holds($0.value) }) else { return nil }
            let count = points.filter { condition.holds($0.value) }.count
            return ExpectationFailure(
                expectation: expectation,
                message: "at \(o.milliseconds(first.tick)) ms \(signal.name) was \(first.value) "
                    + "(\(count) of \(points.count) observations in the window)",
                atMilliseconds: o.milliseconds(first.tick), actual: first.value.description)

        case .eventually(let signal, let condition, let window):
            let points = pointsInWindow(signal, window, o)
            guard !points.isEmpty else { return noData(expectation, signal, window, o) }
            if points.contains(where: { condition.holds($0.value) }) { return nil }
            var message = "it never happened \(window.summary)"
            let last = points[points.count - 1]
            let numbers = points.compactMap { point -> Int? in
                if case .number(let v) = point.value { return v }
                return nil
            }
            if let low = numbers.min(), let high = numbers.max() {
                message += "; \(signal.name) ranged over [\(low), \(high)]"
            } else {
                var names: [String] = []
                for point in points where !names.contains(point.value.description) { names.append(point.value.description) }
                message += "; \(signal.name) was " + names.joined(separator: ", then ")
            }
            message += ", last \(last.value) at \(o.milliseconds(last.tick)) ms"
            return ExpectationFailure(
                expectation: expectation, message: message, atMilliseconds: window.to, actual: last.value.description)
        }
    }

    /// The observations that matter for `window`: for a step signal the value in force at its
    /// start plus every change inside; for a sampled signal every sample inside.
    static func pointsInWindow(_ signal: ScenarioSignal, _ window: TimeWindow, _ o: ScenarioObservations)
        -> [SignalPoint]
    {
        let all = o.series[signal] ?? []
        let fromTick = o.tick(atMilliseconds: window.from)
        let toTick = window.to.map { UInt64(max($0, 0)) * UInt64(o.tickHz) / 1000 } ?? UInt64.max
        var points = all.filter { $0.tick >= fromTick && $0.tick <= toTick }
        if signal.isStep, let before = all.last(where: { $0.tick < fromTick }) {
            points.insert(SignalPoint(tick: fromTick, value: before.value), at: 0)
        }
        return points
    }

    static func noData(_ e: Expectation, _ signal: ScenarioSignal, _ window: TimeWindow, _ o: ScenarioObservations)
        -> ExpectationFailure
    {
        let total = o.series[signal]?.count ?? 0
        let end = o.milliseconds(o.endTick)
        return ExpectationFailure(
            expectation: e,
            message: "the trace has no \(signal.name) observation \(window.summary) "
                + "(\(total) in the whole run, which ended at \(end) ms)")
    }
}
