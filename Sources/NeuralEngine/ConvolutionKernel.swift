import CDNNL
import Foundation

/// oneDNN convolution or transposed convolution on `FeatureMap`s, with its three passes.
///
/// Primitives are JIT-compiled per input shape and cached. For each pass the blocked `nCdhw8c`
/// layout of the feature maps is tried first (no reorders at all); where oneDNN has no optimised
/// kernel for it on this CPU (on AVX2: 3-D backward-weights, strided backward-data, the 1-channel
/// input convolution, transposed-convolution forward) other activation layouts are tried (plain
/// `ncdhw` input, then channels-last, then plain) and the maps are reordered around that one pass,
/// which is far cheaper than oneDNN's reference loops. Weights use whatever layout oneDNN picks
/// (`any`), reordered from PyTorch's layout.
final class ConvolutionKernel {
    enum Kind { case convolution, deconvolution }
    enum Direction { case forward, backwardData, backwardWeights }

    let kind: Kind
    let inChannels: Int, outChannels: Int, kernel: Int, stride: Int, padding: Int
    let hasBias: Bool
    /// A ReLU applied by the forward primitive itself (oneDNN post-op), for inference with
    /// folded normalisation: no separate pass over the output.
    let fusedReLU: Bool
    private var plans: [[Int]: Plan] = [:]

