/// Samples a scalar voxel grid held in a raw buffer at continuous indices.
///
/// This is the shared interpolation kernel: the resampler walks output rows with it, and the
/// registration code can call it per displacement-field voxel. It holds an unowned pointer, so create
/// it inside `withUnsafeBufferPointer` and do not let it escape.
///
/// Conventions every method shares:
/// - The *domain* is the union of the voxel footprints, `[-0.5, n - 0.5]` along each axis (ITK's
///   convention): `contains` is false outside it and callers use their outside value there.
/// - `nearest`, `linear` and `labelVote` extend the grid beyond its edge by repeating the edge voxel
///   (scipy's `mode='nearest'`), so a point half a voxel outside the first centre reads the edge value.
/// - `cubicBSpline` reads B-spline *coefficients* (see `BSpline`) mirrored at the edges, which is
///   scipy's `mode='mirror'`.
/// - Fractions within 1e-6 voxel of a centre snap to it, so points that land on voxel centres up to
///   the rounding of a chain of affines read the voxel exactly.
/// - The checked methods clamp any coordinate (NaN included) first, so they never read out of
///   bounds. The `...Interior` variants skip all clamping for speed; the caller guarantees every
///   coordinate lies in `interiorRange(for:)` of its axis.
/// Which voxels around a point an unchecked (`...Interior`) read touches.
public enum InterpolationStencil: Sendable {
    case nearest, linear, cubic
}

@frozen
public struct GridSampler<Voxel: VoxelType> {
    public let base: UnsafePointer<Voxel>
    public let size: SIMD3<Int>
    @usableFromInline let rowStride: Int
    @usableFromInline let sliceStride: Int
    @usableFromInline let upper: SIMD3<Double>

    /// `buffer` must hold at least `size.x * size.y * size.z` voxels, i fastest.
    @inlinable
    public init(_ buffer: UnsafeBufferPointer<Voxel>, size: SIMD3<Int>) {
        precondition(size.x > 0 && size.y > 0 && size.z > 0, "GridSampler needs a non-empty grid")
        precondition(buffer.count >= size.x * size.y * size.z, "GridSampler buffer smaller than its grid")
        base = buffer.baseAddress!
        self.size = size
        rowStride = size.x
        sliceStride = size.x * size.y
        upper = SIMD3<Double>(size &- 1) + 0.5
    }

    /// Coordinates along an axis of `n` voxels for which the `...Interior` variant of `stencil` reads
    /// only voxels of the grid. Empty (lower > upper) when the axis is too short.
    @inlinable
    public static func interiorRange(for stencil: InterpolationStencil, count n: Int) -> (lower: Double, upper: Double) {
        // The 1e-3 margin keeps the snap-to-centre rule from stepping past the last voxel.
        switch stencil {
        case .nearest: return (-0.5, Double(n) - 0.501)
        case .linear: return (0, Double(n) - 1.001)
        case .cubic: return (1, Double(n) - 2.001)
        }
    }

    /// True when the continuous index lies in the grid's footprint `[-0.5, n - 0.5]` on every axis.
    @inlinable @inline(__always)
    public func contains(_ x: Double, _ y: Double, _ z: Double) -> Bool {
        x >= -0.5 && y >= -0.5 && z >= -0.5 && x <= upper.x && y <= upper.y && z <= upper.z
    }

    // MARK: index arithmetic

    /// Floor and fraction of a coordinate known to be >= -1 (truncation of c + 1 is floor, which
    /// avoids a libm call on baseline x86-64), with the snap-to-centre rule.
    @inlinable @inline(__always)
    static func floorFraction(_ c: Double) -> (Int, Float) {
        let i = Int(c + 1) - 1
        let t = c - Double(i)
        if t < 1e-6 { return (i, 0) }
        if t > 1 - 1e-6 { return (i + 1, 0) }
        return (i, Float(t))
    }

    /// Floor and fraction after clamping to [-1, n] (NaN lands on -1).
    @inlinable @inline(__always)
    static func split(_ x: Double, _ n: Int) -> (Int, Float) {
        floorFraction(x >= -1 ? (x <= Double(n) ? x : Double(n)) : -1)
    }

    @inlinable @inline(__always)
    static func clampIndex(_ i: Int, _ n: Int) -> Int { i < 0 ? 0 : (i >= n ? n - 1 : i) }

    /// Offsets of the 8 trilinear neighbours and the fractions.
    public typealias Corners = (i0: Int, i1: Int, j0: Int, j1: Int, k0: Int, k1: Int, t: SIMD3<Float>)

