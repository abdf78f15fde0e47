import Foundation

/// Separable filtering with symmetric kernels, the engine behind Gaussian and box smoothing.
///
/// Borders use edge replication (scipy's `mode='nearest'`, ITK's zero-flux Neumann condition, what
/// ANTs' smoothing uses), so a constant image stays constant and no dark rim appears at the edge of
/// the field of view.
///
/// Layout without transposes: the i and j passes run per k-slice (the slice stays in cache): along i
/// each row is convolved directly from a padded copy; along j whole rows are combined, i.e. all the
/// slice's j-lines are convolved at once. The k pass combines blocks of whole planes the same way.
/// Every inner loop is a contiguous `d += w * (a + b)` that the compiler vectorises. Each output
/// value is computed by the same sequence of operations whatever the thread count, so results are
/// bit-identical for any `--threads`.
public struct SeparableFilter: Sendable {
    /// Half kernels per axis: `weights[a][0]` is the centre tap, `weights[a][t]` the tap at +-t.
    public let halfKernels: [[Float]]

    public init(halfKernels: [[Float]]) throws {
        guard halfKernels.count == 3, halfKernels.allSatisfy({ !$0.isEmpty && $0.allSatisfy { $0.isFinite } }) else {
            throw ImageCoreError.invalidArgument("a separable filter needs three non-empty, finite half kernels")
        }
        self.halfKernels = halfKernels
    }

    /// Sampled Gaussian as `scipy.ndimage.gaussian_filter` builds it: taps at integer offsets up to
    /// radius `Int(truncate * sigma + 0.5)`, normalised to sum 1. Sigma in voxels; 0 gives [1].
    public static func gaussianHalfKernel(sigma: Double, truncate: Double = 4.0) -> [Float] {
        guard sigma > 0 else { return [1] }
        let radius = Int(truncate * sigma + 0.5)
        let w = (0...radius).map { exp(-0.5 * Double($0 * $0) / (sigma * sigma)) }
        let sum = w[0] + 2 * w.dropFirst().reduce(0, +)
        return w.map { Float($0 / sum) }
    }

    /// Gaussian smoothing with sigma in millimetres per axis (converted to voxels by the spacing).
    public static func gaussian(sigmaMM: SIMD3<Double>, spacing: SIMD3<Double>, truncate: Double = 4.0) throws -> SeparableFilter {
        for a in 0..<3 {
            guard sigmaMM[a].isFinite, sigmaMM[a] >= 0 else {
                throw ImageCoreError.invalidArgument("Gaussian sigma must be finite and >= 0 mm, got \(sigmaMM[a])")
            }
        }
        guard truncate.isFinite, truncate > 0 else { throw ImageCoreError.invalidArgument("truncate must be > 0, got \(truncate)") }
        return try SeparableFilter(halfKernels: (0..<3).map { gaussianHalfKernel(sigma: sigmaMM[$0] / spacing[$0], truncate: truncate) })
    }

    /// Mean over a (2r+1)^3 box (radius in voxels per axis), edges replicated.
    public static func box(radius: SIMD3<Int>) throws -> SeparableFilter {
        guard radius.min() >= 0 else { throw ImageCoreError.invalidArgument("box radius must be >= 0, got \(radius)") }
        return try SeparableFilter(halfKernels: (0..<3).map { [Float](repeating: 1 / Float(2 * radius[$0] + 1), count: radius[$0] + 1) })
    }

    /// Filters every component of `volume`.
    public func apply(to volume: Volume<Float>) -> Volume<Float> {
        let n = volume.voxelCount
        let data = [Float](unsafeUninitializedCapacity: volume.data.count) { dst, initialised in
            volume.data.withUnsafeBufferPointer { src in
                for c in 0..<volume.components {
                    apply(src.baseAddress! + c * n, into: dst.baseAddress! + c * n, size: volume.size)
                }
            }
            initialised = volume.data.count
        }
        return try! Volume(geometry: volume.geometry, components: volume.components, data: data)
    }

