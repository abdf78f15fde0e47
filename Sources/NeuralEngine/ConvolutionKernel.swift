import CDNNL
import Foundation

/// A 64-byte aligned scratch buffer (reordered weights, weight gradients in oneDNN's layout).
final class AlignedBuffer {
    let bytes: Int
    let raw: UnsafeMutableRawPointer

    init(bytes: Int) {
        self.bytes = Swift.max(bytes, 64)
        var p: UnsafeMutableRawPointer?
        precondition(posix_memalign(&p, 64, self.bytes) == 0 && p != nil, "out of memory (\(bytes) bytes)")
        raw = p!
        raw.initializeMemory(as: UInt8.self, repeating: 0, count: self.bytes)
    }

    deinit { free(raw) }
}

/// oneDNN convolution or transposed convolution on `FeatureMap`s, with its three passes.
///
/// Primitives are JIT-compiled per input shape and cached, so the per-call cost is one weight
/// reorder (small) plus the kernel. Activations are always `nCdhw8c`; the weight layout is left to
/// oneDNN (`any`) and reordered from PyTorch's layout, which is what makes its blocked kernels apply.
final class ConvolutionKernel {
    enum Kind { case convolution, deconvolution }

    let kind: Kind
    let inChannels: Int, outChannels: Int, kernel: Int, stride: Int, padding: Int
    let hasBias: Bool
    private var plans: [[Int]: Plan] = [:]

    init(kind: Kind, inChannels: Int, outChannels: Int, kernel: Int, stride: Int, padding: Int, hasBias: Bool) {
        self.kind = kind
        self.inChannels = inChannels; self.outChannels = outChannels
        self.kernel = kernel; self.stride = stride; self.padding = padding
        self.hasBias = hasBias
    }

    /// Spatial output size for one axis.
    func outputSize(_ n: Int) -> Int {
        switch kind {
        case .convolution: return (n + 2 * padding - kernel) / stride + 1
        case .deconvolution: return (n - 1) * stride - 2 * padding + kernel
        }
    }

    func outputDims(_ x: FeatureMap) -> [Int] {
        [x.n, outChannels, outputSize(x.d), outputSize(x.h), outputSize(x.w)]
    }

    /// PyTorch's weight layout: Conv3d [out, in, k, k, k]; ConvTranspose3d [in, out, k, k, k].
    var weightShape: [Int] {
        kind == .convolution ? [outChannels, inChannels, kernel, kernel, kernel]
                             : [inChannels, outChannels, kernel, kernel, kernel]
    }

    final class Plan {
        let src: dnnl_memory_desc_t, dst: dnnl_memory_desc_t
        let userWeights: dnnl_memory_desc_t, bias: dnnl_memory_desc_t
        let forward: Primitive
        let forwardWeights: dnnl_memory_desc_t
        let toForwardWeights: Primitive?
        var backwardData: Primitive?
        var backwardDataWeights = dnnl_memory_desc_t()
        var toBackwardDataWeights: Primitive?
        var backwardWeights: Primitive?
        var diffWeights = dnnl_memory_desc_t()
        var fromDiffWeights: Primitive?

        init(src: dnnl_memory_desc_t, dst: dnnl_memory_desc_t, userWeights: dnnl_memory_desc_t,
             bias: dnnl_memory_desc_t, forward: Primitive) throws {
            self.src = src; self.dst = dst; self.userWeights = userWeights; self.bias = bias
            self.forward = forward
            forwardWeights = forward.md(dnnl_query_weights_md)
            toForwardWeights = DNNL.equal(forwardWeights, userWeights)
                ? nil : try Primitive(reorderFrom: userWeights, to: forwardWeights)
        }
    }

    private var strides: [Int64] { [Int64](repeating: Int64(stride), count: 3) }
    private var pads: [Int64] { [Int64](repeating: Int64(padding), count: 3) }
    private var alg: dnnl_alg_kind_t { kind == .convolution ? dnnl_convolution_direct : dnnl_deconvolution_direct }