    /// Corners with edge-clamped indices, valid for any point.
    @inlinable @inline(__always)
    func corners(_ x: Double, _ y: Double, _ z: Double) -> Corners {
        let (ix, tx) = Self.split(x, size.x), (iy, ty) = Self.split(y, size.y), (iz, tz) = Self.split(z, size.z)
        return (Self.clampIndex(ix, size.x), Self.clampIndex(ix + 1, size.x),
                Self.clampIndex(iy, size.y) * rowStride, Self.clampIndex(iy + 1, size.y) * rowStride,
                Self.clampIndex(iz, size.z) * sliceStride, Self.clampIndex(iz + 1, size.z) * sliceStride,
                SIMD3(tx, ty, tz))
    }

    /// Corners without clamping; the point must be in the linear interior range.
    @inlinable @inline(__always)
    func interiorCorners(_ x: Double, _ y: Double, _ z: Double) -> Corners {
        let (ix, tx) = Self.floorFraction(x), (iy, ty) = Self.floorFraction(y), (iz, tz) = Self.floorFraction(z)
        let j0 = iy * rowStride, k0 = iz * sliceStride
        return (ix, ix + 1, j0, j0 + rowStride, k0, k0 + sliceStride, SIMD3(tx, ty, tz))
    }

    // MARK: nearest

    /// The voxel whose centre is closest (halves round up), edge-clamped.
    @inlinable @inline(__always)
    public func nearest(_ x: Double, _ y: Double, _ z: Double) -> Voxel {
        let i = Self.split(x + 0.5, size.x).0, j = Self.split(y + 0.5, size.y).0, k = Self.split(z + 0.5, size.z).0
        return base[Self.clampIndex(k, size.z) * sliceStride + Self.clampIndex(j, size.y) * rowStride + Self.clampIndex(i, size.x)]
    }

    @inlinable @inline(__always)
    public func nearestInterior(_ x: Double, _ y: Double, _ z: Double) -> Voxel {
        let i = Self.floorFraction(x + 0.5).0, j = Self.floorFraction(y + 0.5).0, k = Self.floorFraction(z + 0.5).0
        return base[k * sliceStride + j * rowStride + i]
    }

    // MARK: label vote

    /// Label-safe interpolation: the neighbour label with the largest summed trilinear weight.
    /// Ties go to the label met first in the order (i0,j0,k0), (i1,j0,k0), (i0,j1,k0), ... so the
    /// result is deterministic. Never returns a value that is not one of the 8 neighbours.
    @inlinable @inline(__always)
    public func labelVote(_ x: Double, _ y: Double, _ z: Double) -> Voxel { vote(corners(x, y, z)) }

    @inlinable @inline(__always)
    public func labelVoteInterior(_ x: Double, _ y: Double, _ z: Double) -> Voxel { vote(interiorCorners(x, y, z)) }

    @inlinable
    func vote(_ c: Corners) -> Voxel {
        let o = (c.k0 + c.j0, c.k0 + c.j1, c.k1 + c.j0, c.k1 + c.j1)
        let l0 = base[o.0 + c.i0], l1 = base[o.0 + c.i1], l2 = base[o.1 + c.i0], l3 = base[o.1 + c.i1]
        let l4 = base[o.2 + c.i0], l5 = base[o.2 + c.i1], l6 = base[o.3 + c.i0], l7 = base[o.3 + c.i1]
        if l0 == l1 && l0 == l2 && l0 == l3 && l0 == l4 && l0 == l5 && l0 == l6 && l0 == l7 { return l0 }
        let t = c.t, u = 1 - t
        let w = SIMD8<Float>(u.x * u.y * u.z, t.x * u.y * u.z, u.x * t.y * u.z, t.x * t.y * u.z,
                             u.x * u.y * t.z, t.x * u.y * t.z, u.x * t.y * t.z, t.x * t.y * t.z)
        let labels = (l0, l1, l2, l3, l4, l5, l6, l7)
        return withUnsafeBytes(of: labels) { raw -> Voxel in
            let l = raw.bindMemory(to: Voxel.self)
            var best = l[0]
            var bestWeight: Float = -1
            for a in 0..<8 {
                var seen = false
                for b in 0..<a where l[b] == l[a] { seen = true; break }
                if seen { continue }
                var total: Float = 0
                for b in a..<8 where l[b] == l[a] { total += w[b] }
                if total > bestWeight { bestWeight = total; best = l[a] }
            }
            return best
        }
    }
}

