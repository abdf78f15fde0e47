import Foundation
import ImageCore

/// Separable filters on raw Float buffers, specialised for the SyN loop: Gaussian smoothing of (possibly
/// interleaved) displacement fields and truncated-window box *sums* for LNCC, whose exact gradient needs
/// the window relation to be symmetric. Whole-volume smoothing uses ImageCore's `SeparableFilter`.
///
/// Every pass touches whole lines: the i pass walks contiguous lines, the j and k passes add whole
/// i-lines at a time so the inner loop is a contiguous, vectorisable multiply-add. Borders replicate the
/// edge value (Gaussian) or truncate the window (box), so no pass allocates padded volumes.
enum BufferFilter {
    /// Truncation (in sigmas) of registration's Gaussians: SyN's field smoothing and the pyramid's
    /// anti-aliasing. Three sigmas keep 99.7% of the mass at three quarters of the taps of scipy's
    /// default of four, which the hypodensity map keeps because the Python reference pins it.
    static let gaussianTruncate = 3.0

    /// Normalised Gaussian taps for a standard deviation in voxels (2r+1 of them): ImageCore's one
    /// sampled-Gaussian rule (`SeparableFilter.gaussianHalfKernel`, radius `Int(3 sigma + 0.5)`),
    /// mirrored into a full kernel.
    static func gaussianKernel(sigma: Double) -> [Float] {
        let half = SeparableFilter.gaussianHalfKernel(sigma: sigma, truncate: gaussianTruncate)
        return half.dropFirst().reversed() + half
    }

    /// Smooths `data` in place with a Gaussian of `sigma` voxels along each axis (0 skips the axis).
    /// `scratch` must hold `shape.count` floats. The i pass works in place line by line; the j pass writes
    /// into `scratch` and the k pass back into `data`, so no pass copies a volume.
    ///
    /// `interleave` > 1 smooths vector data stored component-interleaved (e.g. 4 floats per voxel):
    /// every component is smoothed independently, `scratch` then holds `interleave * shape.count` floats.
    static func gaussian(_ data: UnsafeMutablePointer<Float>, _ shape: GridShape, sigma: SIMD3<Double>,
                         scratch: UnsafeMutablePointer<Float>, interleave: Int = 1) {
        // A kernel of one tap (sigma below 1/6 voxel) is the identity: that axis is skipped.
        let kernels = (0..<3).map { sigma[$0] > 0.05 ? gaussianKernel(sigma: sigma[$0]) : [1] }
        if kernels[0].count > 1 && shape.nx > 1 { gaussianAlongI(data, shape, kernels[0], interleave) }
        // along j and k an interleaved volume is a scalar volume with lines `interleave` times longer
        let s = GridShape(SIMD3(shape.nx * interleave, shape.ny, shape.nz))
        let doJ = kernels[1].count > 1 && s.ny > 1, doK = kernels[2].count > 1 && s.nz > 1
        switch (doJ, doK) {
        case (true, true):
            convolveLines(src: data, dst: scratch, s, kernels[1], axis: 1)
            convolveLines(src: scratch, dst: data, s, kernels[2], axis: 2)
        case (true, false):
            convolveLines(src: data, dst: scratch, s, kernels[1], axis: 1)
            copy(scratch, to: data, s.count)
        case (false, true):
            convolveLines(src: data, dst: scratch, s, kernels[2], axis: 2)
            copy(scratch, to: data, s.count)
        case (false, false):
            break
        }
    }

    /// Replaces every value by the sum over the (2r+1)^3 window around it, truncated at the borders.
    /// O(N) whatever the radius: running sums along each axis. `scratch` must hold `shape.count` floats.
    static func boxSum(_ data: UnsafeMutablePointer<Float>, _ s: GridShape, radius r: Int,
                       scratch: UnsafeMutablePointer<Float>, alongI: Bool = true) {
        if alongI { boxAlongI(data, s, r) }
        boxAlongLines(src: data, dst: scratch, s, r, axis: 1)
        boxAlongLines(src: scratch, dst: data, s, r, axis: 2)
    }

    /// Truncated-window running sum of one line of `nx` values (`src` and `dst` must not overlap).
    @inline(__always)
    static func runningSum(_ src: UnsafePointer<Float>, into dst: UnsafeMutablePointer<Float>, _ nx: Int, _ r: Int) {
        var acc: Float = 0
        for i in 0...Swift.min(r, nx - 1) { acc += src[i] }
        for i in 0..<nx {
            dst[i] = acc
            if i + r + 1 < nx { acc += src[i + r + 1] }
            if i - r >= 0 { acc -= src[i - r] }
        }
    }

    /// Number of voxels in the truncated window along one axis of length n, centred at c.
    @inline(__always)
    static func windowCount(_ c: Int, _ n: Int, _ r: Int) -> Int {
        Swift.min(c + r, n - 1) - Swift.max(c - r, 0) + 1
    }

    // MARK: - passes

