/// The real-time core's seeded random source (SplitMix64, Steele/Lea/Flood 2014), used for
/// sensor noise and fault injection, so that the same `--seed` reproduces a run bit for bit.
///
/// Gaussian values use the Irwin–Hall sum of 12 uniforms rather than Box–Muller: it needs no
/// `log`/`cos`, so it is exact integer-and-IEEE arithmetic that gives the same bits on every host.
public struct PlantNoise: Sendable {
    /// The generator's whole state.
    public private(set) var state: UInt64

    /// Creates a generator whose sequence depends on `seed` only.
    public init(seed: UInt64) { self.state = seed }

    /// The next 64 random bits.
    public mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }

    /// A uniform value in `[0, 1)` with 53 random bits.
    public mutating func nextUnit() -> Double {
        Double(next() >> 11) * (1.0 / 9_007_199_254_740_992.0)
    }

    /// An approximately standard-normal value (mean 0, standard deviation 1, bounded to ±6).
    public mutating func nextGaussian() -> Double {
        var sum = 0.0
        for _ in 0..<12 { sum += nextUnit() }
        return sum - 6.0
    }

    /// `true` with probability `permille / 1000`.
    public mutating func chance(permille: Int) -> Bool {
        guard permille > 0 else { return false }
        return Int(next() % 1000) < permille
    }
}
