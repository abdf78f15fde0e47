import Foundation

/// Adam (PyTorch's `torch.optim.Adam`, no weight decay, no amsgrad), with the same arithmetic order
/// as PyTorch's reference loop so one step agrees with it to float rounding:
/// m ← β1·m + (1−β1)·g; v ← β2·v + (1−β2)·g²;
/// p ← p − (lr / (1−β1ᵗ)) · m / (√v / √(1−β2ᵗ) + ε).
public final class Adam {
    public var learningRate: Float
    public let beta1: Float, beta2: Float, eps: Float
    public private(set) var step: Int = 0
    /// First and second moments per parameter name (saved in checkpoints for exact resume).
    public private(set) var firstMoment: [String: Tensor] = [:]
    public private(set) var secondMoment: [String: Tensor] = [:]

    public init(learningRate: Float = 1e-3, beta1: Float = 0.9, beta2: Float = 0.999, eps: Float = 1e-8) {
        self.learningRate = learningRate
        self.beta1 = beta1; self.beta2 = beta2; self.eps = eps
    }

    /// Updates every named parameter from its gradient.
    public func update(_ params: [(String, Parameter)]) {
        step += 1
        let bc1 = 1 - Foundation.pow(Double(beta1), Double(step))
        let bc2 = 1 - Foundation.pow(Double(beta2), Double(step))
        let stepSize = Float(Double(learningRate) / bc1)
        let bc2Sqrt = Float(bc2.squareRoot())
        for (name, p) in params {
            var m = firstMoment[name] ?? Tensor(shape: p.shape)
            var v = secondMoment[name] ?? Tensor(shape: p.shape)
            let g = p.grad.data
            for i in 0..<g.count {
                m.data[i] = beta1 * m.data[i] + (1 - beta1) * g[i]
                v.data[i] = beta2 * v.data[i] + (1 - beta2) * g[i] * g[i]
                let denom = v.data[i].squareRoot() / bc2Sqrt + eps
                p.value.data[i] -= stepSize * (m.data[i] / denom)
            }
            firstMoment[name] = m
            secondMoment[name] = v
        }
    }

    /// Restores state saved from `firstMoment`, `secondMoment` and `step` (checkpoint resume).
    public func restore(step: Int, first: [String: Tensor], second: [String: Tensor]) {
        self.step = step
        firstMoment = first
        secondMoment = second
    }
}