    private static func copy(_ src: UnsafeMutablePointer<Float>, to dst: UnsafeMutablePointer<Float>, _ n: Int) {
        parallelChunks(n, minChunk: 1 << 16) { range in
            (dst + range.lowerBound).update(from: src + range.lowerBound, count: range.count)
        }
    }

    private static func gaussianAlongI(_ data: UnsafeMutablePointer<Float>, _ s: GridShape, _ w: [Float], _ c: Int) {
        let r = w.count / 2
        let nx = s.nx * c
        let lines = s.ny * s.nz
        w.withUnsafeBufferPointer { wb in
            let wp = wb.baseAddress!
            parallelChunks(lines, minChunk: 16) { range in
                let padded = UnsafeMutablePointer<Float>.allocate(capacity: nx + 2 * r * c)
                defer { padded.deallocate() }
                for line in range {
                    let p = data + line * nx
                    for t in 0..<r {
                        for e in 0..<c { padded[t * c + e] = p[e]; padded[nx + (r + t) * c + e] = p[nx - c + e] }
                    }
                    (padded + r * c).update(from: p, count: nx)
                    // taps outer, voxels inner: the inner loop is a contiguous, vectorisable multiply-add
                    let w0 = wp[r]
                    let centre = padded + r * c
                    for i in 0..<nx { p[i] = w0 * centre[i] }
                    for t in 1...r {
                        let wt = wp[r + t]
                        let a = centre + t * c, b = centre - t * c
                        for i in 0..<nx { p[i] += wt * (a[i] + b[i]) }
                    }
                }
            }
        }
    }

    /// Convolution along j (axis 1) or k (axis 2), one whole output line at a time. Work is split so that
    /// consecutive outputs of one thread reuse the same input lines: slices for j, rows (fixed j) for k, so
    /// the 2r+1 input lines in flight stay in cache.
    private static func convolveLines(src: UnsafeMutablePointer<Float>, dst: UnsafeMutablePointer<Float>,
                                      _ s: GridShape, _ w: [Float], axis: Int) {
        let r = w.count / 2
        let nx = s.nx
        let n = axis == 1 ? s.ny : s.nz
        let stride = axis == 1 ? nx : s.sliceCount
        w.withUnsafeBufferPointer { wb in
            let wp = wb.baseAddress!
            // outer: the index not convolved (k for axis 1, j for axis 2); inner: the convolved one
            parallelFor(axis == 1 ? s.nz : s.ny) { outer in
                for c in 0..<n {
                    let (j, k) = axis == 1 ? (c, outer) : (outer, c)
                    let base = s.index(0, j, k) - c * stride
                    let out = dst + s.index(0, j, k)
                    let centre = src + base + c * stride
                    let w0 = wp[r]
                    for i in 0..<nx { out[i] = w0 * centre[i] }
                    for t in 1...r {
                        let a = src + base + Swift.min(c + t, n - 1) * stride
                        let b = src + base + Swift.max(c - t, 0) * stride
                        let wt = wp[r + t]
                        for i in 0..<nx { out[i] += wt * (a[i] + b[i]) }
                    }
                }
            }
        }
    }

    private static func boxAlongI(_ data: UnsafeMutablePointer<Float>, _ s: GridShape, _ r: Int) {
        let nx = s.nx
        parallelChunks(s.ny * s.nz, minChunk: 16) { range in
            let line = UnsafeMutablePointer<Float>.allocate(capacity: nx)
            defer { line.deallocate() }
            for l in range {
                let p = data + l * nx
                line.update(from: p, count: nx)
                runningSum(line, into: p, nx, r)
            }
        }
    }

    /// Running window sums along j (axis 1) or k (axis 2), whole i-lines at a time: per slice for j,
    /// per row (fixed j) for k, with one accumulator line per work item.
    private static func boxAlongLines(src: UnsafeMutablePointer<Float>, dst: UnsafeMutablePointer<Float>,
                                      _ s: GridShape, _ r: Int, axis: Int) {
        let nx = s.nx
        let n = axis == 1 ? s.ny : s.nz
        let stride = axis == 1 ? nx : s.sliceCount
        parallelFor(axis == 1 ? s.nz : s.ny) { outer in
            let acc = UnsafeMutablePointer<Float>.allocate(capacity: nx)
            defer { acc.deallocate() }
            acc.initialize(repeating: 0, count: nx)
            let base = axis == 1 ? outer * s.sliceCount : outer * nx
            let lines = src + base
            let out = dst + base
            for c in 0...Swift.min(r, n - 1) {
                let l = lines + c * stride
                for i in 0..<nx { acc[i] += l[i] }
            }
            for c in 0..<n {
                (out + c * stride).update(from: acc, count: nx)
                if c + r + 1 < n {
                    let l = lines + (c + r + 1) * stride
                    for i in 0..<nx { acc[i] += l[i] }
                }
                if c - r >= 0 {
                    let l = lines + (c - r) * stride
                    for i in 0..<nx { acc[i] -= l[i] }
                }
            }
        }
    }
}
