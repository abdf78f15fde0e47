/// 3-D transposed convolution (PyTorch's `nn.ConvTranspose3d`): the decoder's learned upsampling.
///
/// With kernel 2, stride 2, padding 0: y[n,o,2d+a,2h+b,2w+c] = bias[o] + sum_i x[n,i,d,h,w] W[i,o,a,b,c].
/// State: `weight` [in, out, k, k, k] (PyTorch's order) and optional `bias` [out].
public final class ConvTranspose3d: StateProvider {
    public let weight: Parameter
    public let bias: Parameter?
    let kernel: ConvolutionKernel
    private var savedInput: FeatureMap?

    public init(_ inChannels: Int, _ outChannels: Int, kernel: Int = 2, stride: Int = 2, padding: Int = 0,
                bias: Bool = true, rng: inout RandomSource) {
        self.kernel = ConvolutionKernel(kind: .deconvolution, inChannels: inChannels, outChannels: outChannels,
                                        kernel: kernel, stride: stride, padding: padding, hasBias: bias)
        // PyTorch computes fan-in from weight.size(1), which is the output channel count here.
        let fanIn = outChannels * kernel * kernel * kernel
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

    public func backward(_ dy: FeatureMap) throws -> FeatureMap {
        guard let x = savedInput else {
            throw NeuralEngineError.invalidArgument("ConvTranspose3d.backward without a training forward")
        }
        var bgrad = bias?.grad
        try kernel.backwardWeights(dy, input: x, weightGrad: &weight.grad, biasGrad: &bgrad)
        if let bgrad { bias!.grad = bgrad }
        savedInput = nil
        return try kernel.backwardData(dy, input: x, weight: weight.value)
    }
}
