import ImageCore

/// Exact Euclidean distance transform in millimetres.
///
/// Felzenszwalb & Huttenlocher's separable algorithm ("Distance Transforms of Sampled Functions",
/// Theory of Computing 8, 2012): the squared distance is a minimum over parabolas, so three 1-D lower
/// envelope passes (i, then j, then k) give the exact result in O(N) whatever the radius. That is what
/// makes morphology with large spheres (a 10 mm opening on a 0.5 mm grid) cheap.
///
/// Distances use each axis' voxel spacing, so anisotropic grids (thick slices) are exact. A sheared
/// (gantry-tilted) grid is treated as if its axes were orthogonal: the error is a factor of at most
/// 1/cos(tilt) along the slice axis, immaterial for morphology radii.
public enum DistanceTransform {
    /// Squared distance (mm²) from every voxel centre to the nearest voxel centre where `mask` is
    /// non-zero (0 on the mask). Voxels are +infinity when the mask is empty.
    public static func squaredDistance(to mask: BinaryMask) -> Volume<Float> {
        squaredDistance(geometry: mask.geometry) { mask.data[$0] != 0 }
    }

    /// Squared distance (mm²) to the nearest voxel where `mask` is zero (0 outside the mask).
    public static func squaredDistance(toOutsideOf mask: BinaryMask) -> Volume<Float> {
        squaredDistance(geometry: mask.geometry) { mask.data[$0] == 0 }
    }

    /// Distance (mm) from every voxel centre to the nearest voxel of `mask`.
    public static func distance(to mask: BinaryMask) -> Volume<Float> {
        squaredDistance(to: mask).map { $0.squareRoot() }
    }

    /// Signed distance (mm) to the mask boundary: negative inside (distance to the nearest outside
    /// voxel), positive outside (distance to the nearest inside voxel). Boundary voxels are ±spacing
    /// away rather than 0, because both sides are measured between voxel centres.
    public static func signedDistance(_ mask: BinaryMask) -> Volume<Float> {
        let outside = squaredDistance(to: mask)
        let inside = squaredDistance(toOutsideOf: mask)
        var out = Volume<Float>(geometry: mask.geometry)
        let n = mask.voxelCount
        out.data.withUnsafeMutableBufferPointer { d in
            let d = d
            mask.data.withUnsafeBufferPointer { m in
                parallelChunks(n) { range in
                    for v in range { d[v] = m[v] != 0 ? -inside.data[v].squareRoot() : outside.data[v].squareRoot() }
                }
            }
        }
        return out
    }

    /// Core: squared distance to the voxels for which `isFeature(linearIndex)` holds.
    static func squaredDistance(geometry: Geometry, isFeature: (Int) -> Bool) -> Volume<Float> {
        var out = Volume<Float>(geometry: geometry, repeating: .infinity)
        let n = geometry.voxelCount
        out.data.withUnsafeMutableBufferPointer { d in
            let d = d
            parallelChunks(n) { range in
                for v in range where isFeature(v) { d[v] = 0 }
            }
            for axis in 0..<3 where geometry.size[axis] > 1 {
                pass(d, size: geometry.size, axis: axis, spacing: geometry.spacing[axis])
            }
        }
        return out
    }

    /// Number of neighbouring lines processed together on strided axes, so every gather touches
    /// whole cache lines instead of one float per line.
    private static let batch = 16

    /// One 1-D lower-envelope pass along `axis`, in place.
    private static func pass(_ d: UnsafeMutableBufferPointer<Float>, size: SIMD3<Int>, axis: Int, spacing: Double) {
        let nx = size.x, ny = size.y, nz = size.z
        let len = size[axis]
        let stride = axis == 0 ? 1 : (axis == 1 ? nx : nx * ny)
        // Lines are indexed by (a, b): the two other axes. For axes 1 and 2 the fastest-varying other
        // axis is i, so `batch` consecutive lines are contiguous in memory.
        let outer: Int, inner: Int
        switch axis {
        case 0: inner = 1; outer = ny * nz
        case 1: inner = nx; outer = nz
        default: inner = nx; outer = ny
        }
        let groupsPerOuter = (inner + batch - 1) / batch
        let groups = outer * groupsPerOuter
        parallelChunks(groups, minChunk: 1) { range in
            var f = [Double](repeating: 0, count: len * batch)
            var out = [Double](repeating: 0, count: len)
            var v = [Int](repeating: 0, count: len)
            var z = [Double](repeating: 0, count: len + 1)
            for g in range {
                let o = g / groupsPerOuter
                let i0 = (g % groupsPerOuter) * batch
                let width = Swift.min(batch, inner - i0)
                let base: Int
                switch axis {
                case 0: base = o * nx
                case 1: base = o * nx * ny + i0
                default: base = o * nx + i0
                }
                // gather
                for p in 0..<len {
                    let row = base + p * stride
                    for w in 0..<width { f[w * len + p] = Double(d[row + w]) }
                }
                for w in 0..<width {
                    f.withUnsafeMutableBufferPointer { fb in
                        envelope(fb.baseAddress! + w * len, len, spacing, &out, &v, &z)
                    }
                    for p in 0..<len { f[w * len + p] = out[p] }
                }
                for p in 0..<len {
                    let row = base + p * stride
                    for w in 0..<width { d[row + w] = Float(f[w * len + p]) }
                }
            }
        }
    }

    /// 1-D squared distance of a sampled function: out[p] = min_q ((p-q)·s)² + f[q].
    @inline(__always)
    private static func envelope(_ f: UnsafeMutablePointer<Double>, _ n: Int, _ s: Double,
                                 _ out: inout [Double], _ v: inout [Int], _ z: inout [Double]) {
        var k = -1
        for q in 0..<n where f[q].isFinite {
            let fq = f[q] + Double(q * q) * s * s
            while k >= 0 {
                let r = v[k]
                let fr = f[r] + Double(r * r) * s * s
                // Where the parabolas from r and q meet, in millimetres along the line.
                let x = (fq - fr) / (2 * s * Double(q - r))
                if x <= z[k] { k -= 1 } else {
                    k += 1; v[k] = q; z[k] = x
                    break
                }
            }
            if k < 0 { k = 0; v[0] = q; z[0] = -.infinity }
        }
        if k < 0 {
            for p in 0..<n { out[p] = .infinity }
            return
        }
        z[k + 1] = .infinity
        var j = 0
        for p in 0..<n {
            let x = Double(p) * s
            while z[j + 1] < x { j += 1 }
            let dq = Double(p - v[j]) * s
            out[p] = dq * dq + f[v[j]]
        }
    }
}
