import Foundation

/// Cubic B-spline prefiltering: turns voxel values into spline coefficients so that the spline
/// passes exactly through the data (interpolation, not smoothing).
///
/// The filter is Unser's recursive (IIR) one, a causal and an anti-causal pass per axis with pole
/// `z = sqrt(3) - 2`, run in Float64 and stored as Float32. The boundary is whole-sample mirror
/// (`... 2 1 | 0 1 ... n-1 | n-2 ...`), the default of `scipy.ndimage.spline_filter` and what
/// `map_coordinates(order=3, mode='mirror')` uses, with scipy's exact causal initialisation, so
/// results match scipy up to Float32 rounding. Lines of the j and k axes are filtered many at a time
/// (a block of neighbouring lines copied into a small Float64 buffer), so no axis needs a transpose.
public enum BSpline {
    /// The cubic B-spline pole.
    public static let cubicPole = 3.0.squareRoot() - 2.0

    /// Coefficients of every component of `volume` (same geometry).
    public static func cubicCoefficients(_ volume: Volume<Float>) -> Volume<Float> {
        var out = volume
        let n = volume.voxelCount
        out.data.withUnsafeMutableBufferPointer { buf in
            for c in 0..<volume.components {
                prefilter(buf.baseAddress! + c * n, size: volume.size)
            }
        }
        return out
    }

    /// Replaces the grid in `data` (i fastest) by its cubic B-spline coefficients, in place.
    public static func prefilter(_ data: UnsafeMutablePointer<Float>, size: SIMD3<Int>) {
        let nx = size.x, ny = size.y, nz = size.z
        // i axis: each row is one line.
        if nx > 1 {
            parallelChunks(ny * nz, minChunk: 16) { rows in
                let buf = UnsafeMutablePointer<Double>.allocate(capacity: nx)
                defer { buf.deallocate() }
                for r in rows {
                    let row = data + r * nx
                    for i in 0..<nx { buf[i] = Double(row[i]) }
                    filterLines(buf, count: nx, lanes: 1)
                    for i in 0..<nx { row[i] = Float(buf[i]) }
                }
            }
        }
        // j axis: within each slice, blocks of neighbouring columns; k axis: blocks of a whole plane.
        if ny > 1 { filterStrided(data, count: ny, stride: nx, span: nx, groups: nz, groupStride: nx * ny) }
        if nz > 1 { filterStrided(data, count: nz, stride: nx * ny, span: nx * ny, groups: 1, groupStride: 0) }
    }

    /// Filters lines `data[g*groupStride + e + n*stride]`, n in 0..<count, for every e in 0..<span and
    /// group g, `lanes` lines at a time.
    static func filterStrided(_ data: UnsafeMutablePointer<Float>, count: Int, stride: Int, span: Int,
                              groups: Int, groupStride: Int) {
        let lanes = 64
        let blocksPerGroup = (span + lanes - 1) / lanes
        parallelChunks(groups * blocksPerGroup, minChunk: 1) { blocks in
            let buf = UnsafeMutablePointer<Double>.allocate(capacity: count * lanes)
            defer { buf.deallocate() }
            for b in blocks {
                let g = b / blocksPerGroup
                let e0 = (b % blocksPerGroup) * lanes
                let w = Swift.min(lanes, span - e0)
                let start = data + g * groupStride + e0
                for n in 0..<count {
                    let src = start + n * stride, dst = buf + n * w
                    for e in 0..<w { dst[e] = Double(src[e]) }
                }
                filterLines(buf, count: count, lanes: w)
                for n in 0..<count {
                    let dst = start + n * stride, src = buf + n * w
                    for e in 0..<w { dst[e] = Float(src[e]) }
                }
            }
        }
    }

    /// In-place cubic prefilter of `lanes` interleaved lines: sample n of lane e is `c[n*lanes + e]`.
    /// Requires count >= 2.
    static func filterLines(_ c: UnsafeMutablePointer<Double>, count n: Int, lanes L: Int) {
        let z = cubicPole
        let gain = (1 - z) * (1 - 1 / z)
        for idx in 0..<(n * L) { c[idx] *= gain }

        // Causal initialisation for the mirror boundary (exact sum over the mirrored, periodic
        // extension; terms below 1e-18 relative are dropped, which changes nothing in Float64 output).
        let zn1 = pow(z, Double(n - 1))
        let norm = 1 / (1 - zn1 * zn1)
        let last = c + (n - 1) * L
        for e in 0..<L { c[e] += zn1 * last[e] }
        var zi = z
        var i = 1
        while i < n - 1 && abs(zi) > 1e-18 {
            let a = c + i * L, b = c + (n - 1 - i) * L
            for e in 0..<L { c[e] += zi * (a[e] + zn1 * b[e]) }
            zi *= z
            i += 1
        }
        for e in 0..<L { c[e] *= norm }
        // Causal pass.
        for k in 1..<n {
            let cur = c + k * L, prev = c + (k - 1) * L
            for e in 0..<L { cur[e] += z * prev[e] }
        }
        // Anti-causal initialisation (mirror) and pass.
        let pen = c + (n - 2) * L
        let f = z / (z * z - 1)
        for e in 0..<L { last[e] = f * (last[e] + z * pen[e]) }
        for k in stride(from: n - 2, through: 0, by: -1) {
            let cur = c + k * L, next = c + (k + 1) * L
            for e in 0..<L { cur[e] = z * (next[e] - cur[e]) }
        }
    }
}
