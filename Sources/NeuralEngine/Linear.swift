/// Fully connected layer on [N, in] tensors: y = x Wᵀ + b, W [out, in] (PyTorch's `nn.Linear`).
public final class Linear: StateProvider {
    public let weight: Parameter
    public let bias: Parameter?
    private var savedInput: Tensor?

    public init(_ inFeatures: Int, _ outFeatures: Int, bias: Bool = true, rng: inout RandomSource) {
        weight = Parameter(rng.kaimingUniformTensor(shape: [outFeatures, inFeatures], fanIn: inFeatures))
        self.bias = bias ? Parameter(rng.kaimingUniformTensor(shape: [outFeatures], fanIn: inFeatures)) : nil
    }

    public func stateItems() -> [(String, StateItem)] {
        var items: [(String, StateItem)] = [("weight", .tensor(weight))]
        if let bias { items.append(("bias", .tensor(bias))) }
        return items
    }

    public var inFeatures: Int { weight.shape[1] }
    public var outFeatures: Int { weight.shape[0] }

    public func forward(_ x: Tensor, training: Bool) throws -> Tensor {
        guard x.shape.count == 2, x.shape[1] == inFeatures else {
            throw NeuralEngineError.shapeMismatch("Linear(\(inFeatures) -> \(outFeatures)) got \(x.shape)")
        }
        savedInput = training ? x : nil
        let n = x.shape[0], I = inFeatures, O = outFeatures
        var y = Tensor(shape: [n, O])
        for r in 0..<n {
            for o in 0..<O {
                var s = Double(bias?.value.data[o] ?? 0)
                for i in 0..<I { s += Double(x.data[r * I + i]) * Double(weight.value.data[o * I + i]) }
                y.data[r * O + o] = Float(s)
            }
        }
        return y
    }

    public func backward(_ dy: Tensor) throws -> Tensor {
        let x = try takeSaved(&savedInput, layer: "Linear")
        let n = x.shape[0], I = inFeatures, O = outFeatures
        var dx = Tensor(shape: x.shape)
        for r in 0..<n {
            for o in 0..<O {
                let g = dy.data[r * O + o]
                bias?.grad.data[o] += g
                for i in 0..<I {
                    weight.grad.data[o * I + i] += g * x.data[r * I + i]
                    dx.data[r * I + i] += g * weight.value.data[o * I + i]
                }
            }
        }
        return dx
    }
}
