/// 3-D transposed convolution (PyTorch's `nn.ConvTranspose3d`): the decoder's learned upsampling.
///
/// With kernel 2, stride 2, padding 0: y[n,o,2d+a,2h+b,2w+c] = bias[o] + sum_i x[n,i,d,h,w] W[i,o,a,b,c].
/// State: `weight` [in, out, k, k, k] (PyTorch's order) and optional `bias` [out].
public final class ConvTranspose3d: StateProvider {
    let parameters: KernelParameters
    public var weight: Parameter { parameters.weight }
    public var bias: Parameter? { parameters.bias }

    public init(_ inChannels: Int, _ outChannels: Int, kernel: Int = 2, stride: Int = 2, padding: Int = 0,
                bias: Bool = true, rng: inout RandomSource) {
        let k = ConvolutionKernel(kind: .deconvolution, inChannels: inChannels, outChannels: outChannels,
                                  kernel: kernel, stride: stride, padding: padding, hasBias: bias)
        // PyTorch computes fan-in from weight.size(1), which is the output channel count here.
        parameters = KernelParameters(k, fanIn: outChannels * kernel * kernel * kernel, rng: &rng)
    }

    public func stateItems() -> [(String, StateItem)] { parameters.stateItems() }

    public func forward(_ x: FeatureMap, training: Bool) throws -> FeatureMap {
        try parameters.forward(x, training: training)
    }

    public func backward(_ dy: FeatureMap) throws -> FeatureMap {
        try parameters.backward(dy, inputGradient: true, layer: "ConvTranspose3d")!
    }
}
