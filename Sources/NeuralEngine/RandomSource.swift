import Foundation
import ImageCore

/// The engine's name for the project's seeded generator: weight init, dropout masks, data splits and
/// augmentation are reproducible from one seed, across runs and machines.
public typealias RandomSource = SplitMix64

extension SplitMix64 {
    /// Uniform in [0, 1) with 24 random bits (exactly representable as Float).
    public mutating func nextFloat() -> Float { Float(next() >> 40) / Float(1 << 24) }

    public mutating func uniform(_ lo: Float, _ hi: Float) -> Float { lo + (hi - lo) * nextFloat() }

    /// Standard normal as Float.
    public mutating func normal() -> Float { Float(gaussian()) }

    /// PyTorch's default init for conv/linear weights and biases: U(-1/sqrt(fanIn), 1/sqrt(fanIn)).
    public mutating func kaimingUniformTensor(shape: [Int], fanIn: Int) -> Tensor {
        let b = 1 / Float(fanIn).squareRoot()
        return Tensor(shape: shape, data: (0..<shape.reduce(1, *)).map { _ in uniform(-b, b) })
    }
}
