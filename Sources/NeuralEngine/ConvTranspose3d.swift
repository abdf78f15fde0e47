/// 3-D transposed convolution (PyTorch's `nn.ConvTranspose3d`): the decoder's learned upsampling.
///
/// With kernel 2, stride 2, padding 0: y[n,o,2d+a,2h+b,2w+c] = bias[o] + sum_i x[n,i,d,h,w] W[i,o,a,b,c].
/// State: `weight` [in, out, k, k, k] (PyTorch's order) and optional `bias` [out].
public final class ConvTranspose3d: KernelLayer {
    public init(_ inChannels: Int, _ outChannels: Int, kernel: Int = 2, stride: Int = 2, padding: Int = 0,
                bias: Bool = true, rng: inout RandomSource) {
        // PyTorch computes fan-in from weight.size(1), which is the output channel count here.
        super.init(kind: .deconvolution, inChannels, outChannels, kernel: kernel, stride: stride, padding: padding,
                   bias: bias, fanIn: outChannels * kernel * kernel * kernel, rng: &rng)
    }

    public func backward(_ dy: FeatureMap) throws -> FeatureMap {
        try backward(dy, inputGradient: true, layer: "ConvTranspose3d")!
    }
}
