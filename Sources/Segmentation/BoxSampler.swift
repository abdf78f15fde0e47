import Foundation
import ImageCore

/// Sampling between a scan's voxel grid and the network's grid.
///
/// The network grid covers the scan's whole box (voxel edge to voxel edge), so network voxel o along
/// an axis sits at scan index (o + 0.5)·n_scan/n_net − 0.5. Training and inference share this map,
/// so a model sees scans prepared the same way in both. Sampling is linear for intensities and
/// nearest for labels; outside the scan, intensities take `outside` and labels 0.
public enum BoxSampler {
    /// Scan index of network voxel `o` for each axis.
    @inline(__always)
    public static func scanIndex(_ o: SIMD3<Double>, scan: SIMD3<Int>, net: SIMD3<Int>) -> SIMD3<Double> {
        (o + 0.5) * SIMD3<Double>(scan) / SIMD3<Double>(net) - 0.5
    }

    /// Samples `src` (size `srcSize`, i fastest) at `map(i, j, k)` for every voxel of a `dstSize` grid.
    public static func linear(_ src: [Float], srcSize: SIMD3<Int>, dstSize: SIMD3<Int>, outside: Float = 0,
                              map: (SIMD3<Double>) -> SIMD3<Double>) -> [Float] {
        resample(src, dstSize: dstSize, fill: outside) { s, row, j, k in
            for i in row.indices {
                row[i] = trilinear(s, srcSize, map(SIMD3(Double(i), Double(j), Double(k))), outside)
            }
        }
    }

    /// Nearest-neighbour sampling of integer labels (0 outside).
    public static func nearest(_ src: [Int32], srcSize: SIMD3<Int>, dstSize: SIMD3<Int>,
                               map: (SIMD3<Double>) -> SIMD3<Double>) -> [Int32] {
        resample(src, dstSize: dstSize, fill: 0) { s, row, j, k in
            for i in row.indices {
                let p = map(SIMD3(Double(i), Double(j), Double(k))).rounded(.toNearestOrAwayFromZero)
                let x = Int(p.x), y = Int(p.y), z = Int(p.z)
                guard x >= 0, y >= 0, z >= 0, x < srcSize.x, y < srcSize.y, z < srcSize.z else { continue }
                row[i] = s[(z * srcSize.y + y) * srcSize.x + x]
            }
        }
    }

    /// A `dstSize` grid filled with `fill`, then row by row by `sampleRow(src, row, j, k)` (row j of
    /// slice k, indexed by i), slices in parallel. One call per row, so the loop over a row stays in
    /// the caller's closure, compiled in place.
    private static func resample<T>(_ src: [T], dstSize: SIMD3<Int>, fill: T,
                                    _ sampleRow: (UnsafeBufferPointer<T>, UnsafeMutableBufferPointer<T>, Int, Int) -> Void) -> [T] {
        var out = [T](repeating: fill, count: dstSize.x * dstSize.y * dstSize.z)
        src.withUnsafeBufferPointer { s in
            out.withUnsafeMutableBufferPointer { o in
                let o = o
                parallelFor(dstSize.z) { k in
                    for j in 0..<dstSize.y {
                        let start = (k * dstSize.y + j) * dstSize.x
                        sampleRow(s, UnsafeMutableBufferPointer(rebasing: o[start..<(start + dstSize.x)]), j, k)
                    }
                }
            }
        }
        return out
    }

    /// Trilinear interpolation with edge clamping inside [-0.5, n - 0.5]; `outside` beyond it.
    @inline(__always)
    static func trilinear(_ s: UnsafeBufferPointer<Float>, _ n: SIMD3<Int>, _ p: SIMD3<Double>, _ outside: Float) -> Float {
        if p.x < -0.5 || p.y < -0.5 || p.z < -0.5 || p.x > Double(n.x) - 0.5 || p.y > Double(n.y) - 0.5 || p.z > Double(n.z) - 0.5 {
            return outside
        }
        let q = SIMD3<Double>(Swift.min(Swift.max(p.x, 0), Double(n.x - 1)), Swift.min(Swift.max(p.y, 0), Double(n.y - 1)),
                              Swift.min(Swift.max(p.z, 0), Double(n.z - 1)))
        let f = q.rounded(.down)
        let x0 = Int(f.x), y0 = Int(f.y), z0 = Int(f.z)
        let x1 = Swift.min(x0 + 1, n.x - 1), y1 = Swift.min(y0 + 1, n.y - 1), z1 = Swift.min(z0 + 1, n.z - 1)
        let t = SIMD3<Float>(q - f)
        func at(_ x: Int, _ y: Int, _ z: Int) -> Float { s[(z * n.y + y) * n.x + x] }
        let c00 = at(x0, y0, z0) + (at(x1, y0, z0) - at(x0, y0, z0)) * t.x
        let c10 = at(x0, y1, z0) + (at(x1, y1, z0) - at(x0, y1, z0)) * t.x
        let c01 = at(x0, y0, z1) + (at(x1, y0, z1) - at(x0, y0, z1)) * t.x
        let c11 = at(x0, y1, z1) + (at(x1, y1, z1) - at(x0, y1, z1)) * t.x
        let c0 = c00 + (c10 - c00) * t.y, c1 = c01 + (c11 - c01) * t.y
        return c0 + (c1 - c0) * t.z
    }
}
