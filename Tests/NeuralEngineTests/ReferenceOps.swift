import NeuralEngine

/// Naive Float64 implementations used as independent references in the tests.
enum Reference {
    /// PyTorch Conv3d on NCDHW: weight [O, I, k, k, k].
    static func conv3d(_ x: Tensor, _ w: Tensor, bias: Tensor?, stride: Int, padding: Int) -> Tensor {
        let (N, C, D, H, W) = (x.shape[0], x.shape[1], x.shape[2], x.shape[3], x.shape[4])
        let O = w.shape[0], k = w.shape[2]
        let od = (D + 2 * padding - k) / stride + 1, oh = (H + 2 * padding - k) / stride + 1
        let ow = (W + 2 * padding - k) / stride + 1
        var y = Tensor(shape: [N, O, od, oh, ow])
        for n in 0..<N { for o in 0..<O { for z in 0..<od { for yy in 0..<oh { for xx in 0..<ow {
            var s = Double(bias?.data[o] ?? 0)
            for c in 0..<C { for a in 0..<k { for b in 0..<k { for e in 0..<k {
                let iz = z * stride - padding + a, iy = yy * stride - padding + b, ix = xx * stride - padding + e
                if iz < 0 || iy < 0 || ix < 0 || iz >= D || iy >= H || ix >= W { continue }
                let xv = x.data[(((n * C + c) * D + iz) * H + iy) * W + ix]
                let wv = w.data[(((o * C + c) * k + a) * k + b) * k + e]
                s += Double(xv) * Double(wv)
            } } } }
            y.data[(((n * O + o) * od + z) * oh + yy) * ow + xx] = Float(s)
        } } } } }
        return y
    }

    /// PyTorch ConvTranspose3d with kernel k == stride, padding 0: weight [I, O, k, k, k].
    static func convTranspose3d(_ x: Tensor, _ w: Tensor, bias: Tensor?, stride: Int) -> Tensor {
        let (N, C, D, H, W) = (x.shape[0], x.shape[1], x.shape[2], x.shape[3], x.shape[4])
        let O = w.shape[1], k = w.shape[2]
        let od = (D - 1) * stride + k, oh = (H - 1) * stride + k, ow = (W - 1) * stride + k
        var acc = [Double](repeating: 0, count: N * O * od * oh * ow)
        for n in 0..<N { for o in 0..<O {
            for i in 0..<(od * oh * ow) { acc[(n * O + o) * od * oh * ow + i] = Double(bias?.data[o] ?? 0) }
        } }
        for n in 0..<N { for c in 0..<C { for z in 0..<D { for yy in 0..<H { for xx in 0..<W {
            let xv = Double(x.data[(((n * C + c) * D + z) * H + yy) * W + xx])
            for o in 0..<O { for a in 0..<k { for b in 0..<k { for e in 0..<k {
                let wv = Double(w.data[(((c * O + o) * k + a) * k + b) * k + e])
                acc[(((n * O + o) * od + z * stride + a) * oh + yy * stride + b) * ow + xx * stride + e] += xv * wv
            } } } }
        } } } } }
        return Tensor(shape: [N, O, od, oh, ow], data: acc.map { Float($0) })
    }
}

extension RandomSource {
    mutating func tensor(_ shape: [Int], scale: Float = 1) -> Tensor {
        Tensor(shape: shape, data: (0..<shape.reduce(1, *)).map { _ in uniform(-scale, scale) })
    }
}

/// Loss = sum(y * r) in Float64: its gradient w.r.t. y is r, so dL/dx of any op is its backward of r.
func weightedSum(_ y: Tensor, _ r: Tensor) -> Double {
    var s = 0.0
    for i in 0..<y.count { s += Double(y.data[i]) * Double(r.data[i]) }
    return s
}
