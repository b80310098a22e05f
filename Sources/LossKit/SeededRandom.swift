import RealModule

/// A small, fast, seedable generator (SplitMix64): the same seed gives the same numbers on
/// every machine, which replays and tests depend on.
public struct SeededRandom: RandomNumberGenerator, Sendable {
    private var state: UInt64

    public init(seed: UInt64) { state = seed }

    public mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }

    /// Uniform in [low, high).
    public mutating func uniform(_ low: Double, _ high: Double) -> Double {
        let unit = Double(next() >> 11) * 0x1.0p-53
        return low + (high - low) * unit
    }

    /// Standard normal (Box-Muller).
    public mutating func normal() -> Double {
        let u1 = max(uniform(0, 1), Double.leastNormalMagnitude)
        let u2 = uniform(0, 1)
        return (-2 * _log(u1)).squareRoot() * _cos(2 * Double.pi * u2)
    }
}

private func _log(_ x: Double) -> Double { Double.log(x) }
private func _cos(_ x: Double) -> Double { Double.cos(x) }