    init(kind: Kind, inChannels: Int, outChannels: Int, kernel: Int, stride: Int, padding: Int, hasBias: Bool,
         fusedReLU: Bool = false) {
        self.kind = kind
        self.inChannels = inChannels; self.outChannels = outChannels
        self.kernel = kernel; self.stride = stride; self.padding = padding
        self.hasBias = hasBias
        self.fusedReLU = fusedReLU
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

    /// One pass: its primitive and the layouts it reads and writes.
    final class Pass {
        let primitive: Primitive
        /// Layout of x (forward, backward-weights) or dx (backward-data).
        let src: dnnl_memory_desc_t
        /// Layout of y (forward) or dy (backward passes).
        let dst: dnnl_memory_desc_t
        /// Weights (or weight-gradient) layout of the primitive.
        let weights: dnnl_memory_desc_t
        /// PyTorch layout -> `weights` (forward, backward-data), or `weights` -> PyTorch (backward-weights).
        let weightsReorder: Primitive?
        /// Blocked -> `src` for inputs, `src` -> blocked for the backward-data output.
        let srcReorder: Primitive?
        /// Blocked -> `dst` for inputs, `dst` -> blocked for the forward output.
        let dstReorder: Primitive?

        init(primitive: Primitive, direction: Direction, blockedSrc: dnnl_memory_desc_t, blockedDst: dnnl_memory_desc_t,
             user: dnnl_memory_desc_t) throws {
            self.primitive = primitive
            let isBwdData = direction == .backwardData
            src = primitive.md(isBwdData ? dnnl_query_diff_src_md : dnnl_query_src_md)
            dst = primitive.md(direction == .forward ? dnnl_query_dst_md : dnnl_query_diff_dst_md)
            weights = primitive.md(direction == .backwardWeights ? dnnl_query_diff_weights_md : dnnl_query_weights_md)
            if DNNL.equal(weights, user) {
                weightsReorder = nil
            } else if direction == .backwardWeights {
                weightsReorder = try Primitive(reorderFrom: weights, to: user)
            } else {
                weightsReorder = try Primitive(reorderFrom: user, to: weights)
            }
            if DNNL.equal(src, blockedSrc) {
                srcReorder = nil
            } else {
                srcReorder = isBwdData ? try Primitive(reorderFrom: src, to: blockedSrc) : try Primitive(reorderFrom: blockedSrc, to: src)
            }
            if DNNL.equal(dst, blockedDst) {
                dstReorder = nil
            } else {
                dstReorder = direction == .forward ? try Primitive(reorderFrom: dst, to: blockedDst) : try Primitive(reorderFrom: blockedDst, to: dst)
            }
        }
    }

    final class Plan {
        let src: dnnl_memory_desc_t, dst: dnnl_memory_desc_t
        let userWeights: dnnl_memory_desc_t, bias: dnnl_memory_desc_t
        var passes: [Direction: Pass] = [:]

        init(src: dnnl_memory_desc_t, dst: dnnl_memory_desc_t, userWeights: dnnl_memory_desc_t, bias: dnnl_memory_desc_t) {
            self.src = src; self.dst = dst; self.userWeights = userWeights; self.bias = bias
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
        let wdims = [outChannels, inChannels, kernel, kernel, kernel]
        let p = Plan(src: try DNNL.desc(x.dims, dnnl_nCdhw8c), dst: try DNNL.desc(od, dnnl_nCdhw8c),
                     userWeights: try DNNL.desc(wdims, kind == .convolution ? dnnl_oidhw : dnnl_iodhw),
                     bias: try DNNL.desc([outChannels], dnnl_x))
        plans[key] = p
        return p
    }

    /// Activation layouts tried in order for (src, dst).
    private static let candidates: [(dnnl_format_tag_t, dnnl_format_tag_t)] = [
        (dnnl_nCdhw8c, dnnl_nCdhw8c), (dnnl_ncdhw, dnnl_nCdhw8c), (dnnl_ndhwc, dnnl_ndhwc), (dnnl_ncdhw, dnnl_ncdhw),
    ]

    private func makeDesc(_ direction: Direction, src: inout dnnl_memory_desc_t, dst: inout dnnl_memory_desc_t,
                          bias: dnnl_memory_desc_t) throws -> dnnl_convolution_desc_t {
        var wany = try DNNL.desc([outChannels, inChannels, kernel, kernel, kernel], dnnl_format_tag_any)
        var b = bias
        var desc = dnnl_convolution_desc_t()
        let conv = kind == .convolution
        let st: dnnl_status_t = withUnsafeMutablePointer(to: &b) { bp in
            let bptr = hasBias ? bp : nil
            switch direction {
            case .forward:
                return conv ? dnnl_convolution_forward_desc_init(&desc, dnnl_forward_training, alg, &src, &wany, bptr, &dst, strides, pads, pads)
                    : dnnl_deconvolution_forward_desc_init(&desc, dnnl_forward_training, alg, &src, &wany, bptr, &dst, strides, pads, pads)
            case .backwardData:
                return conv ? dnnl_convolution_backward_data_desc_init(&desc, alg, &src, &wany, &dst, strides, pads, pads)
                    : dnnl_deconvolution_backward_data_desc_init(&desc, alg, &src, &wany, &dst, strides, pads, pads)
            case .backwardWeights:
                return conv ? dnnl_convolution_backward_weights_desc_init(&desc, alg, &src, &wany, bptr, &dst, strides, pads, pads)
                    : dnnl_deconvolution_backward_weights_desc_init(&desc, alg, &src, &wany, bptr, &dst, strides, pads, pads)
            }
        }
        try DNNL.check(st, "\(kind) \(direction) descriptor")
        return desc
    }

    /// The pass for `direction`, choosing the first layout with an optimised (non-reference) kernel.
    private func pass(_ direction: Direction, _ p: Plan, dims: [Int]) throws -> Pass {
        if let existing = p.passes[direction] { return existing }
        let od = [dims[0], outChannels] + (2..<5).map { outputSize(dims[$0]) }
        var chosen: Primitive?
        for (st, dt) in Self.candidates {
            var src = try DNNL.desc(dims, st), dst = try DNNL.desc(od, dt)
            var fdesc = try makeDesc(.forward, src: &src, dst: &dst, bias: p.bias)
            let attr = direction == .forward && fusedReLU ? try DNNL.reluPostOp() : nil
            defer { if let attr { dnnl_primitive_attr_destroy(attr) } }
            guard let fwd = try? withUnsafePointer(to: &fdesc, { try Primitive("\(kind) forward", opDesc: $0, attr: attr) })
            else { continue }
            var prim = fwd
            if direction != .forward {
                var src2 = try DNNL.desc(dims, st), dst2 = try DNNL.desc(od, dt)
                var bdesc = try makeDesc(direction, src: &src2, dst: &dst2, bias: p.bias)
                guard let b = try? withUnsafePointer(to: &bdesc, { try Primitive("\(kind) \(direction)", opDesc: $0, hint: fwd) }) else { continue }
                prim = b
            }
            if chosen == nil { chosen = prim }
            if !prim.implementation.hasPrefix("ref") { chosen = prim; break }
        }
        guard let prim = chosen else {
            throw NeuralEngineError.backend(what: "\(kind) \(direction): no implementation for \(dims)", status: -1)
        }
        let pass = try Pass(primitive: prim, direction: direction, blockedSrc: p.src, blockedDst: p.dst, user: p.userWeights)
        p.passes[direction] = pass
        return pass
    }

    /// Runs `body` with `fm`'s data in `reorder`'s output layout: a reordered scratch copy, or, with no
    /// reorder, `fm`'s own buffer (no copy).
    private func withInput<R>(_ fm: FeatureMap, blocked: dnnl_memory_desc_t, reorder: Primitive?, target: dnnl_memory_desc_t,
                              _ body: (UnsafeMutableRawPointer) throws -> R) throws -> R {
        guard let reorder else { return try fm.withUnsafeData { try body(UnsafeMutableRawPointer($0)) } }
        let buf = try AlignedBuffer(bytes: DNNL.byteSize(target))
        return try buf.withUnsafeBytes { scratch in
            try fm.withUnsafeData { data in
                try DNNL.execute(reorder, [(DNNL_ARG_FROM, blocked, UnsafeMutableRawPointer(data)), (DNNL_ARG_TO, target, scratch)],
                                 work: fm.count * 8)
            }
            return try body(scratch)
        }
    }

    /// Runs `body` with the weights in the layout `pass` expects.
    private func withWeights<R>(_ w: Tensor, _ p: Plan, _ pass: Pass, _ body: (UnsafeMutableRawPointer) throws -> R) throws -> R {
        let buf = try AlignedBuffer(bytes: DNNL.byteSize(pass.weights))
        return try buf.withUnsafeBytes { dst in
            try w.data.withUnsafeBufferPointer { wp in
                let raw = UnsafeMutableRawPointer(mutating: wp.baseAddress!)
                if let r = pass.weightsReorder {
                    try DNNL.execute(r, [(DNNL_ARG_FROM, p.userWeights, raw), (DNNL_ARG_TO, pass.weights, dst)], work: w.count)
                } else {
                    dst.copyMemory(from: raw, byteCount: w.count * 4)
                }
            }
            return try body(dst)
        }
    }

    /// Runs `body` writing an output of layout `md`, delivered as a blocked map.
    private func output(dims: [Int], blocked: dnnl_memory_desc_t, md: dnnl_memory_desc_t, reorder: Primitive?,
                        _ body: (UnsafeMutableRawPointer) throws -> Void) throws -> FeatureMap {
        let y = try FeatureMap(n: dims[0], c: dims[1], d: dims[2], h: dims[3], w: dims[4])
        guard let reorder else {
            try y.withUnsafeData { try body(UnsafeMutableRawPointer($0)) }
            return y
        }
        let buf = try AlignedBuffer(bytes: DNNL.byteSize(md))
        try buf.withUnsafeBytes { scratch in
            try body(scratch)
            try y.withUnsafeData { data in
                try DNNL.execute(reorder, [(DNNL_ARG_FROM, md, scratch), (DNNL_ARG_TO, blocked, UnsafeMutableRawPointer(data))],
                                 work: y.count * 8)
            }
        }
        y.zeroPadding()
        return y
    }

    /// Multiply-adds ×2 of one pass (the same for all three).
    private func flops(_ x: FeatureMap) -> Int {
        let od = outputDims(x)
        let voxels = kind == .convolution ? od[2] * od[3] * od[4] : x.spatial
        return 2 * x.n * inChannels * outChannels * kernel * kernel * kernel * voxels
    }

    func forward(_ x: FeatureMap, weight: Tensor, bias: Tensor?) throws -> FeatureMap {
        let p = try plan(for: x)
        let ps = try pass(.forward, p, dims: x.dims)
        return try withInput(x, blocked: p.src, reorder: ps.srcReorder, target: ps.src) { src in
            try withWeights(weight, p, ps) { w in
                try output(dims: outputDims(x), blocked: p.dst, md: ps.dst, reorder: ps.dstReorder) { dst in
                    var args: [(Int32, dnnl_memory_desc_t, UnsafeMutableRawPointer)] = [
                        (DNNL_ARG_SRC, ps.src, src), (DNNL_ARG_WEIGHTS, ps.weights, w), (DNNL_ARG_DST, ps.dst, dst)]
                    if hasBias, let bias {
                        try bias.data.withUnsafeBufferPointer { bp in
                            args.append((DNNL_ARG_BIAS, p.bias, UnsafeMutableRawPointer(mutating: bp.baseAddress!)))
                            try DNNL.execute(ps.primitive, args, work: flops(x))
                        }
                    } else {
                        try DNNL.execute(ps.primitive, args, work: flops(x))
                    }
                }
            }
        }
    }

    /// dL/dx from dL/dy.
    func backwardData(_ dy: FeatureMap, input x: FeatureMap, weight: Tensor) throws -> FeatureMap {
        let p = try plan(for: x)
        let ps = try pass(.backwardData, p, dims: x.dims)
        return try withInput(dy, blocked: p.dst, reorder: ps.dstReorder, target: ps.dst) { ddst in
            try withWeights(weight, p, ps) { w in
                try output(dims: x.dims, blocked: p.src, md: ps.src, reorder: ps.srcReorder) { dsrc in
                    try DNNL.execute(ps.primitive, [(DNNL_ARG_DIFF_DST, ps.dst, ddst), (DNNL_ARG_WEIGHTS, ps.weights, w),
                                                    (DNNL_ARG_DIFF_SRC, ps.src, dsrc)], work: flops(x))
                }
            }
        }
    }

    /// Adds dL/dW (PyTorch layout) and dL/db to the given gradients.
    func backwardWeights(_ dy: FeatureMap, input x: FeatureMap, weightGrad: inout Tensor, biasGrad: inout Tensor?) throws {
        if kind == .convolution && kernel > 1 && !hasBias {
            // oneDNN has no fast 3-D backward-weights kernel on AVX2; see DirectWeightGradient.
            let dw = DirectWeightGradient.compute(x: x, dy: dy, kernel: kernel, stride: stride, padding: padding)
            for i in 0..<weightGrad.count { weightGrad.data[i] += dw[i] }
            return
        }
        let p = try plan(for: x)
        let ps = try pass(.backwardWeights, p, dims: x.dims)
        let dw = try AlignedBuffer(bytes: DNNL.byteSize(ps.weights))
        let db = try AlignedBuffer(bytes: outChannels * 4)
        // Every raw pointer oneDNN reads or writes is used inside the closure that keeps its owner alive.
        try withInput(x, blocked: p.src, reorder: ps.srcReorder, target: ps.src) { src in
            try withInput(dy, blocked: p.dst, reorder: ps.dstReorder, target: ps.dst) { ddst in
                try dw.withUnsafeBytes { dwp in
                    try db.withUnsafeBytes { dbp in
                        var args: [(Int32, dnnl_memory_desc_t, UnsafeMutableRawPointer)] = [
                            (DNNL_ARG_SRC, ps.src, src), (DNNL_ARG_DIFF_DST, ps.dst, ddst), (DNNL_ARG_DIFF_WEIGHTS, ps.weights, dwp)]
                        if hasBias { args.append((DNNL_ARG_DIFF_BIAS, p.bias, dbp)) }
                        try DNNL.execute(ps.primitive, args, work: flops(x))
                    }
                }
            }
        }
        try dw.withUnsafeBytes { dwp in
            if let reorder = ps.weightsReorder {
                let user = try AlignedBuffer(bytes: weightGrad.count * 4)
                try user.withUnsafeBytes { up in
                    try DNNL.execute(reorder, [(DNNL_ARG_FROM, ps.weights, dwp), (DNNL_ARG_TO, p.userWeights, up)],
                                     work: weightGrad.count)
                    add(up, into: &weightGrad)
                }
            } else {
                add(dwp, into: &weightGrad)
            }
        }
        if hasBias, biasGrad != nil { db.withUnsafeBytes { add($0, into: &biasGrad!) } }
    }

    private func add(_ raw: UnsafeMutableRawPointer, into t: inout Tensor) {
        let src = raw.assumingMemoryBound(to: Float.self)
        for i in 0..<t.count { t.data[i] += src[i] }
    }

    /// Names of the kernels oneDNN picked for the passes run so far, for benchmarks.
    func implementations(for x: FeatureMap) -> [String] {
        guard let p = plans[x.dims] else { return [] }
        return [Direction.forward, .backwardData, .backwardWeights].compactMap { d in
            p.passes[d].map { "\(d): \($0.primitive.implementation)" }
        }
    }
}
