import ImageCore

/// Per-(sample, channel) values of a [N, C] tensor as lane vectors for a map with `blocks` blocks.
func laneVectors(_ t: Tensor, blocks: Int) -> LaneVectors {
    let n = t.shape[0], c = t.shape[1]
    return (0..<n).flatMap { nn in BlockKernels.lanes(Array(t.data[(nn * c)..<((nn + 1) * c)]), blocks: blocks) }
}

/// Multiplies every channel of every sample by its own factor: y[n,c,·] = x[n,c,·]·s[n,c].
/// The squeeze-and-excitation gate and channel dropout are both this op.
public final class ChannelScale {
    private var saved: (x: FeatureMap, s: Tensor)?

    public init() {}

    public func forward(_ x: FeatureMap, scale s: Tensor, training: Bool) throws -> FeatureMap {
        guard s.shape == [x.n, x.c] else {
            throw NeuralEngineError.shapeMismatch("channel scale \(s.shape) does not fit \(x.dims)")
        }
        saved = training ? (x, s) : nil
        let zero = LaneVectors(repeating: .zero, count: x.n * x.blocks)
        return try BlockKernels.affine(x, scale: laneVectors(s, blocks: x.blocks), shift: zero)
    }

    /// Returns dL/dx and dL/ds.
    public func backward(_ dy: FeatureMap, needScaleGradient: Bool = true) throws -> (FeatureMap, Tensor?) {
        let (x, s) = try takeSaved(&saved, layer: "ChannelScale")
        let zero = LaneVectors(repeating: .zero, count: x.n * x.blocks)
        let dx = try BlockKernels.affine(dy, scale: laneVectors(s, blocks: x.blocks), shift: zero)
        guard needScaleGradient else { return (dx, nil) }
        let (_, dot) = BlockKernels.gradientMoments(dy, x, center: zero)
        var ds = Tensor(shape: [x.n, x.c])
        for nn in 0..<x.n { for c in 0..<x.c { ds.data[nn * x.c + c] = Float(dot[nn * x.blocks + c / 8][c % 8]) } }
        return (dx, ds)
    }
}

/// Channel dropout (PyTorch's `nn.Dropout3d`): in training each (sample, channel) is kept with
/// probability 1 − p and scaled by 1/(1 − p), or zeroed; identity in evaluation.
///
/// `nextMask` lets a test (or the fixture parity check) impose the mask PyTorch drew.
public final class Dropout3d {
    public let p: Float
    public var rng: RandomSource
    /// Used (and cleared) by the next training forward instead of a random draw; shape [N, C].
    public var nextMask: Tensor?
    private let scale = ChannelScale()
    private var active = false

    public init(p: Float, seed: UInt64 = 0) {
        self.p = p
        rng = RandomSource(seed: seed)
    }

    public func forward(_ x: FeatureMap, training: Bool) throws -> FeatureMap {
        active = training && (p > 0 || nextMask != nil)
        guard active else { return x }
        let mask: Tensor
        if let m = nextMask {
            mask = m
            nextMask = nil
        } else {
            let keep = 1 / (1 - p)
            mask = Tensor(shape: [x.n, x.c], data: (0..<(x.n * x.c)).map { _ in rng.nextFloat() < p ? 0 : keep })
        }
        return try scale.forward(x, scale: mask, training: true)
    }

    public func backward(_ dy: FeatureMap) throws -> FeatureMap {
        guard active else { return dy }
        return try scale.backward(dy, needScaleGradient: false).0
    }
}

/// Mean over D, H, W per (sample, channel): [N, C, D, H, W] -> [N, C].
public final class GlobalAvgPool {
    private var savedDims: [Int]?

    public init() {}

    public func forward(_ x: FeatureMap, training: Bool) -> Tensor {
        let (s, _) = BlockKernels.moments(x)
        var out = Tensor(shape: [x.n, x.c])
        for nn in 0..<x.n { for c in 0..<x.c { out.data[nn * x.c + c] = Float(s[nn * x.blocks + c / 8][c % 8] / Double(x.spatial)) } }
        savedDims = training ? x.dims : nil
        return out
    }

