/// A convolution-like layer: its kernel, the learned state and the training input its `backward`
/// needs. `Conv3d` and `ConvTranspose3d` are this with their own kernel kind, fan-in and backward; a
/// base class rather than a member so the state items and the forward pass are written once.
public class KernelLayer: StateProvider {
    let kernel: ConvolutionKernel
    public let weight: Parameter
    public let bias: Parameter?
    private var savedInput: FeatureMap?

    /// PyTorch's default initialisation, U(-1/sqrt(fanIn), 1/sqrt(fanIn)) for weight and bias.
    init(kind: ConvolutionKernel.Kind, _ inChannels: Int, _ outChannels: Int, kernel: Int, stride: Int, padding: Int,
         bias hasBias: Bool, fanIn: Int, rng: inout RandomSource) {
        let k = ConvolutionKernel(kind: kind, inChannels: inChannels, outChannels: outChannels,
                                  kernel: kernel, stride: stride, padding: padding, hasBias: hasBias)
        self.kernel = k
        weight = Parameter(rng.kaimingUniformTensor(shape: k.weightShape, fanIn: fanIn))
        bias = hasBias ? Parameter(rng.kaimingUniformTensor(shape: [outChannels], fanIn: fanIn)) : nil
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

    /// Accumulates the weight and bias gradients of the last training forward; returns dL/dx when
    /// `inputGradient`. `layer` names the layer in the error for a backward without that forward.
    func backward(_ dy: FeatureMap, inputGradient: Bool, layer: String) throws -> FeatureMap? {
        let x = try takeSaved(&savedInput, layer: layer)
        var bgrad = bias?.grad
        try kernel.backwardWeights(dy, input: x, weightGrad: &weight.grad, biasGrad: &bgrad)
        if let bgrad { bias!.grad = bgrad }
        return inputGradient ? try kernel.backwardData(dy, input: x, weight: weight.value) : nil
    }

    /// Evaluation passes that bypass `forward` release the kept input.
    func releaseSavedInput() { savedInput = nil }
}
