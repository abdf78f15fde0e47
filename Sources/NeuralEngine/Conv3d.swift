/// 3-D convolution (cross-correlation, as PyTorch's `nn.Conv3d`), cubic kernel, zero padding.
///
/// State: `weight` [out, in, k, k, k] and optional `bias` [out]. `backward` needs the input of the
/// last training-mode `forward`, which the layer keeps until then.
public final class Conv3d: StateProvider {
    public let weight: Parameter
    public let bias: Parameter?
    let kernel: ConvolutionKernel
    private var savedInput: FeatureMap?
    /// The first layer of a network has no use for dL/dx; skipping it saves a full pass.
    public var needsInputGradient = true

    public init(_ inChannels: Int, _ outChannels: Int, kernel: Int, stride: Int = 1, padding: Int = 0,
                bias: Bool = true, rng: inout RandomSource) {
        self.kernel = ConvolutionKernel(kind: .convolution, inChannels: inChannels, outChannels: outChannels,
                                        kernel: kernel, stride: stride, padding: padding, hasBias: bias)
        let fanIn = inChannels * kernel * kernel * kernel
        weight = Parameter(rng.kaimingUniformTensor(shape: self.kernel.weightShape, fanIn: fanIn))
        self.bias = bias ? Parameter(rng.kaimingUniformTensor(shape: [outChannels], fanIn: fanIn)) : nil
    }

    public func stateItems() -> [(String, StateItem)] {
        var items: [(String, StateItem)] = [("weight", .tensor(weight))]
        if let bias { items.append(("bias", .tensor(bias))) }
        return items
    }

    public func forward(_ x: FeatureMap, training: Bool) throws -> FeatureMap {
        savedInput = training ? x : nil
        return try kernel.forward(x, weight: weight.value, bias: bias?.value)
    }

    /// Accumulates the weight (and bias) gradients; returns dL/dx, or nil when not needed.
    @discardableResult
    public func backward(_ dy: FeatureMap) throws -> FeatureMap? {
        guard let x = savedInput else { throw NeuralEngineError.invalidArgument("Conv3d.backward without a training forward") }
        var bgrad = bias?.grad
        try kernel.backwardWeights(dy, input: x, weightGrad: &weight.grad, biasGrad: &bgrad)
        if let bgrad { bias!.grad = bgrad }
        defer { savedInput = nil }
        return needsInputGradient ? try kernel.backwardData(dy, input: x, weight: weight.value) : nil
    }

    public func implementations(for x: FeatureMap) -> [String] { kernel.implementations(for: x) }
}
