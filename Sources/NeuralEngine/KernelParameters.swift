/// The learned state of a convolution-like layer and the training input its `backward` needs: what
/// `Conv3d` and `ConvTranspose3d` share, apart from how they initialise and what they compute.
final class KernelParameters {
    let kernel: ConvolutionKernel
    let weight: Parameter
    let bias: Parameter?
    private var savedInput: FeatureMap?

    /// PyTorch's default initialisation, U(-1/sqrt(fanIn), 1/sqrt(fanIn)) for weight and bias.
    init(_ kernel: ConvolutionKernel, fanIn: Int, rng: inout RandomSource) {
        self.kernel = kernel
        weight = Parameter(rng.kaimingUniformTensor(shape: kernel.weightShape, fanIn: fanIn))
        bias = kernel.hasBias ? Parameter(rng.kaimingUniformTensor(shape: [kernel.outChannels], fanIn: fanIn)) : nil
    }

    func stateItems() -> [(String, StateItem)] {
        var items: [(String, StateItem)] = [("weight", .tensor(weight))]
        if let bias { items.append(("bias", .tensor(bias))) }
        return items
    }

    func forward(_ x: FeatureMap, training: Bool) throws -> FeatureMap {
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