    /// Filters one grid from `src` into `dst` (which may be the same buffer).
    public func apply(_ src: UnsafePointer<Float>, into dst: UnsafeMutablePointer<Float>, size: SIMD3<Int>) {
        let nx = size.x, ny = size.y, nz = size.z
        let plane = nx * ny
        let count = plane * nz
        if count == 0 { return }
        let kx = halfKernels[0], ky = halfKernels[1], kz = halfKernels[2]
        // i and j passes slice by slice into `mid`, then the k pass from `mid` into `dst`.
        let mid = UnsafeMutablePointer<Float>.allocate(capacity: count)
        defer { mid.deallocate() }
        kx.withUnsafeBufferPointer { wx in
            ky.withUnsafeBufferPointer { wy in
                parallelChunks(nz, minChunk: 1) { slices in
                    let rx = wx.count - 1
                    let line = UnsafeMutablePointer<Float>.allocate(capacity: nx + 2 * rx)
                    let slice = UnsafeMutablePointer<Float>.allocate(capacity: plane)
                    defer { line.deallocate(); slice.deallocate() }
                    for k in slices {
                        let s = src + k * plane
                        let tmp: UnsafePointer<Float>
                        if rx == 0 && wx[0] == 1 {
                            tmp = s
                        } else {
                            for j in 0..<ny {
                                let row = s + j * nx
                                for t in 0..<rx { line[t] = row[0]; line[rx + nx + t] = row[nx - 1] }
                                (line + rx).update(from: row, count: nx)
                                Self.convolveRow(line, into: slice + j * nx, count: nx, weights: wx)
                            }
                            tmp = UnsafePointer(slice)
                        }
                        Self.convolveLines(tmp, into: mid + k * plane, count: ny, stride: nx, span: nx, weights: wy)
                    }
                }
            }
        }
        kz.withUnsafeBufferPointer { wz in
            let block = 1024
            let blocks = (plane + block - 1) / block
            parallelChunks(blocks, minChunk: 1) { range in
                for b in range {
                    let e0 = b * block
                    Self.convolveLines(UnsafePointer(mid) + e0, into: dst + e0, count: nz, stride: plane,
                                       span: Swift.min(block, plane - e0), weights: wz)
                }
            }
        }
    }

    /// Direct convolution of one padded line (`line` holds r replicated samples on each side).
    @inline(__always)
    static func convolveRow(_ line: UnsafePointer<Float>, into d: UnsafeMutablePointer<Float>, count: Int,
                            weights w: UnsafeBufferPointer<Float>) {
        let r = w.count - 1
        let c = line + r
        let w0 = w[0]
        for e in 0..<count { d[e] = w0 * c[e] }
        if r == 0 { return }
        for t in 1...r { accumulate(d, c - t, c + t, w[t], count) }
    }

    /// Convolves `span` neighbouring lines at once along a strided axis: for each n,
    /// `d[n*stride + e] = sum_t w_t * s[clamp(n +- t)*stride + e]`, e in 0..<span.
    static func convolveLines(_ s: UnsafePointer<Float>, into d: UnsafeMutablePointer<Float>, count: Int,
                              stride: Int, span: Int, weights w: UnsafeBufferPointer<Float>) {
        let r = w.count - 1
        let w0 = w[0]
        for n in 0..<count {
            let out = d + n * stride
            let c = s + n * stride
            for e in 0..<span { out[e] = w0 * c[e] }
            if r == 0 { continue }
            for t in 1...r {
                let lo = n - t < 0 ? 0 : n - t
                let hi = n + t >= count ? count - 1 : n + t
                accumulate(out, s + lo * stride, s + hi * stride, w[t], span)
            }
        }
    }

    /// d[e] += w * (a[e] + b[e]) — the one inner loop of every pass.
    @inline(__always)
    static func accumulate(_ d: UnsafeMutablePointer<Float>, _ a: UnsafePointer<Float>, _ b: UnsafePointer<Float>,
                           _ w: Float, _ count: Int) {
        for e in 0..<count { d[e] += w * (a[e] + b[e]) }
    }
}

extension Volume {
    /// Gaussian smoothing with sigma in millimetres per axis, kernel truncated at `truncate` sigmas,
    /// edges replicated (scipy `gaussian_filter(..., mode='nearest')`). Computed in Float32.
    public func gaussianSmoothed(sigmaMM: SIMD3<Double>, truncate: Double = 4.0) throws -> Volume<Float> {
        try SeparableFilter.gaussian(sigmaMM: sigmaMM, spacing: geometry.spacing, truncate: truncate).apply(to: converted())
    }

    /// Same sigma (mm) on every axis.
    public func gaussianSmoothed(sigmaMM: Double, truncate: Double = 4.0) throws -> Volume<Float> {
        try gaussianSmoothed(sigmaMM: SIMD3(repeating: sigmaMM), truncate: truncate)
    }

    /// Mean over a (2r+1)-voxel box per axis, edges replicated.
    public func boxFiltered(radius: SIMD3<Int>) throws -> Volume<Float> {
        try SeparableFilter.box(radius: radius).apply(to: converted())
    }
}
