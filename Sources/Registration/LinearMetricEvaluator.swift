import Foundation
import ImageCore

/// Fixed-image samples and the moving image of one linear level, and the metric (Mattes MI or global
/// NCC) with its analytic gradient with respect to the affine map.
///
/// The transform is y = A p + c + t with p = x - c (x a fixed sample in LPS mm). For every sample the
/// metric's derivative with respect to the moving point y is g = dCost/dm * grad M(y); the caller's
/// gradients are then sum g p^T (for A) and sum g (for t), from which rigid and affine updates follow.
public final class LinearMetricEvaluator {
    let metric: LinearMetric
    let bins: Int
    /// Sample positions relative to the centre (mm) and fixed intensities.
    let points: [SIMD3<Float>]
    let fixedValues: [Float]
    let center: SIMD3<Double>
    /// Root-mean-square of each component of the sample positions (mm): parameter scales.
    public let rms: SIMD3<Double>
    private let moving: Volume<Float>
    /// Per voxel (value, d/di, d/dj, d/dk): one 16-byte load per stencil corner instead of four scattered
    /// ones, which is what bounds the cost of random-access sampling.
    private let packed: [SIMD4<Float>]
    private let movingRange: (Float, Float)
    private let fixedRange: (Float, Float)

    /// Samples `fixed` (inside `mask` when given, at most `maximumSamples` voxels) against `moving`;
    /// `center` is the centre of the affine parameterisation (LPS mm).
    public init(fixed: Volume<Float>, mask: [Float]?, moving: Volume<Float>, center: SIMD3<Double>,
         metric: LinearMetric, bins: Int, maximumSamples: Int) throws {
        self.metric = metric
        self.bins = bins
        self.center = center
        self.moving = moving
        let n = fixed.voxelCount
        var candidates: [Int] = []
        candidates.reserveCapacity(n)
        for q in 0..<n where mask == nil || mask![q] > 0.5 { candidates.append(q) }
        guard candidates.count >= 64 else {
            throw RegistrationError.failed(stage: "linear registration", problem: "too few fixed samples (\(candidates.count)) at \(fixed.geometry.spacing.x) mm")
        }
        var chosen = candidates
        if candidates.count > maximumSamples {
            // regular sampling with a deterministic random offset inside each block of `stride` candidates
            let stride = Double(candidates.count) / Double(maximumSamples)
            var rng = SplitMix64(seed: 0x5eed)
            chosen = (0..<maximumSamples).map { s in
                let lo = Int(Double(s) * stride), hi = Swift.max(lo + 1, Int(Double(s + 1) * stride))
                return candidates[Swift.min(candidates.count - 1, lo + Int(rng.next() % UInt64(hi - lo)))]
            }
        }
        let g = fixed.geometry
        let size = g.size
        let c = center
        let pts = chosen.map { q in
            let i = q % size.x, j = (q / size.x) % size.y, k = q / (size.x * size.y)
            let w = g.worldLPS(SIMD3(Double(i), Double(j), Double(k))) - c
            return SIMD3<Float>(Float(w.x), Float(w.y), Float(w.z))
        }
        points = pts
        fixedValues = chosen.map { fixed.data[$0] }
        var sq = SIMD3<Double>.zero
        for p in pts { sq += SIMD3<Double>(Double(p.x * p.x), Double(p.y * p.y), Double(p.z * p.z)) }
        rms = SIMD3<Double>((0..<3).map { Swift.max((sq[$0] / Double(pts.count)).squareRoot(), 1) })
        let gradient = LinearMetricEvaluator.indexGradient(moving)
        let nv = moving.voxelCount
        packed = (0..<nv).map { SIMD4(moving.data[$0], gradient[$0], gradient[nv + $0], gradient[2 * nv + $0]) }
        movingRange = (moving.data.min() ?? 0, moving.data.max() ?? 1)
        fixedRange = (fixedValues.min() ?? 0, fixedValues.max() ?? 1)
    }

