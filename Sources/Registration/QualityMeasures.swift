import Foundation
import ImageCore

/// Measures that say whether a registration can be trusted: foldings (Jacobian), agreement of the forward
/// and inverse warps, and image similarity before and after.
public enum QualityMeasures {
    /// The region quality is measured in: the mask when given, otherwise voxels above 5% of the fixed image's
    /// robust range (the head or, for skull-stripped images, the brain).
    public static func region(fixed: Volume<Float>, mask: Volume<Float>?) -> [Bool] {
        if let m = mask { return m.data.map { $0 > 0.5 } }
        let sorted = fixed.data.sorted()
        let lo = sorted.first ?? 0
        let hi = sorted[Swift.min(sorted.count - 1, Int(Double(sorted.count) * 0.99))]
        let t = lo + 0.05 * (hi - lo)
        return fixed.data.map { $0 > t }
    }

    /// Mean and max (mm) of |y - phiInv(phi(y))| over the region, with phi(y) = y + forward(y) and
    /// phiInv(z) = z + inverse(z); both fields on the fixed grid.
    public static func inverseConsistency(forward: DisplacementField, inverse: DisplacementField,
                                          region: [Bool]) -> InverseConsistency {
        let g = forward.geometry
        let s = forward.shape
        let n = s.count
        let toWorld = g.affineLPS
        var sum = 0.0, worst = 0.0, count = 0
        forward.data.withUnsafeBufferPointer { fb in
            inverse.data.withUnsafeBufferPointer { ib in
                let f = fb.baseAddress!, iv = ib.baseAddress!
                for q in 0..<n where region[q] {
                    let i = q % s.nx, j = (q / s.nx) % s.ny, k = q / s.sliceCount
                    let x = Float(i) + f[q], y = Float(j) + f[n + q], z = Float(k) + f[2 * n + q]
                    let st = TrilinearStencil(s, x, y, z)
                    let back = SIMD3<Double>(Double(x + st.sample(iv)) - Double(i), Double(y + st.sample(iv + n)) - Double(j),
                                             Double(z + st.sample(iv + 2 * n)) - Double(k))
                    let mm = toWorld.applyLinear(back)
                    let e = (mm * mm).sum().squareRoot()
                    sum += e
                    worst = Swift.max(worst, e)
                    count += 1
                }
            }
        }
        return InverseConsistency(meanMM: count > 0 ? sum / Double(count) : 0, maxMM: worst, voxels: count)
    }

    /// Pearson correlation of two images on one grid over the region.
    public static func correlation(_ a: Volume<Float>, _ b: Volume<Float>, region: [Bool]) -> Double {
        var sa = 0.0, sb = 0.0, saa = 0.0, sbb = 0.0, sab = 0.0, n = 0.0
        for q in 0..<a.voxelCount where region[q] {
            let x = Double(a.data[q]), y = Double(b.data[q])
            sa += x; sb += y; saa += x * x; sbb += y * y; sab += x * y; n += 1
        }
        guard n > 1 else { return 0 }
        let va = saa - sa * sa / n, vb = sbb - sb * sb / n
        guard va > 0, vb > 0 else { return 0 }
        return (sab - sa * sb / n) / (va * vb).squareRoot()
    }
}

/// Inverse consistency error summary (mm).
public struct InverseConsistency: Codable, Sendable, Equatable {
    public var meanMM: Double
    public var maxMM: Double
    public var voxels: Int
}
