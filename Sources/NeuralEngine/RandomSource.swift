import Foundation

/// A small seeded generator (SplitMix64) so that weight init, dropout masks, data splits and
/// augmentation are reproducible from one seed, across runs and machines.
public struct RandomSource: RandomNumberGenerator, Sendable {
    public private(set) var state: UInt64

    public init(seed: UInt64) { state = seed }

    public mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }

    /// Uniform in [0, 1) with 24 random bits (exactly representable as Float).
    public mutating func nextFloat() -> Float { Float(next() >> 40) / Float(1 << 24) }

    public mutating func uniform(_ lo: Float, _ hi: Float) -> Float { lo + (hi - lo) * nextFloat() }

    /// Standard normal by Box-Muller.
    public mutating func normal() -> Float {
        let u1 = Double(next() >> 11) / Double(1 << 53) + 1e-300
        let u2 = Double(next() >> 11) / Double(1 << 53)
        return Float((-2 * Foundation.log(u1)).squareRoot() * cos(2 * .pi * u2))
    }

    /// PyTorch's default init for conv/linear weights and biases: U(-1/sqrt(fanIn), 1/sqrt(fanIn)).
    public mutating func kaimingUniformTensor(shape: [Int], fanIn: Int) -> Tensor {
        let b = 1 / Float(fanIn).squareRoot()
        return Tensor(shape: shape, data: (0..<shape.reduce(1, *)).map { _ in uniform(-b, b) })
    }
}
