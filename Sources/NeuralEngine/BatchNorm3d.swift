/// Batch normalisation over (N, D, H, W) per channel, as PyTorch's `nn.BatchNorm3d`.
///
/// Training normalises with the batch mean and the *biased* variance and moves the running
/// statistics by `momentum` (the running variance takes the unbiased n/(n-1) estimate);
/// evaluation uses the running statistics. Statistics are accumulated in Float64.
public final class BatchNorm3d: StateProvider {
    public let channels: Int
    public let eps: Double, momentum: Double
    public let weight: Parameter, bias: Parameter
    public let runningMean: Parameter, runningVar: Parameter
    public let numBatchesTracked = CounterBuffer()

    private var saved: (x: FeatureMap, mean: [Double], invStd: [Double], reluOutput: FeatureMap?)?

    public init(_ channels: Int, eps: Double = 1e-5, momentum: Double = 0.1) {
        self.channels = channels
        self.eps = eps
        self.momentum = momentum
        weight = Parameter(Tensor(shape: [channels], repeating: 1))
        bias = Parameter(Tensor(shape: [channels], repeating: 0))
        runningMean = Parameter(Tensor(shape: [channels], repeating: 0), requiresGrad: false)
        runningVar = Parameter(Tensor(shape: [channels], repeating: 1), requiresGrad: false)
    }

    public func stateItems() -> [(String, StateItem)] {
        [("weight", .tensor(weight)), ("bias", .tensor(bias)), ("running_mean", .tensor(runningMean)),
         ("running_var", .tensor(runningVar)), ("num_batches_tracked", .counter(numBatchesTracked))]
    }

    /// The evaluation-mode map y = x·scale + shift per channel (running statistics), which a preceding
    /// convolution can absorb into its weights and bias.
    public func inferenceAffine() -> (scale: [Float], shift: [Float]) {
        let (mean, invStd) = runningStatistics()
        return affine(mean: mean, invStd: invStd)
    }

    private func runningStatistics() -> (mean: [Double], invStd: [Double]) {
        (runningMean.value.data.map { Double($0) }, runningVar.value.data.map { 1 / (Double($0) + eps).squareRoot() })
    }

    /// y = x·scale + shift with scale = γ/σ, shift = β − μ·γ/σ.
    private func affine(mean: [Double], invStd: [Double]) -> (scale: [Float], shift: [Float]) {
        var a = [Float](repeating: 0, count: channels), b = a
        for c in 0..<channels {
            let g = Double(weight.value.data[c]) * invStd[c]
            a[c] = Float(g)
            b[c] = Float(Double(bias.value.data[c]) - mean[c] * g)
        }
        return (a, b)
    }

    /// Normalises `x`. `backward` is defined for training mode only (the only mode that learns).
    public func forward(_ x: FeatureMap, training: Bool) throws -> FeatureMap {
        try forward(x, training: training, relu: false)
    }

    /// With `relu`, a following ReLU is fused into the same pass; `backward` then takes the gradient
    /// after the ReLU (the layer keeps its output to mask it).
    public func forward(_ x: FeatureMap, training: Bool, relu: Bool) throws -> FeatureMap {
        guard x.c == channels else {
            throw NeuralEngineError.shapeMismatch("BatchNorm3d(\(channels)) got \(x.c) channels")
        }
        var mean = [Double](repeating: 0, count: channels), invStd = mean
        if training {
            let (s, q) = BlockKernels.moments(x)
            let count = Double(x.n * x.spatial)
            for c in 0..<channels {
                var sum = 0.0, sq = 0.0
                for nn in 0..<x.n { sum += s[nn * x.blocks + c / 8][c % 8]; sq += q[nn * x.blocks + c / 8][c % 8] }
                let m = sum / count
                let v = Swift.max(0, sq / count - m * m)
                mean[c] = m
                invStd[c] = 1 / (v + eps).squareRoot()
                let unbiased = count > 1 ? v * count / (count - 1) : v
                runningMean.value.data[c] = Float((1 - momentum) * Double(runningMean.value.data[c]) + momentum * m)
                runningVar.value.data[c] = Float((1 - momentum) * Double(runningVar.value.data[c]) + momentum * unbiased)
            }
            numBatchesTracked.value += 1
        } else {
            (mean, invStd) = runningStatistics()
        }
        let (a, b) = affine(mean: mean, invStd: invStd)
        let av = BlockKernels.lanes(a, blocks: x.blocks), bv = BlockKernels.lanes(b, blocks: x.blocks)
        let y = try BlockKernels.affine(x, scale: repeatPerSample(av, x.n), shift: repeatPerSample(bv, x.n), relu: relu)
        saved = training ? (x, mean, invStd, relu ? y : nil) : nil
        return y
    }

    public func backward(_ dy: FeatureMap) throws -> FeatureMap {
        let (x, mean, invStd, reluOutput) = try takeSaved(&saved, layer: "BatchNorm3d")
        let blocks = x.blocks
        let center = repeatPerSample(BlockKernels.lanes(mean.map { Float($0) }, blocks: blocks), x.n)
        let (s, d) = BlockKernels.gradientMoments(dy, x, center: center, reluOutput: reluOutput)
        let count = Double(x.n * x.spatial)
        var A = [Float](repeating: 0, count: channels), B = A, C = A
        for c in 0..<channels {
            var sumDy = 0.0, dot = 0.0
            for nn in 0..<x.n { sumDy += s[nn * blocks + c / 8][c % 8]; dot += d[nn * blocks + c / 8][c % 8] }
            let g = Double(weight.value.data[c])
            weight.grad.data[c] += Float(dot * invStd[c])
            bias.grad.data[c] += Float(sumDy)
            let a = g * invStd[c]
            let m1 = sumDy / count, m2 = dot * invStd[c] / count
            A[c] = Float(a)
            B[c] = Float(-a * invStd[c] * m2)
            C[c] = Float(-a * m1 + a * invStd[c] * m2 * mean[c])
        }
        return try BlockKernels.normBackward(dy, x, repeatPerSample(BlockKernels.lanes(A, blocks: blocks), x.n),
                                             repeatPerSample(BlockKernels.lanes(B, blocks: blocks), x.n),
                                             repeatPerSample(BlockKernels.lanes(C, blocks: blocks), x.n), reluOutput: reluOutput)
    }
}

/// Per-block vectors repeated for every sample of the batch.
func repeatPerSample(_ v: LaneVectors, _ n: Int) -> LaneVectors {
    (0..<n).flatMap { _ in v }
}