    /// Cost (lower is better: -MI or -NCC), dCost/dA (row-major 3x3) and dCost/dt, or nil when fewer than
    /// a tenth of the samples land inside the moving image.
    public func evaluate(linear a: [Double], translation t: SIMD3<Double>) -> (cost: Double, gradA: [Double], gradT: SIMD3<Double>)? {
        // moving index = W (A p + c + t): fold into one 3x4 map of p
        let w = moving.geometry.inverseAffineLPS
        var m = Matrix4.identity
        for r in 0..<3 { for c in 0..<3 { m[r, c] = a[r * 3 + c] } }
        let off = center + t
        m[0, 3] = off.x; m[1, 3] = off.y; m[2, 3] = off.z
        let toIndex = AffineMap3(w * m)
        // world gradient = W_lin^T * index gradient
        // columns of W_lin^T as SIMD rows: world gradient = gi * c0 + gj * c1 + gk * c2
        let c0 = SIMD3<Float>(Float(w[0, 0]), Float(w[0, 1]), Float(w[0, 2]))
        let c1 = SIMD3<Float>(Float(w[1, 0]), Float(w[1, 1]), Float(w[1, 2]))
        let c2 = SIMD3<Float>(Float(w[2, 0]), Float(w[2, 1]), Float(w[2, 2]))
        let s = GridShape(moving.size)
        let count = points.count
        var mv = [Float](repeating: 0, count: count)
        var gw = [SIMD3<Float>](repeating: .zero, count: count)
        var valid = [Bool](repeating: false, count: count)
        let hx = Float(s.nx - 1), hy = Float(s.ny - 1), hz = Float(s.nz - 1)
        packed.withUnsafeBufferPointer { pkb in
                mv.withUnsafeMutableBufferPointer { mvb in
                    gw.withUnsafeMutableBufferPointer { gwb in
                        valid.withUnsafeMutableBufferPointer { vb in
                            let img = pkb.baseAddress!
                            let mvp = mvb.baseAddress!, gwp = gwb.baseAddress!, vp = vb.baseAddress!
                            points.withUnsafeBufferPointer { pb in
                                let pts = pb.baseAddress!
                                parallelChunks(count, minChunk: 2048) { range in
                                    for q in range {
                                        let p = pts[q]
                                        let (x, y, z) = toIndex.apply(p.x, p.y, p.z)
                                        guard x >= 0, y >= 0, z >= 0, x <= hx, y <= hy, z <= hz else { continue }
                                        let v = TrilinearStencil(s, x, y, z).sample(img)
                                        mvp[q] = v.x
                                        gwp[q] = v.y * c0 + v.z * c1 + v.w * c2
                                        vp[q] = true
                                    }
                                }
                            }
                        }
                    }
                }
        }
        let nValid = valid.reduce(0) { $0 + ($1 ? 1 : 0) }
        guard nValid >= Swift.max(32, count / 10) else { return nil }
        // per-sample dCost/dm
        let dm: [Double]
        let cost: Double
        switch metric {
        case .ncc:
            (cost, dm) = nccDerivatives(mv, valid)
        case .mattes:
            (cost, dm) = mattesDerivatives(mv, valid, nValid)
        }
        guard cost.isFinite else { return nil }
        var gA = [Double](repeating: 0, count: 9)
        var gT = SIMD3<Double>.zero
        for q in 0..<count where valid[q] && dm[q] != 0 {
            let g = SIMD3<Double>(Double(gw[q].x), Double(gw[q].y), Double(gw[q].z)) * dm[q]
            let p = SIMD3<Double>(Double(points[q].x), Double(points[q].y), Double(points[q].z))
            for r in 0..<3 { for c in 0..<3 { gA[r * 3 + c] += g[r] * p[c] } }
            gT += g
        }
        return (cost, gA, gT)
    }

    /// Cost -NCC and its derivative per sample: dNCC/dm = (f - mf)/sqrt(Sff Smm) - NCC (m - mm)/Smm.
    private func nccDerivatives(_ mv: [Float], _ valid: [Bool]) -> (Double, [Double]) {
        var sf = 0.0, sm = 0.0, sff = 0.0, smm = 0.0, sfm = 0.0, cnt = 0.0
        for q in 0..<mv.count where valid[q] {
            let f = Double(fixedValues[q]), m = Double(mv[q])
            sf += f; sm += m; sff += f * f; smm += m * m; sfm += f * m; cnt += 1
        }
        let vf = sff - sf * sf / cnt, vm = smm - sm * sm / cnt, cv = sfm - sf * sm / cnt
        guard vf > 0, vm > 0 else { return (0, [Double](repeating: 0, count: mv.count)) }
        let ncc = cv / (vf * vm).squareRoot()
        let mf = sf / cnt, mm = sm / cnt
        let a = 1 / (vf * vm).squareRoot(), b = ncc / vm
        var d = [Double](repeating: 0, count: mv.count)
        for q in 0..<mv.count where valid[q] {
            d[q] = -(a * (Double(fixedValues[q]) - mf) - b * (Double(mv[q]) - mm))
        }
        return (-ncc, d)
    }