    private func plan(for x: FeatureMap) throws -> Plan {
        let key = x.dims
        if let p = plans[key] { return p }
        guard x.c == inChannels else {
            throw NeuralEngineError.shapeMismatch("convolution expects \(inChannels) input channels, got \(x.c)")
        }
        let od = outputDims(x)
        guard od[2] > 0, od[3] > 0, od[4] > 0 else {
            throw NeuralEngineError.shapeMismatch("input \(x.dims) is too small for a kernel of \(kernel)")
        }
        var src = try DNNL.desc(x.dims, dnnl_nCdhw8c)
        var dst = try DNNL.desc(od, dnnl_nCdhw8c)
        let wdims = [outChannels, inChannels, kernel, kernel, kernel]
        let user = try DNNL.desc(wdims, kind == .convolution ? dnnl_oidhw : dnnl_iodhw)
        var wany = try DNNL.desc(wdims, dnnl_format_tag_any)
        var bias = try DNNL.desc([outChannels], dnnl_x)
        var desc = dnnl_convolution_desc_t()
        let prop = dnnl_forward_training
        let st: dnnl_status_t = withUnsafeMutablePointer(to: &bias) { bp in
            let b = hasBias ? bp : nil
            switch kind {
            case .convolution:
                return dnnl_convolution_forward_desc_init(&desc, prop, alg, &src, &wany, b, &dst, strides, pads, pads)
            case .deconvolution:
                return dnnl_deconvolution_forward_desc_init(&desc, prop, alg, &src, &wany, b, &dst, strides, pads, pads)
            }
        }
        try DNNL.check(st, "convolution descriptor")
        let fwd = try withUnsafePointer(to: &desc) { try Primitive("\(kind) forward", opDesc: $0) }
        let p = try Plan(src: src, dst: dst, userWeights: user, bias: bias, forward: fwd)
        plans[key] = p
        return p
    }

    /// Weights in the layout `target` expects (reordered into a scratch buffer when it differs).
    private func weights(_ w: UnsafePointer<Float>, _ p: Plan, reorder: Primitive?,
                         target: dnnl_memory_desc_t) throws -> (UnsafeMutableRawPointer, AlignedBuffer?) {
        let raw = UnsafeMutableRawPointer(mutating: w)
        guard let reorder else { return (raw, nil) }
        let buf = AlignedBuffer(bytes: DNNL.byteSize(target))
        try DNNL.execute(reorder, [(DNNL_ARG_FROM, p.userWeights, raw), (DNNL_ARG_TO, target, buf.raw)])
        return (buf.raw, buf)
    }

    func forward(_ x: FeatureMap, weight: Tensor, bias: Tensor?) throws -> FeatureMap {
        let p = try plan(for: x)
        let od = outputDims(x)
        let y = FeatureMap(n: od[0], c: od[1], d: od[2], h: od[3], w: od[4])
        try weight.data.withUnsafeBufferPointer { wp in
            let (wptr, keep) = try weights(wp.baseAddress!, p, reorder: p.toForwardWeights, target: p.forwardWeights)
            var args: [(Int32, dnnl_memory_desc_t, UnsafeMutableRawPointer)] = [
                (DNNL_ARG_SRC, p.src, UnsafeMutableRawPointer(x.data)),
                (DNNL_ARG_WEIGHTS, p.forwardWeights, wptr),
                (DNNL_ARG_DST, p.dst, UnsafeMutableRawPointer(y.data)),
            ]
            if hasBias, let bias {
                try bias.data.withUnsafeBufferPointer { bp in
                    args.append((DNNL_ARG_BIAS, p.bias, UnsafeMutableRawPointer(mutating: bp.baseAddress!)))
                    try DNNL.execute(p.forward, args)
                }
            } else {
                try DNNL.execute(p.forward, args)
            }
            withExtendedLifetime(keep) {}
        }
        return y
    }

