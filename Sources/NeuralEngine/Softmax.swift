import Foundation

/// Softmax over the channel axis of an [N, C, ...] tensor (class probabilities per voxel).
/// Computed with the maximum subtracted, in Float64 per voxel.
public final class Softmax {
    private var savedOutput: Tensor?

    public init() {}

    public func forward(_ x: Tensor, training: Bool) -> Tensor {
        let n = x.shape[0], c = x.shape[1], inner = x.count / Swift.max(1, n * c)
        var y = x
        for nn in 0..<n {
            for s in 0..<inner {
                let base = nn * c * inner + s
                var m = -Float.infinity
                for k in 0..<c { m = Swift.max(m, x.data[base + k * inner]) }
                var z = 0.0
                for k in 0..<c { z += Foundation.exp(Double(x.data[base + k * inner] - m)) }
                for k in 0..<c { y.data[base + k * inner] = Float(Foundation.exp(Double(x.data[base + k * inner] - m)) / z) }
            }
        }
        savedOutput = training ? y : nil
        return y
    }

    /// dx = y·(dy − Σ_c dy·y).
    public func backward(_ dy: Tensor) throws -> Tensor {
        let y = try takeSaved(&savedOutput, layer: "Softmax")
        let n = y.shape[0], c = y.shape[1], inner = y.count / Swift.max(1, n * c)
        var dx = dy
        for nn in 0..<n {
            for s in 0..<inner {
                let base = nn * c * inner + s
                var dot = 0.0
                for k in 0..<c { dot += Double(dy.data[base + k * inner]) * Double(y.data[base + k * inner]) }
                for k in 0..<c {
                    let i = base + k * inner
                    dx.data[i] = Float(Double(y.data[i]) * (Double(dy.data[i]) - dot))
                }
            }
        }
        return dx
    }
}