    /// Cost -MI with a Parzen (cubic B-spline) window on the moving intensity and a box window on the fixed
    /// one (Mattes et al. 2003), and dCost/dm per sample: -(1/(N dm)) sum_k -B3'(k - z) log(p(f, k) / pM(k)).
    private func mattesDerivatives(_ mv: [Float], _ valid: [Bool], _ nValid: Int) -> (Double, [Double]) {
        let pad = 2
        let nb = bins
        let (fmin, fmax) = fixedRange, (mmin, mmax) = movingRange
        let df = Swift.max(Double(fmax - fmin) / Double(nb - 2 * pad), 1e-12)
        let dmv = Swift.max(Double(mmax - mmin) / Double(nb - 2 * pad), 1e-12)
        var joint = [Double](repeating: 0, count: nb * nb)
        var fbin = [Int](repeating: 0, count: mv.count)
        var zeta = [Double](repeating: 0, count: mv.count)
        for q in 0..<mv.count where valid[q] {
            let fb = Swift.min(nb - pad - 1, Swift.max(pad, pad + Int((Double(fixedValues[q] - fmin) / df))))
            let z = Double(pad) + Double(mv[q] - mmin) / dmv
            fbin[q] = fb
            zeta[q] = z
            let k0 = Int(z.rounded(.down)) - 1
            for k in k0...(k0 + 3) where k >= 0 && k < nb {
                joint[fb * nb + k] += LinearMetricEvaluator.bspline3(Double(k) - z)
            }
        }
        let total = joint.reduce(0, +)
        guard total > 0 else { return (0, [Double](repeating: 0, count: mv.count)) }
        for i in joint.indices { joint[i] /= total }
        var pf = [Double](repeating: 0, count: nb), pm = [Double](repeating: 0, count: nb)
        for i in 0..<nb { for k in 0..<nb { pf[i] += joint[i * nb + k]; pm[k] += joint[i * nb + k] } }
        var mi = 0.0
        var logRatio = [Double](repeating: 0, count: nb * nb)
        for i in 0..<nb {
            for k in 0..<nb {
                let pj = joint[i * nb + k]
                if pj > 1e-16 && pm[k] > 1e-16 {
                    logRatio[i * nb + k] = log(pj / pm[k])
                    if pf[i] > 1e-16 { mi += pj * log(pj / (pf[i] * pm[k])) }
                }
            }
        }
        var d = [Double](repeating: 0, count: mv.count)
        let scale = 1 / (Double(nValid) * dmv)
        for q in 0..<mv.count where valid[q] {
            let z = zeta[q], fb = fbin[q]
            let k0 = Int(z.rounded(.down)) - 1
            var s = 0.0
            for k in k0...(k0 + 3) where k >= 0 && k < nb {
                // d/dz B3(k - z) = -B3'(k - z)
                s -= LinearMetricEvaluator.bspline3Derivative(Double(k) - z) * logRatio[fb * nb + k]
            }
            d[q] = -s * scale
        }
        return (-mi, d)
    }

    static func bspline3(_ u: Double) -> Double {
        let a = Swift.abs(u)
        if a < 1 { return (4 - 6 * a * a + 3 * a * a * a) / 6 }
        if a < 2 { let b = 2 - a; return b * b * b / 6 }
        return 0
    }

    static func bspline3Derivative(_ u: Double) -> Double {
        let a = Swift.abs(u)
        if a < 1 { return -2 * u + 1.5 * u * a }
        if a < 2 { let b = 2 - a; return -0.5 * b * b * (u > 0 ? 1 : -1) }
        return 0
    }

    /// Central-difference gradient in index units, planar (d/di, d/dj, d/dk).
    static func indexGradient(_ v: Volume<Float>) -> [Float] {
        let s = GridShape(v.size)
        let n = s.count
        var g = [Float](repeating: 0, count: 3 * n)
        v.data.withUnsafeBufferPointer { vb in
            g.withUnsafeMutableBufferPointer { gb in
                let img = vb.baseAddress!, out = gb.baseAddress!
                parallelFor(s.nz) { k in
                    let km = Swift.max(k - 1, 0), kp = Swift.min(k + 1, s.nz - 1)
                    for j in 0..<s.ny {
                        let jm = Swift.max(j - 1, 0), jp = Swift.min(j + 1, s.ny - 1)
                        for i in 0..<s.nx {
                            let im = Swift.max(i - 1, 0), ip = Swift.min(i + 1, s.nx - 1)
                            let q = s.index(i, j, k)
                            out[q] = ip == im ? 0 : (img[s.index(ip, j, k)] - img[s.index(im, j, k)]) / Float(ip - im)
                            out[n + q] = jp == jm ? 0 : (img[s.index(i, jp, k)] - img[s.index(i, jm, k)]) / Float(jp - jm)
                            out[2 * n + q] = kp == km ? 0 : (img[s.index(i, j, kp)] - img[s.index(i, j, km)]) / Float(kp - km)
                        }
                    }
                }
            }
        }
        return g
    }
}