    public func backward(_ dy: Tensor) throws -> FeatureMap {
        let dims = try takeSaved(&savedDims, layer: "GlobalAvgPool")
        let x = FeatureMapShape(dims)
        var scaled = dy
        for i in 0..<scaled.count { scaled.data[i] /= Float(x.spatial) }
        let v = laneVectors(scaled, blocks: x.blocks)
        let dx = try FeatureMap(n: dims[0], c: dims[1], d: dims[2], h: dims[3], w: dims[4])
        let chunks = BlockChunks(dx)
        dx.withUnsafeData { data in
            parallelFor(chunks.count) { i in
                let (nb, r) = chunks.item(i)
                let p = data + nb * chunks.spatial * 8, g = v[nb]
                for j in r { UnsafeMutableRawPointer(p + j * 8).storeBytes(of: g, as: SIMD8<Float>.self) }
            }
        }
        return dx
    }
}

/// Just the sizes of a feature map.
private struct FeatureMapShape {
    let spatial: Int, blocks: Int
    init(_ dims: [Int]) { spatial = dims[2] * dims[3] * dims[4]; blocks = (dims[1] + 7) / 8 }
}

/// Element-wise sum of two maps of the same shape (the residual connection). Its backward passes
/// the gradient unchanged to both inputs.
public func add(_ a: FeatureMap, _ b: FeatureMap) throws -> FeatureMap {
    guard a.sameShape(b) else { throw NeuralEngineError.shapeMismatch("add: \(a.dims) vs \(b.dims)") }
    return try BlockKernels.zip(a, b) { $0 + $1 }
}

/// Channel concatenation [a, b] (a's channels first), as `torch.cat(dim=1)`.
public func concat(_ a: FeatureMap, _ b: FeatureMap) throws -> FeatureMap {
    guard a.n == b.n, a.d == b.d, a.h == b.h, a.w == b.w else {
        throw NeuralEngineError.shapeMismatch("concat: \(a.dims) vs \(b.dims)")
    }
    let y = try FeatureMap(like: a, channels: a.c + b.c, zeroed: a.c % 8 != 0)
    copyChannels(from: a, 0..<a.c, to: y, at: 0)
    copyChannels(from: b, 0..<b.c, to: y, at: a.c)
    return y
}

/// The gradient of `concat`: the first `channels` channels of `dy`, and the rest.
public func splitChannels(_ dy: FeatureMap, at channels: Int) throws -> (FeatureMap, FeatureMap) {
    let a = try FeatureMap(like: dy, channels: channels, zeroed: channels % 8 != 0)
    let b = try FeatureMap(like: dy, channels: dy.c - channels, zeroed: channels % 8 != 0)
    copyChannels(from: dy, 0..<channels, to: a, at: 0)
    copyChannels(from: dy, channels..<dy.c, to: b, at: 0)
    return (a, b)
}

/// Copies channels `range` of `src` to `dst` starting at channel `at`: whole blocks when both
/// sides are block-aligned, lane by lane otherwise.
func copyChannels(from src: FeatureMap, _ range: Range<Int>, to dst: FeatureMap, at: Int) {
    let S = src.spatial
    FeatureMap.withUnsafeData([src, dst]) { maps in
        let sd = maps[0], dd = maps[1]
        if range.lowerBound % 8 == 0, at % 8 == 0, range.count % 8 == 0 || range.upperBound == src.c {
            let nb = (range.count + 7) / 8
            parallelFor(src.n * nb) { i in
                let nn = i / nb, k = i % nb
                (dd + dst.blockOffset(nn, at / 8 + k)).update(from: sd + src.blockOffset(nn, range.lowerBound / 8 + k), count: S * 8)
            }
            return
        }
        parallelFor(src.n * range.count) { i in
            let nn = i / range.count, c = range.lowerBound + i % range.count, o = at + i % range.count
            let p = sd + src.blockOffset(nn, c / 8) + c % 8, q = dd + dst.blockOffset(nn, o / 8) + o % 8
            for s in 0..<S { q[s * 8] = p[s * 8] }
        }
    }
}

/// Inference only, in place: y ← ReLU(y·gate + residual), with `gate` [N, C] per channel (a
/// squeeze-and-excitation gate) or nil for 1. `y` must not be shared with anything still in use.
public func gateAddReLU(_ y: FeatureMap, gate: Tensor?, residual: FeatureMap) throws {
    guard y.sameShape(residual) else { throw NeuralEngineError.shapeMismatch("residual: \(y.dims) vs \(residual.dims)") }
    if let gate, gate.shape != [y.n, y.c] {
        throw NeuralEngineError.shapeMismatch("gate \(gate.shape) does not fit \(y.dims)")
    }
    BlockKernels.gateAddReLU(y, gate: gate.map { laneVectors($0, blocks: y.blocks) }, residual: residual)
}
