/// 3-D convolution (cross-correlation, as PyTorch's `nn.Conv3d`), cubic kernel, zero padding.
///
/// State: `weight` [out, in, k, k, k] and optional `bias` [out]. `backward` needs the input of the
/// last training-mode `forward`, which the layer keeps until then.
public final class Conv3d: KernelLayer {
    /// The first layer of a network has no use for dL/dx; skipping it saves a full pass.
    public var needsInputGradient = true

    public init(_ inChannels: Int, _ outChannels: Int, kernel: Int, stride: Int = 1, padding: Int = 0,
                bias: Bool = true, rng: inout RandomSource) {
        super.init(kind: .convolution, inChannels, outChannels, kernel: kernel, stride: stride, padding: padding,
                   bias: bias, fanIn: inChannels * kernel * kernel * kernel, rng: &rng)
    }

    /// Accumulates the weight (and bias) gradients; returns dL/dx, or nil when not needed.
    @discardableResult
    public func backward(_ dy: FeatureMap) throws -> FeatureMap? {
        try backward(dy, inputGradient: needsInputGradient, layer: "Conv3d")
    }

    public func implementations(for x: FeatureMap) -> [String] { kernel.implementations(for: x) }

    /// Kernels for `inferenceForward`, by fused ReLU; they always carry a bias (the folded shift).
    private var foldedKernels: [Bool: ConvolutionKernel] = [:]

    /// Evaluation-mode convolution followed by a per-channel affine map y·scale + shift (a batch norm
    /// with running statistics, folded into the weights and bias) and optionally ReLU, all in the one
    /// convolution primitive. Keeps nothing for `backward`.
    public func inferenceForward(_ x: FeatureMap, scale: [Float], shift: [Float], relu: Bool) throws -> FeatureMap {
        let co = kernel.outChannels
        guard scale.count == co, shift.count == co else {
            throw NeuralEngineError.shapeMismatch("folded affine of \(scale.count) channels for a \(co)-channel convolution")
        }
        releaseSavedInput()
        let k = foldedKernels[relu] ?? ConvolutionKernel(kind: .convolution, inChannels: kernel.inChannels, outChannels: co,
                                                         kernel: kernel.kernel, stride: kernel.stride,
                                                         padding: kernel.padding, hasBias: true, fusedReLU: relu)
        foldedKernels[relu] = k
        var w = weight.value
        let perOutput = w.count / co
        for o in 0..<co {
            for i in (o * perOutput)..<((o + 1) * perOutput) { w.data[i] *= scale[o] }
        }
        var b = Tensor(shape: [co])
        for o in 0..<co { b.data[o] = (bias?.value.data[o] ?? 0) * scale[o] + shift[o] }
        return try k.forward(x, weight: w, bias: b)
    }
}
