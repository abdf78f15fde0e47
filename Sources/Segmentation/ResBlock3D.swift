import NeuralEngine

/// Residual block: conv3x3(stride) → norm → act → channel dropout → conv3x3 → norm → [SE],
/// plus a skip (identity, or 1x1 conv(stride) → norm when the shape changes), then act(sum).
public final class ResBlock3D: StateProvider {
    public let conv1: Conv3d, norm1: Normalization
    public let drop: Dropout3d
    public let conv2: Conv3d, norm2: Normalization
    public let se: SqueezeExcite3D?
    public let skipConv: Conv3d?, skipNorm: Normalization?
    private let act1: Activation, actOut: Activation
    /// ReLU after norm1 runs inside the normalisation pass.
    private let fuseNormActivation: Bool

    public init(_ cin: Int, _ cout: Int, stride: Int, config: UNetConfig, rng: inout RandomSource) {
        conv1 = Conv3d(cin, cout, kernel: 3, stride: stride, padding: 1, bias: false, rng: &rng)
        norm1 = config.makeNorm(cout)
        act1 = Activation(config.activationKind)
        fuseNormActivation = config.activationKind == .relu
        drop = Dropout3d(p: config.dropout, seed: rng.next())
        conv2 = Conv3d(cout, cout, kernel: 3, stride: 1, padding: 1, bias: false, rng: &rng)
        norm2 = config.makeNorm(cout)
        se = config.squeezeExcite ? SqueezeExcite3D(cout, reduction: config.seReduction, rng: &rng) : nil
        if stride != 1 || cin != cout {
            skipConv = Conv3d(cin, cout, kernel: 1, stride: stride, padding: 0, bias: false, rng: &rng)
            skipNorm = config.makeNorm(cout)
        } else {
            skipConv = nil
            skipNorm = nil
        }
        actOut = Activation(config.activationKind)
    }

    public func stateItems() -> [(String, StateItem)] {
        var items = prefixed("conv1", conv1.stateItems()) + prefixed("norm1", norm1.stateItems())
            + prefixed("conv2", conv2.stateItems()) + prefixed("norm2", norm2.stateItems())
        if let se { items += prefixed("se", se.stateItems()) }
        if let skipConv, let skipNorm {
            items += prefixed("skip_conv", skipConv.stateItems()) + prefixed("skip_norm", skipNorm.stateItems())
        }
        return items
    }

    /// Evaluation folds batch norm into the convolutions (`foldedForward`); off, it runs layer by layer
    /// as in training — the reference the folded path is tested against.
    public var foldsNormalization = true

    /// The first block of a network does not need dL/dx (its input is the image).
    public var needsInputGradient: Bool = true {
        didSet {
            conv1.needsInputGradient = needsInputGradient
            skipConv?.needsInputGradient = needsInputGradient
        }
    }

    /// `x` is taken over (consumed), so inference can free it as soon as its last convolution has read it.
    public func forward(_ x: consuming FeatureMap, training: Bool) throws -> FeatureMap {
        if !training, foldsNormalization, fuseNormActivation, let a1 = norm1.foldableAffine, let a2 = norm2.foldableAffine {
            let skipAffine = skipNorm?.foldableAffine
            if skipNorm == nil || skipAffine != nil { return try foldedForward(x, a1, a2, skipAffine) }
        }
        var h = try conv1.forward(x, training: training)
        if fuseNormActivation {
            h = try norm1.forward(h, training: training, relu: true)
        } else {
            h = try act1.forward(try norm1.forward(h, training: training), training: training)
        }
        h = try drop.forward(h, training: training)
        h = try conv2.forward(h, training: training)
        h = try norm2.forward(h, training: training)
        if let se { h = try se.forward(h, training: training) }
        var r = copy x
        if let skipConv, let skipNorm {
            r = try skipNorm.forward(try skipConv.forward(x, training: training), training: training)
        }
        return try actOut.forwardSum(h, r, training: training)
    }

    /// Evaluation with batch norm: each normalisation folded into its convolution (ReLU fused into the
    /// first), then gate, residual and ReLU in one in-place pass. Three full-size maps are made instead
    /// of nine, and each intermediate is released as soon as it has been read.
    private func foldedForward(_ x: consuming FeatureMap, _ a1: (scale: [Float], shift: [Float]),
                               _ a2: (scale: [Float], shift: [Float]),
                               _ skipAffine: (scale: [Float], shift: [Float])?) throws -> FeatureMap {
        let r: FeatureMap
        if let skipConv, let s = skipAffine {
            r = try skipConv.inferenceForward(x, scale: s.scale, shift: s.shift, relu: false)
        } else {
            r = copy x
        }
        let h1 = try conv1.inferenceForward(x, scale: a1.scale, shift: a1.shift, relu: true)
        _ = consume x
        let h = try conv2.inferenceForward(h1, scale: a2.scale, shift: a2.shift, relu: false)
        _ = consume h1
        try gateAddReLU(h, gate: try se?.gate(h), residual: r)
        return h
    }

    /// Returns dL/dx (nil when `needsInputGradient` is false).
    public func backward(_ dy: FeatureMap) throws -> FeatureMap? {
        let ds = try actOut.backward(dy)
        var dh = ds
        if let se { dh = try se.backward(dh) }
        dh = try norm2.backward(dh)
        dh = try conv2.backward(dh)!
        dh = try drop.backward(dh)
        if !fuseNormActivation { dh = try act1.backward(dh) }
        dh = try norm1.backward(dh)
        let dx1 = try conv1.backward(dh)
        if let skipConv, let skipNorm {
            let dx2 = try skipConv.backward(try skipNorm.backward(ds))
            if let dx1, let dx2 { return try add(dx1, dx2) }
            return nil
        }
        guard let dx1 else { return nil }
        return try add(dx1, ds)
    }
}
