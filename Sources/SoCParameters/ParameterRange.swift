/// The allowed values of one numeric parameter a user can set, in a board file or on a command
/// line, with what it is and its unit, so that a refusal can say all of it in one line.
///
/// Board files and flags read the same `ParameterRange` (the table is `Parameter`), so the two
/// cannot drift apart: `splitsoc-rt --ambient` refuses exactly what `[plant] ambient_mC` refuses.
public struct ParameterRange<Bound: Comparable & Sendable>: Sendable {
    /// What the value is, as a phrase that reads before "must be" ("ambient temperature").
    public var what: String
    /// The allowed values (inclusive).
    public var bounds: ClosedRange<Bound>
    /// The unit, as written after the numbers ("milli-°C", "ms").
    public var unit: String
    /// Where the same limit comes from or also applies, as a parenthetical ("as in the board file's
    /// [plant] ambient_mC"); nil when the parameter exists only on the command line.
    public var origin: String?

    /// A range.
    /// - Parameters:
    ///   - what: what the value is ("ambient temperature").
    ///   - bounds: the allowed values, inclusive.
    ///   - unit: the unit written after the numbers.
    ///   - origin: where the limit comes from, or nil.
    public init(_ what: String, _ bounds: ClosedRange<Bound>, _ unit: String, origin: String? = nil) {
        self.what = what
        self.bounds = bounds
        self.unit = unit
        self.origin = origin
    }

    /// The refusal of `value` given as `name` (a flag such as `--ambient`, or a file's key), or nil
    /// when `value` is allowed: `--ambient 2000000000 is out of range: ambient temperature must be
    /// -50000...100000 milli-°C (as in the board file's [plant] ambient_mC)`.
    public func refusal(of value: Bound, as name: String) -> String? {
        bounds.contains(value) ? nil : refusal(ofText: Self.text(value), as: name)
    }

    /// The refusal of a value that is out of range whatever it is (it does not even fit the
    /// parameter's type), written as the user wrote it.
    public func refusal(ofText value: String, as name: String) -> String {
        "\(name) \(value) is out of range: \(requirement)"
    }

    /// `ambient temperature must be -50000...100000 milli-°C (as in the board file's [plant] ambient_mC)`.
    public var requirement: String {
        "\(what) must be \(span)" + (origin.map { " (\($0))" } ?? "")
    }

    /// The bounds and the unit, `-50000...100000 milli-°C`, for messages and `--help` texts.
    public var span: String {
        let range = "\(Self.text(bounds.lowerBound))...\(Self.text(bounds.upperBound))"
        return unit.isEmpty ? range : "\(range) \(unit)"
    }

    /// Whole numbers without a fraction (`6`, not `6.0`), so integer and real ranges read alike.
    static func text(_ value: Bound) -> String {
        let written = "\(value)"
        return written.hasSuffix(".0") ? String(written.dropLast(2)) : written
    }
}

extension ParameterRange where Bound: BinaryInteger {
    /// The refusal of `value` given as `name`, or nil when it is allowed; a value that `Bound`
    /// cannot hold is out of range too.
    public func refusal(of value: some BinaryInteger, as name: String) -> String? {
        guard let converted = Bound(exactly: value) else { return refusal(ofText: "\(value)", as: name) }
        return refusal(of: converted, as: name)
    }
}
