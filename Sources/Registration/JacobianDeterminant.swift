import ImageCore

/// Jacobian determinant of x -> x + u(x), det(I + grad u), by central differences (one-sided at the
/// border). Computed in voxel units: the determinant is invariant to the grid's spacing and direction,
/// so this equals the determinant of the world-space map.
public enum JacobianDeterminant {
    public static func compute(_ u: DisplacementField) -> Volume<Float> {
        let s = u.shape
        let n = s.count
        var out = Volume<Float>(geometry: u.geometry)
        u.data.withUnsafeBufferPointer { ub in
            out.data.withUnsafeMutableBufferPointer { ob in
                let p = ub.baseAddress!, o = ob.baseAddress!
                parallelFor(s.nz) { k in
                    let km = Swift.max(k - 1, 0), kp = Swift.min(k + 1, s.nz - 1)
                    let hz = Float(Swift.max(kp - km, 1))
                    for j in 0..<s.ny {
                        let jm = Swift.max(j - 1, 0), jp = Swift.min(j + 1, s.ny - 1)
                        let hy = Float(Swift.max(jp - jm, 1))
                        for i in 0..<s.nx {
                            let im = Swift.max(i - 1, 0), ip = Swift.min(i + 1, s.nx - 1)
                            let hx = Float(Swift.max(ip - im, 1))
                            // row c of grad u: derivatives of component c along i, j, k
                            func row(_ c: Int) -> SIMD3<Float> {
                                let b = p + c * n
                                return SIMD3((b[s.index(ip, j, k)] - b[s.index(im, j, k)]) / hx,
                                             (b[s.index(i, jp, k)] - b[s.index(i, jm, k)]) / hy,
                                             (b[s.index(i, j, kp)] - b[s.index(i, j, km)]) / hz)
                            }
                            let r0 = row(0), r1 = row(1), r2 = row(2)
                            let a = 1 + r0.x, b = r0.y, c = r0.z
                            let e = r1.x, f = 1 + r1.y, g = r1.z
                            let h = r2.x, l = r2.y, m = 1 + r2.z
                            o[s.index(i, j, k)] = a * (f * m - g * l) - b * (e * m - g * h) + c * (e * l - f * h)
                        }
                    }
                }
            }
        }
        return out
    }

    /// Summary inside an optional region (a mask on the field's grid; nil = everywhere).
    public static func statistics(_ u: DisplacementField, region: [Bool]? = nil) -> JacobianStatistics {
        let det = compute(u)
        var lo = Float.infinity, hi = -Float.infinity
        var nonPositive = 0, count = 0
        for q in 0..<det.voxelCount where region?[q] ?? true {
            let d = det.data[q]
            lo = Swift.min(lo, d)
            hi = Swift.max(hi, d)
            if !(d > 0) { nonPositive += 1 }
            count += 1
        }
        return JacobianStatistics(minimum: count > 0 ? Double(lo) : 1, maximum: count > 0 ? Double(hi) : 1,
                                  nonPositiveFraction: count > 0 ? Double(nonPositive) / Double(count) : 0,
                                  nonPositiveVoxels: nonPositive, voxels: count)
    }
}

/// Jacobian determinant summary, as printed and written to the report.
public struct JacobianStatistics: Codable, Sendable, Equatable {
    public var minimum: Double
    public var maximum: Double
    public var nonPositiveFraction: Double
    public var nonPositiveVoxels: Int
    public var voxels: Int
}