extension GridSampler where Voxel == Float {
    // MARK: trilinear

    /// Trilinear interpolation with edge-clamped neighbours. Exact at voxel centres.
    @inlinable @inline(__always)
    public func linear(_ x: Double, _ y: Double, _ z: Double) -> Float { blend(corners(x, y, z)) }

    @inlinable @inline(__always)
    public func linearInterior(_ x: Double, _ y: Double, _ z: Double) -> Float { blend(interiorCorners(x, y, z)) }

    @inlinable @inline(__always)
    func blend(_ c: Corners) -> Float {
        let r00 = base + (c.k0 + c.j0), r01 = base + (c.k0 + c.j1), r10 = base + (c.k1 + c.j0), r11 = base + (c.k1 + c.j1)
        let t = c.t
        let a00 = r00[c.i0] + t.x * (r00[c.i1] - r00[c.i0])
        let a01 = r01[c.i0] + t.x * (r01[c.i1] - r01[c.i0])
        let a10 = r10[c.i0] + t.x * (r10[c.i1] - r10[c.i0])
        let a11 = r11[c.i0] + t.x * (r11[c.i1] - r11[c.i0])
        let b0 = a00 + t.y * (a01 - a00)
        let b1 = a10 + t.y * (a11 - a10)
        return b0 + t.z * (b1 - b0)
    }

    // MARK: cubic B-spline

    /// Cubic B-spline weights for the four knots floor(x)-1 ... floor(x)+2 at fraction t.
    @inlinable @inline(__always)
    static func cubicWeights(_ t: Float) -> SIMD4<Float> {
        let t2 = t * t, t3 = t2 * t, s = 1 - t
        return SIMD4(s * s * s, 4 - 6 * t2 + 3 * t3, 1 + 3 * t + 3 * t2 - 3 * t3, t3) * (1.0 / 6.0)
    }

    /// Whole-sample mirror of an index into 0..<n (scipy's 'mirror': ... 2 1 | 0 1 2 ... n-1 | n-2 ...).
    @inlinable @inline(__always)
    static func mirror(_ i: Int, _ n: Int) -> Int {
        if i >= 0 && i < n { return i }
        if n == 1 { return 0 }
        let period = 2 * (n - 1)
        var m = i % period
        if m < 0 { m += period }
        return m < n ? m : period - m
    }

    /// Cubic B-spline interpolation; `base` must hold coefficients from `BSpline.cubicCoefficients`.
    @inlinable
    public func cubicBSpline(_ x: Double, _ y: Double, _ z: Double) -> Float {
        let (ix, tx) = Self.split(x, size.x), (iy, ty) = Self.split(y, size.y), (iz, tz) = Self.split(z, size.z)
        return cubicSum(ix, iy, iz, SIMD3(tx, ty, tz), mirrored: true)
    }

    @inlinable @inline(__always)
    public func cubicBSplineInterior(_ x: Double, _ y: Double, _ z: Double) -> Float {
        let (ix, tx) = Self.floorFraction(x), (iy, ty) = Self.floorFraction(y), (iz, tz) = Self.floorFraction(z)
        return cubicSum(ix, iy, iz, SIMD3(tx, ty, tz), mirrored: false)
    }

    /// The 4x4x4 tensor-product sum around (ix, iy, iz); `mirrored` folds indices back into the grid.
    @inlinable @inline(__always)
    func cubicSum(_ ix: Int, _ iy: Int, _ iz: Int, _ t: SIMD3<Float>, mirrored: Bool) -> Float {
        let wx = Self.cubicWeights(t.x), wy = Self.cubicWeights(t.y), wz = Self.cubicWeights(t.z)
        @inline(__always) func at(_ i: Int, _ n: Int) -> Int { mirrored ? Self.mirror(i, n) : i }
        let xs = SIMD4(at(ix - 1, size.x), at(ix, size.x), at(ix + 1, size.x), at(ix + 2, size.x))
        var sum: Float = 0
        for c in 0..<4 {
            let zOff = at(iz - 1 + c, size.z) * sliceStride
            var plane: Float = 0
            for b in 0..<4 {
                let row = base + (zOff + at(iy - 1 + b, size.y) * rowStride)
                let v = SIMD4(row[xs[0]], row[xs[1]], row[xs[2]], row[xs[3]])
                plane += wy[b] * (v * wx).sum()
            }
            sum += wz[c] * plane
        }
        return sum
    }
}
