import Foundation

/// SplitMix64 (Steele, Lea & Flood 2014): the one seeded generator of the project. Swift's system
/// generator cannot be seeded, and everything random here — synthetic patients, sampling in the
/// metrics, pivot choice, weight initialisation, augmentation, data splits — must give the same result
/// on every machine and run. `state` is public so a training run can save and resume it.
public struct SplitMix64: RandomNumberGenerator, Sendable {
    public private(set) var state: UInt64

    public init(seed: UInt64) { state = seed }

    public mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }

    /// Uniform in [0, 1), from the top 53 bits.
    public mutating func uniform() -> Double { Double(next() >> 11) * 0x1.0p-53 }

    /// Standard normal (Box-Muller, two uniforms per value; the zero uniform is kept off the logarithm).
    public mutating func gaussian() -> Double {
        let u1 = Swift.max(uniform(), 1e-300), u2 = uniform()
        return (-2 * log(u1)).squareRoot() * cos(2 * Double.pi * u2)
    }
}
