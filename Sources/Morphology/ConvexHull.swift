import Foundation
import ImageCore

/// The convex hull of a mask, filled, in world space.
///
/// The hull is approximated from outside by the polytope of its support planes in `directions`
/// directions spread evenly over the sphere (a Fibonacci lattice) plus the 26 directions of the voxel
/// neighbourhood in world space (so boxes and slabs aligned with the patient axes come out exact):
/// with 256 directions a 90 mm skull's hull is overestimated by under 0.6 mm. Support values come only from the first and last mask voxel
/// of every row (the hull of a set is the hull of those), and each row's inside part is one interval
/// of a line through a convex set, so filling costs O(rows x directions), not O(voxels x directions).
/// Working in LPS millimetres makes the result correct on anisotropic and sheared (tilted) grids.
public enum ConvexHull {
    public static func fill(_ mask: BinaryMask, directions: Int = 256) throws -> BinaryMask {
        guard directions >= 6 else { throw MorphologyError.invalidArgument("a convex hull needs at least 6 directions, got \(directions)") }
        let g = mask.geometry
        let nx = g.size.x, ny = g.size.y, nz = g.size.z
        let a = g.affineLPS
        let cols = a.linearColumns
        let origin = a.translation
        let units = fibonacciSphere(directions) + latticeDirections
        let rows = ny * nz

        // Row extremes, in world coordinates.
        var extremes = [[SIMD3<Double>]](repeating: [], count: rows)
        mask.data.withUnsafeBufferPointer { m in
            extremes.withUnsafeMutableBufferPointer { ex in
                let ex = ex
                parallelChunks(rows, minChunk: 64) { range in
                    for r in range {
                        let base = r * nx
                        guard let first = (0..<nx).first(where: { m[base + $0] != 0 }) else { continue }
                        let last = (0..<nx).last(where: { m[base + $0] != 0 })!
                        let j = r % ny, k = r / ny
                        let p0 = origin + cols[1] * Double(j) + cols[2] * Double(k)
                        ex[r] = [p0 + cols[0] * Double(first), p0 + cols[0] * Double(last)]
                    }
                }
            }
        }
        let points = extremes.flatMap { $0 }
        var out = BinaryMask(geometry: g, repeating: 0)
        if points.isEmpty { return out }

        // Support function h(u) = max <p, u>.
        var support = [Double](repeating: -.infinity, count: units.count)
        support.withUnsafeMutableBufferPointer { h in
            let h = h
            parallelChunks(units.count, minChunk: 8) { range in
                for d in range {
                    let u = units[d]
                    var best = -Double.infinity
                    for p in points { best = Swift.max(best, (p * u).sum()) }
                    h[d] = best
                }
            }
        }
        // Per row: x(t) = p0 + t * cols[0]; inside iff <p0,u> + t <c0,u> <= h(u) for every u.
        let c0u = units.map { (cols[0] * $0).sum() }
        let tol = 1e-6 * (1 + g.spacing.max())
        out.data.withUnsafeMutableBufferPointer { o in
            let o = o
            parallelChunks(rows, minChunk: 64) { range in
                for r in range {
                    let j = r % ny, k = r / ny
                    let p0 = origin + cols[1] * Double(j) + cols[2] * Double(k)
                    var tLo = 0.0, tHi = Double(nx - 1)
                    for d in 0..<units.count {
                        let rhs = support[d] - (p0 * units[d]).sum() + tol
                        let slope = c0u[d]
                        if abs(slope) < 1e-12 {
                            if rhs < 0 { tLo = 1; tHi = 0; break }
                        } else if slope > 0 {
                            tHi = Swift.min(tHi, rhs / slope)
                        } else {
                            tLo = Swift.max(tLo, rhs / slope)
                        }
                        if tLo > tHi { break }
                    }
                    if tLo > tHi { continue }
                    let lo = Int((tLo - 1e-9).rounded(.up)), hi = Int((tHi + 1e-9).rounded(.down))
                    if lo > hi { continue }
                    for i in Swift.max(0, lo)...Swift.min(nx - 1, hi) { o[r * nx + i] = 1 }
                }
            }
        }
        return out
    }

    /// The 26 unit vectors towards the neighbours of a voxel.
    static let latticeDirections: [SIMD3<Double>] = {
        var out = [SIMD3<Double>]()
        for z in -1...1 { for y in -1...1 { for x in -1...1 where x != 0 || y != 0 || z != 0 {
            let v = SIMD3(Double(x), Double(y), Double(z))
            out.append(v / (v * v).sum().squareRoot())
        } } }
        return out
    }()

    /// `n` nearly uniform unit vectors (golden-angle spiral).
    static func fibonacciSphere(_ n: Int) -> [SIMD3<Double>] {
        let golden = Double.pi * (3 - 5.0.squareRoot())
        return (0..<n).map { i in
            let z = 1 - 2 * (Double(i) + 0.5) / Double(n)
            let r = (1 - z * z).squareRoot()
            let phi = golden * Double(i)
            return SIMD3(r * cos(phi), r * sin(phi), z)
        }
    }
}
