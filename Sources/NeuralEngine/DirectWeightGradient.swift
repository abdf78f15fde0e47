import ImageCore

/// Weight gradient of a k×k×k convolution computed directly on blocked maps.
///
/// oneDNN has no optimised 3-D backward-weights kernel for AVX2 (it falls back to im2col + GEMM or
/// reference loops). Here, for each (output block, input block, kernel tap) the 8×8 gradient block
/// is the sum over output voxels of dy[voxel] (8 output lanes) times each of the 8 input lanes at
/// the tapped voxel: 8 broadcast-FMAs per voxel, accumulated in registers along a row of W voxels
/// (both rows stay in L1), then added to Float64 totals per row. Work items are (output block,
/// input block, slab of output slices), each with its own partial sums combined in item order, so
/// the result does not depend on the thread count.
enum DirectWeightGradient {
    static let slab = 2

    /// dW in PyTorch's [out, in, k, k, k] layout.
    static func compute(x: FeatureMap, dy: FeatureMap, kernel k: Int, stride s: Int, padding p: Int) -> [Float] {
        let O = dy.c, I = x.c, OB = dy.blocks, IB = x.blocks
        let taps = k * k * k
        let slabs = (dy.d + slab - 1) / slab
        let items = OB * IB * slabs
        var partial = [SIMD8<Double>](repeating: .zero, count: items * taps * 8)
        FeatureMap.withUnsafeData([x, dy]) { maps in
            let xData = maps[0], dyData = maps[1]
            partial.withUnsafeMutableBufferPointer { pb in
                let pb = pb
                parallelFor(items) { item in
                    let ob = item / (IB * slabs), ib = (item / slabs) % IB, sl = item % slabs
                    let out = pb.baseAddress! + item * taps * 8
                    accumulate(x: x, xData, dy: dy, dyData, ob: ob, ib: ib, zRange: (sl * slab)..<Swift.min(dy.d, (sl + 1) * slab),
                               k: k, s: s, p: p, into: out)
                }
            }
        }
        var dw = [Float](repeating: 0, count: O * I * taps)
        for ob in 0..<OB {
            for ib in 0..<IB {
                for t in 0..<taps {
                    for il in 0..<8 {
                        var sum = SIMD8<Double>.zero
                        for sl in 0..<slabs {
                            let idx: Int = (((ob * IB + ib) * slabs + sl) * taps + t) * 8 + il
                            sum += partial[idx]
                        }
                        let i = ib * 8 + il
                        guard i < I else { continue }
                        for ol in 0..<8 where ob * 8 + ol < O {
                            let o: Int = ob * 8 + ol
                            dw[(o * I + i) * taps + t] = Float(sum[ol])
                        }
                    }
                }
            }
        }
        return dw
    }

    /// Adds, for one (output block, input block) and output slices `zRange`, every tap's 8×8 block:
    /// out[tap * 8 + inputLane] (a vector over output lanes).
    /// `xData` and `dyData` are the buffers of `x` and `dy`, valid for the call.
    private static func accumulate(x: FeatureMap, _ xData: UnsafeMutablePointer<Float>, dy: FeatureMap, _ dyData: UnsafeMutablePointer<Float>,
                                   ob: Int, ib: Int, zRange: Range<Int>,
                                   k: Int, s: Int, p: Int, into out: UnsafeMutablePointer<SIMD8<Double>>) {
        let Wo = dy.w, Ho = dy.h, W = x.w, H = x.h, D = x.d
        for n in 0..<dy.n {
            let gBase = dyData + dy.blockOffset(n, ob), xBase = xData + x.blockOffset(n, ib)
            for z in zRange {
                for y in 0..<Ho {
                    let gRow = gBase + ((z * Ho + y) * Wo) * 8
                    for a in 0..<k {
                        let iz = z * s - p + a
                        if iz < 0 || iz >= D { continue }
                        for b in 0..<k {
                            let iy = y * s - p + b
                            if iy < 0 || iy >= H { continue }
                            let xRow = xBase + ((iz * H + iy) * W) * 8
                            for c in 0..<k {
                                // Output columns whose tapped input column ix = x*s - p + c lies in [0, W).
                                let lo = Swift.max(0, (p - c + s - 1) / s)
                                let hi = Swift.min(Wo - 1, (W - 1 + p - c) / s)
                                if hi < lo { continue }
                                var a0 = SIMD8<Float>.zero, a1 = a0, a2 = a0, a3 = a0, a4 = a0, a5 = a0, a6 = a0, a7 = a0
                                var gp = gRow + lo * 8
                                var xp = xRow + (lo * s - p + c) * 8
                                let step = 8 * s
                                for _ in lo...hi {
                                    let g = UnsafeRawPointer(gp).loadUnaligned(as: SIMD8<Float>.self)
                                    a0.addProduct(g, SIMD8(repeating: xp[0]))
                                    a1.addProduct(g, SIMD8(repeating: xp[1]))
                                    a2.addProduct(g, SIMD8(repeating: xp[2]))
                                    a3.addProduct(g, SIMD8(repeating: xp[3]))
                                    a4.addProduct(g, SIMD8(repeating: xp[4]))
                                    a5.addProduct(g, SIMD8(repeating: xp[5]))
                                    a6.addProduct(g, SIMD8(repeating: xp[6]))
                                    a7.addProduct(g, SIMD8(repeating: xp[7]))
                                    gp += 8
                                    xp += step
                                }
                                let o = out + ((a * k + b) * k + c) * 8
                                o[0] += SIMD8<Double>(a0); o[1] += SIMD8<Double>(a1)
                                o[2] += SIMD8<Double>(a2); o[3] += SIMD8<Double>(a3)
                                o[4] += SIMD8<Double>(a4); o[5] += SIMD8<Double>(a5)
                                o[6] += SIMD8<Double>(a6); o[7] += SIMD8<Double>(a7)
                            }
                        }
                    }
                }
            }
        }
    }
}
