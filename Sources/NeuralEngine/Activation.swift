import Foundation
import ImageCore

/// Element-wise activations whose derivative can be written in terms of the output alone, so a
/// layer keeps only its output for the backward pass.
public enum ActivationKind: Equatable, Sendable, Codable {
    case relu
    case leakyReLU(slope: Float)
    case sigmoid

    @inline(__always)
    func apply(_ x: SIMD8<Float>) -> SIMD8<Float> {
        switch self {
        case .relu: return pointwiseMax(x, .zero)
        case .leakyReLU(let a): return x.replacing(with: x * a, where: x .< 0)
        case .sigmoid:
            var r = SIMD8<Float>()
            for i in 0..<8 { r[i] = 1 / (1 + Foundation.exp(-x[i])) }
            return r
        }
    }

    /// dL/dx from dL/dy and the output y.
    @inline(__always)
    func gradient(_ dy: SIMD8<Float>, output y: SIMD8<Float>) -> SIMD8<Float> {
        switch self {
        case .relu: return dy.replacing(with: SIMD8<Float>.zero, where: y .<= 0)
        case .leakyReLU(let a): return dy.replacing(with: dy * a, where: y .<= 0)
        case .sigmoid: return dy * y * (1 - y)
        }
    }

    func apply(_ x: Float) -> Float { apply(SIMD8(repeating: x))[0] }
}

/// An activation layer for feature maps and for plain tensors (the SE block's small vectors).
public final class Activation {
    public let kind: ActivationKind
    private var savedMap: FeatureMap?
    private var savedTensor: Tensor?

    public init(_ kind: ActivationKind) { self.kind = kind }

    public func forward(_ x: FeatureMap, training: Bool) throws -> FeatureMap {
        let k = kind
        let y = try BlockKernels.map(x) { k.apply($0) }
        if k.apply(0) != 0 { y.zeroPadding() }
        savedMap = training ? y : nil
        return y
    }

    /// f(a + b) in one pass (the residual sum and its activation).
    public func forwardSum(_ a: FeatureMap, _ b: FeatureMap, training: Bool) throws -> FeatureMap {
        guard a.sameShape(b) else { throw NeuralEngineError.shapeMismatch("add: \(a.dims) vs \(b.dims)") }
        let k = kind
        let y = try BlockKernels.zip(a, b) { k.apply($0 + $1) }
        if k.apply(0) != 0 { y.zeroPadding() }
        savedMap = training ? y : nil
        return y
    }

    public func backward(_ dy: FeatureMap) throws -> FeatureMap {
        let y = try takeSaved(&savedMap, layer: "Activation")
        let k = kind
        return try BlockKernels.zip(dy, y) { k.gradient($0, output: $1) }
    }

    public func forward(_ x: Tensor, training: Bool) -> Tensor {
        var y = x
        for i in 0..<y.count { y.data[i] = kind.apply(x.data[i]) }
        savedTensor = training ? y : nil
        return y
    }

    public func backward(_ dy: Tensor) throws -> Tensor {
        let y = try takeSaved(&savedTensor, layer: "Activation")
        var dx = dy
        for i in 0..<dx.count {
            dx.data[i] = kind.gradient(SIMD8(repeating: dy.data[i]), output: SIMD8(repeating: y.data[i]))[0]
        }
        return dx
    }
}

/// PReLU (PyTorch's `nn.PReLU`): y = x for x > 0, a·x otherwise, with learnable a shared by all
/// channels (`parameters == 1`, PyTorch's default) or one per channel. Init 0.25.
public final class PReLU: StateProvider {
    public let weight: Parameter
    private var savedInput: FeatureMap?

    public init(parameters: Int = 1, initial: Float = 0.25) {
        weight = Parameter(Tensor(shape: [parameters], repeating: initial))
    }

    public func stateItems() -> [(String, StateItem)] { [("weight", .tensor(weight))] }

    private func slopes(_ x: FeatureMap) -> LaneVectors {
        let w = weight.value.data
        let per = w.count == 1 ? [Float](repeating: w[0], count: x.c) : w
        return BlockKernels.lanes(per, blocks: x.blocks)
    }

    public func forward(_ x: FeatureMap, training: Bool) throws -> FeatureMap {
        guard weight.value.count == 1 || weight.value.count == x.c else {
            throw NeuralEngineError.shapeMismatch("PReLU has \(weight.value.count) slopes for \(x.c) channels")
        }
        savedInput = training ? x : nil
        let a = slopes(x), blocks = x.blocks
        return try BlockKernels.mapPerBlock(x) { nb, r, px, py in
            let s = a[nb % blocks]
            BlockKernels.mapRun(r, px, py) { v in v.replacing(with: v * s, where: v .< 0) }
        }
    }

    public func backward(_ dy: FeatureMap) throws -> FeatureMap {
        let x = try takeSaved(&savedInput, layer: "PReLU")
        let a = slopes(x)
        let dx = try FeatureMap(like: x)
        let chunks = BlockChunks(x)
        var part = [SIMD8<Double>](repeating: .zero, count: chunks.count)
        FeatureMap.withUnsafeData([x, dy, dx]) { maps in
            let xd = maps[0], gd = maps[1], od = maps[2]
            part.withUnsafeMutableBufferPointer { pp in
                let pp = pp
                parallelFor(chunks.count) { i in
                    let (nb, r) = chunks.item(i)
                    let off = nb * chunks.spatial * 8, s = a[nb % x.blocks]
                    var acc = SIMD8<Float>.zero
                    for j in r {
                        let v = UnsafeRawPointer(xd + off + j * 8).loadUnaligned(as: SIMD8<Float>.self)
                        let g = UnsafeRawPointer(gd + off + j * 8).loadUnaligned(as: SIMD8<Float>.self)
                        let neg = v .< 0
                        UnsafeMutableRawPointer(od + off + j * 8).storeBytes(of: g.replacing(with: g * s, where: neg), as: SIMD8<Float>.self)
                        acc += (g * v).replacing(with: SIMD8<Float>.zero, where: .!neg)
                    }
                    pp[i] = SIMD8<Double>(acc)
                }
            }
        }
        var perChannel = [Double](repeating: 0, count: x.paddedChannels)
        for i in 0..<chunks.count {
            let cb = chunks.item(i).nb % x.blocks
            for l in 0..<8 { perChannel[cb * 8 + l] += part[i][l] }
        }
        if weight.value.count == 1 {
            weight.grad.data[0] += Float(perChannel[0..<x.c].reduce(0, +))
        } else {
            for c in 0..<x.c { weight.grad.data[c] += Float(perChannel[c]) }
        }
        return dx
    }
}
