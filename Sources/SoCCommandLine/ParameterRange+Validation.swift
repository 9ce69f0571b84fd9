import ArgumentParser
import SoCParameters

extension ParameterRange {
    /// Refuses `value`, given with `flag`, when it is out of range: a `ValidationError`, so the
    /// executable prints the one-line reason and exits with ArgumentParser's usage code (64).
    /// - Throws: `ValidationError` naming the flag, the value and the range with its unit.
    public func validate(_ value: Bound?, flag: String) throws(ValidationError) {
        if let value, let refusal = refusal(of: value, as: flag) { throw ValidationError(refusal) }
    }
}

extension ParameterRange where Bound: BinaryInteger {
    /// Refuses `value`, of any integer type, given with `flag`, when it is out of range.
    /// - Throws: `ValidationError` naming the flag, the value and the range with its unit.
    public func validate(_ value: (some BinaryInteger)?, flag: String) throws(ValidationError) {
        if let value, let refusal = refusal(of: value, as: flag) { throw ValidationError(refusal) }
    }
}