    /// dL/dx from dL/dy.
    func backwardData(_ dy: FeatureMap, input x: FeatureMap, weight: Tensor) throws -> FeatureMap {
        let p = try plan(for: x)
        if p.backwardData == nil {
            var src = p.src, dst = p.dst
            var wany = try DNNL.desc([outChannels, inChannels, kernel, kernel, kernel], dnnl_format_tag_any)
            var desc = dnnl_convolution_desc_t()
            let st = kind == .convolution
                ? dnnl_convolution_backward_data_desc_init(&desc, alg, &src, &wany, &dst, strides, pads, pads)
                : dnnl_deconvolution_backward_data_desc_init(&desc, alg, &src, &wany, &dst, strides, pads, pads)
            try DNNL.check(st, "backward-data descriptor")
            let prim = try withUnsafePointer(to: &desc) {
                try Primitive("\(kind) backward data", opDesc: $0, hint: p.forward)
            }
            p.backwardData = prim
            p.backwardDataWeights = prim.md(dnnl_query_weights_md)
            p.toBackwardDataWeights = DNNL.equal(p.backwardDataWeights, p.userWeights)
                ? nil : try Primitive(reorderFrom: p.userWeights, to: p.backwardDataWeights)
        }
        let dx = FeatureMap(like: x)
        try weight.data.withUnsafeBufferPointer { wp in
            let (wptr, keep) = try weights(wp.baseAddress!, p, reorder: p.toBackwardDataWeights,
                                           target: p.backwardDataWeights)
            try DNNL.execute(p.backwardData!, [
                (DNNL_ARG_DIFF_DST, p.dst, UnsafeMutableRawPointer(dy.data)),
                (DNNL_ARG_WEIGHTS, p.backwardDataWeights, wptr),
                (DNNL_ARG_DIFF_SRC, p.src, UnsafeMutableRawPointer(dx.data)),
            ])
            withExtendedLifetime(keep) {}
        }
        return dx
    }

    /// Adds dL/dW (PyTorch layout) and dL/db to the given gradients.
    func backwardWeights(_ dy: FeatureMap, input x: FeatureMap, weightGrad: inout Tensor, biasGrad: inout Tensor?) throws {
        let p = try plan(for: x)
        if p.backwardWeights == nil {
            var src = p.src, dst = p.dst, bias = p.bias
            var wany = try DNNL.desc([outChannels, inChannels, kernel, kernel, kernel], dnnl_format_tag_any)
            var desc = dnnl_convolution_desc_t()
            let st: dnnl_status_t = withUnsafeMutablePointer(to: &bias) { bp in
                let b = hasBias ? bp : nil
                return kind == .convolution
                    ? dnnl_convolution_backward_weights_desc_init(&desc, alg, &src, &wany, b, &dst, strides, pads, pads)
                    : dnnl_deconvolution_backward_weights_desc_init(&desc, alg, &src, &wany, b, &dst, strides, pads, pads)
            }
            try DNNL.check(st, "backward-weights descriptor")
            let prim = try withUnsafePointer(to: &desc) {
                try Primitive("\(kind) backward weights", opDesc: $0, hint: p.forward)
            }
            p.backwardWeights = prim
            p.diffWeights = prim.md(dnnl_query_diff_weights_md)
            p.fromDiffWeights = DNNL.equal(p.diffWeights, p.userWeights)
                ? nil : try Primitive(reorderFrom: p.diffWeights, to: p.userWeights)
        }
        let dw = AlignedBuffer(bytes: DNNL.byteSize(p.diffWeights))
        let db = AlignedBuffer(bytes: outChannels * 4)
        var args: [(Int32, dnnl_memory_desc_t, UnsafeMutableRawPointer)] = [
            (DNNL_ARG_SRC, p.src, UnsafeMutableRawPointer(x.data)),
            (DNNL_ARG_DIFF_DST, p.dst, UnsafeMutableRawPointer(dy.data)),
            (DNNL_ARG_DIFF_WEIGHTS, p.diffWeights, dw.raw),
        ]
        if hasBias { args.append((DNNL_ARG_DIFF_BIAS, p.bias, db.raw)) }
        try DNNL.execute(p.backwardWeights!, args)
        let count = weightGrad.count
        if let reorder = p.fromDiffWeights {
            let user = AlignedBuffer(bytes: count * 4)
            try DNNL.execute(reorder, [(DNNL_ARG_FROM, p.diffWeights, dw.raw), (DNNL_ARG_TO, p.userWeights, user.raw)])
            add(user.raw, into: &weightGrad)
        } else {
            add(dw.raw, into: &weightGrad)
        }
        if hasBias, biasGrad != nil { add(db.raw, into: &biasGrad!) }
    }

    private func add(_ raw: UnsafeMutableRawPointer, into t: inout Tensor) {
        let src = raw.assumingMemoryBound(to: Float.self)
        for i in 0..<t.count { t.data[i] += src[i] }
    }

    /// Names of the kernels oneDNN picked, for benchmarks.
    func implementations(for x: FeatureMap) -> [String] {
        guard let p = try? plan(for: x) else { return [] }
        return [p.forward.implementation, p.backwardData?.implementation, p.backwardWeights?.implementation]
            .compactMap { $0 }
    }
}
