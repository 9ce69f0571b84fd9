/// A tiny seeded random number generator (SplitMix64, Steele/Lea/Flood 2014) so that property
/// and fuzz tests reproduce: a failure message that names the seed and the iteration can be
/// replayed exactly. Not for cryptography.
public struct SplitMix64: RandomNumberGenerator, Sendable {
    /// The generator's whole state; advancing it by the golden-ratio increment is the algorithm.
    public private(set) var state: UInt64

    /// Creates a generator whose sequence is determined by `seed` alone.
    public init(seed: UInt64) { self.state = seed }

    /// The next 64 random bits.
    public mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}
