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
        squaredDistance(mask, featureIsInside: true)
    }

    /// Squared distance (mm²) to the nearest voxel where `mask` is zero (0 outside the mask).
    public static func squaredDistance(toOutsideOf mask: BinaryMask) -> Volume<Float> {
        squaredDistance(mask, featureIsInside: false)
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

    /// Core: squared distance to the voxels whose non-zero-ness equals `featureIsInside`.
    static func squaredDistance(_ mask: BinaryMask, featureIsInside: Bool) -> Volume<Float> {
        let geometry = mask.geometry
        var out = Volume<Float>(geometry: geometry, repeating: .infinity)
        let n = geometry.voxelCount
        out.data.withUnsafeMutableBufferPointer { d in
            let d = d
            mask.data.withUnsafeBufferPointer { m in
                parallelChunks(n) { range in
                    for v in range where (m[v] != 0) == featureIsInside { d[v] = 0 }
                }
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
            let f = UnsafeMutablePointer<Double>.allocate(capacity: len * batch)
            let scratch = Scratch(length: len)
            defer { f.deallocate(); scratch.free() }
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
                for p in 0..<len {
                    let row = base + p * stride
                    for w in 0..<width { f[w * len + p] = Double(d[row + w]) }
                }
                for w in 0..<width { envelope(f + w * len, len, spacing, scratch) }
                for p in 0..<len {
                    let row = base + p * stride
                    for w in 0..<width { d[row + w] = Float(f[w * len + p]) }
                }
            }
        }
    }

    /// Per-thread buffers of the lower envelope: parabola vertices, their heights, and boundaries.
    private struct Scratch {
        let v: UnsafeMutablePointer<Int>
        let fv: UnsafeMutablePointer<Double>
        let h: UnsafeMutablePointer<Double>
        let z: UnsafeMutablePointer<Double>
        let out: UnsafeMutablePointer<Double>
        init(length n: Int) {
            v = .allocate(capacity: n); fv = .allocate(capacity: n); h = .allocate(capacity: n); z = .allocate(capacity: n + 1); out = .allocate(capacity: n)
        }
        func free() { v.deallocate(); fv.deallocate(); h.deallocate(); z.deallocate(); out.deallocate() }
    }

    /// 1-D squared distance of a sampled function, in place: f[p] <- min_q ((p-q)·s)² + f[q].
    @inline(__always)
    private static func envelope(_ f: UnsafeMutablePointer<Double>, _ n: Int, _ s: Double, _ b: Scratch) {
        let v = b.v, fv = b.fv, h = b.h, z = b.z
        var k = -1
        let s2 = s * s
        for q in 0..<n where f[q] < .infinity {
            // Parabola q in "lifted" form: f[q] + (q s)², so that intersections are linear.
            let hq = f[q] + Double(q * q) * s2
            while k >= 0 {
                // Where the parabolas from v[k] and q meet, in millimetres along the line.
                let x = (hq - h[k]) / (2 * s * Double(q - v[k]))
                if x <= z[k] { k -= 1 } else {
                    k += 1; v[k] = q; fv[k] = f[q]; h[k] = hq; z[k] = x
                    break
                }
            }
            if k < 0 { k = 0; v[0] = q; fv[0] = f[q]; h[0] = hq; z[0] = -.infinity }
        }
        if k < 0 { return }  // no finite sample: the line stays at +infinity
        z[k + 1] = .infinity
        var j = 0
        let out = b.out
        for p in 0..<n {
            let x = Double(p) * s
            while z[j + 1] < x { j += 1 }
            let dq = Double(p - v[j]) * s
            out[p] = dq * dq + fv[j]
        }
        f.update(from: out, count: n)
    }
}
