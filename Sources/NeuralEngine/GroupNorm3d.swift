/// Group normalisation (PyTorch's `nn.GroupNorm`) on 3-D feature maps: statistics per sample over
/// each group of `channels / groups` channels and all voxels, so it behaves the same at batch size 1
/// and in training and inference. `groups == channels` is instance normalisation
/// (`nn.InstanceNorm3d` without running statistics). Statistics in Float64.
public final class GroupNorm3d: StateProvider {
    public let channels: Int, groups: Int
    public let eps: Double
    /// Per-channel scale and shift; nil without affine (InstanceNorm3d's PyTorch default).
    public let weight: Parameter?, bias: Parameter?

    private var saved: (x: FeatureMap, mean: [Double], invStd: [Double], reluOutput: FeatureMap?)?

    public init(groups: Int, channels: Int, eps: Double = 1e-5, affine: Bool = true) {
        precondition(groups > 0 && channels % groups == 0, "GroupNorm: \(channels) channels do not split into \(groups) groups")
        self.channels = channels
        self.groups = groups
        self.eps = eps
        weight = affine ? Parameter(Tensor(shape: [channels], repeating: 1)) : nil
        bias = affine ? Parameter(Tensor(shape: [channels], repeating: 0)) : nil
    }

    /// Instance normalisation: one group per channel.
    public static func instance(_ channels: Int, eps: Double = 1e-5, affine: Bool = true) -> GroupNorm3d {
        GroupNorm3d(groups: channels, channels: channels, eps: eps, affine: affine)
    }

    public func stateItems() -> [(String, StateItem)] {
        guard let weight, let bias else { return [] }
        return [("weight", .tensor(weight)), ("bias", .tensor(bias))]
    }

    private var perGroup: Int { channels / groups }
    private func gamma(_ c: Int) -> Double { Double(weight?.value.data[c] ?? 1) }

    public func forward(_ x: FeatureMap, training: Bool) throws -> FeatureMap {
        try forward(x, training: training, relu: false)
    }

    /// With `relu`, a following ReLU is fused (see `BatchNorm3d.forward(_:training:relu:)`).
    public func forward(_ x: FeatureMap, training: Bool, relu: Bool) throws -> FeatureMap {
        guard x.c == channels else { throw NeuralEngineError.shapeMismatch("GroupNorm3d(\(channels)) got \(x.c) channels") }
        let (s, q) = BlockKernels.moments(x)
        let count = Double(perGroup * x.spatial)
        var mean = [Double](repeating: 0, count: x.n * groups), invStd = mean
        var a = [Float](repeating: 0, count: x.n * x.paddedChannels), b = a
        for nn in 0..<x.n {
            for g in 0..<groups {
                var sum = 0.0, sq = 0.0
                for c in (g * perGroup)..<((g + 1) * perGroup) {
                    sum += s[nn * x.blocks + c / 8][c % 8]; sq += q[nn * x.blocks + c / 8][c % 8]
                }
                let m = sum / count
                let v = Swift.max(0, sq / count - m * m)
                mean[nn * groups + g] = m
                invStd[nn * groups + g] = 1 / (v + eps).squareRoot()
            }
            for c in 0..<channels {
                let g = c / perGroup
                let k = gamma(c) * invStd[nn * groups + g]
                a[nn * x.paddedChannels + c] = Float(k)
                b[nn * x.paddedChannels + c] = Float(Double(bias?.value.data[c] ?? 0) - mean[nn * groups + g] * k)
            }
        }
        let y = try BlockKernels.affine(x, scale: BlockKernels.lanes(a, blocks: x.n * x.blocks),
                                        shift: BlockKernels.lanes(b, blocks: x.n * x.blocks), relu: relu)
        saved = training ? (x, mean, invStd, relu ? y : nil) : nil
        return y
    }

    public func backward(_ dy: FeatureMap) throws -> FeatureMap {
        let (x, mean, invStd, reluOutput) = try takeSaved(&saved, layer: "GroupNorm3d")
        let P = x.paddedChannels
        var center = [Float](repeating: 0, count: x.n * P)
        for nn in 0..<x.n { for c in 0..<channels { center[nn * P + c] = Float(mean[nn * groups + c / perGroup]) } }
        let (s, d) = BlockKernels.gradientMoments(dy, x, center: BlockKernels.lanes(center, blocks: x.n * x.blocks),
                                                  reluOutput: reluOutput)
        let count = Double(perGroup * x.spatial)
        var A = [Float](repeating: 0, count: x.n * P), B = A, C = A
        for nn in 0..<x.n {
            for g in 0..<groups {
                let istd = invStd[nn * groups + g], mu = mean[nn * groups + g]
                var m1 = 0.0, m2 = 0.0
                for c in (g * perGroup)..<((g + 1) * perGroup) {
                    let sumDy = s[nn * x.blocks + c / 8][c % 8], dot = d[nn * x.blocks + c / 8][c % 8]
                    m1 += gamma(c) * sumDy
                    m2 += gamma(c) * dot * istd
                    weight?.grad.data[c] += Float(dot * istd)
                    bias?.grad.data[c] += Float(sumDy)
                }
                m1 /= count; m2 /= count
                for c in (g * perGroup)..<((g + 1) * perGroup) {
                    A[nn * P + c] = Float(gamma(c) * istd)
                    B[nn * P + c] = Float(-istd * istd * m2)
                    C[nn * P + c] = Float(-istd * m1 + istd * istd * m2 * mu)
                }
            }
        }
        let nb = x.n * x.blocks
        return try BlockKernels.normBackward(dy, x, BlockKernels.lanes(A, blocks: nb), BlockKernels.lanes(B, blocks: nb),
                                             BlockKernels.lanes(C, blocks: nb), reluOutput: reluOutput)
    }
}
