/// Resamples volumes into another grid (pull resampling, as ITK's ResampleImageFilter does).
///
/// For each output voxel the resampler finds the point it stands for in the input's index space and
/// interpolates there. The whole chain "output index -> output world -> (transform) -> input world ->
/// input index" is one affine, computed once in Float64 (`indexMap`); along an output row the input
/// point is the row's start plus i times that affine's first column, so the inner loop is one
/// multiply-add per axis and a kernel call. Rows are spread over the configured threads.
///
/// Outside the input's footprint (`[-0.5, n - 0.5]` per axis, see `GridSampler`) the output gets
/// `outsideValue`. Vector images are resampled component by component (components are not
/// reoriented). `linear` and `cubic` compute in Float32; other voxel types are converted to Float32
/// and the result is rounded and clamped back. `nearest` and `label` copy voxels, exact for any type.
///
/// When the index map is the identity (same grid, no transform) the input is returned unchanged for
/// every interpolation, including `cubic`, whose spline passes through the data but would otherwise
/// add Float32 rounding.
public struct Resampler: Sendable {
    public var interpolation: Interpolation
    /// Optional world-space (LPS) transform mapping *output*-world points to *input*-world points,
    /// the pull direction ITK and ANTs use for resampling transforms. nil means identity.
    public var transform: Matrix4?
    /// Value given to output voxels that fall outside the input (rounded and clamped for integers).
    public var outsideValue: Double

    public init(interpolation: Interpolation = .linear, transform: Matrix4? = nil, outsideValue: Double = 0) {
        self.interpolation = interpolation
        self.transform = transform
        self.outsideValue = outsideValue
    }

    /// The affine from output voxel index to input continuous index.
    public func indexMap(from input: Geometry, to output: Geometry) throws -> Matrix4 {
        var worldMap = output.affineLPS
        if let t = transform {
            guard t.isFinite else { throw ImageCoreError.invalidArgument("the resampling transform contains NaN or infinite values") }
            guard t[3, 0] == 0, t[3, 1] == 0, t[3, 2] == 0, t[3, 3] == 1 else {
                throw ImageCoreError.invalidArgument("the resampling transform is not affine (last row must be 0 0 0 1)")
            }
            worldMap = t * worldMap
        }
        guard let inv = input.affineLPS.inverse, input.affineLPS.isFinite else {
            throw ImageCoreError.invalidGeometry("the input volume's affine is singular or not finite")
        }
        guard output.affineLPS.isFinite else { throw ImageCoreError.invalidGeometry("the output geometry's affine is not finite") }
        return inv * worldMap
    }

    /// Resamples `volume` onto `geometry`.
    public func resample<V: VoxelType>(_ volume: Volume<V>, to geometry: Geometry) throws -> Volume<V> {
        try resample(volume, indexMap: indexMap(from: volume.geometry, to: geometry), outputGeometry: geometry)
    }

    /// Resamples with an explicit output-index -> input-index affine (`transform` is ignored), for
    /// callers that build the map themselves (pyramids, registration).
    @_specialize(where V == Float)
    @_specialize(where V == Double)
    @_specialize(where V == UInt8)
    @_specialize(where V == Int16)
    @_specialize(where V == UInt16)
    @_specialize(where V == Int32)
    public func resample<V: VoxelType>(_ volume: Volume<V>, indexMap map: Matrix4, outputGeometry geometry: Geometry) throws -> Volume<V> {
        guard map.isFinite else { throw ImageCoreError.invalidArgument("the index map contains NaN or infinite values") }
        guard geometry.size.x > 0, geometry.size.y > 0, geometry.size.z > 0 else {
            throw ImageCoreError.invalidGeometry("output dimensions must be positive, got \(geometry.size)")
        }
        guard volume.size.x > 0, volume.size.y > 0, volume.size.z > 0 else {
            throw ImageCoreError.invalidGeometry("the input volume is empty (\(volume.size.x)x\(volume.size.y)x\(volume.size.z))")
        }
        if geometry.size == volume.size && Self.isIdentity(map, size: volume.size) {
            var same = volume
            same.geometry = geometry
            return same
        }
        let outside = V(clampingDouble: outsideValue)
        switch interpolation {
        case .nearest:
            return Self.fill(volume, map: map, geometry: geometry, outside: outside, kernel: NearestKernel<V>())
        case .label:
            return Self.fill(volume, map: map, geometry: geometry, outside: outside, kernel: LabelKernel<V>())
        case .linear:
            let floatIn: Volume<Float> = volume.converted()
            return Self.fill(floatIn, map: map, geometry: geometry, outside: Float(outside.doubleValue),
                             kernel: LinearKernel()).converted()
        case .cubic:
            let coefficients = BSpline.cubicCoefficients(volume.converted())
            return Self.fill(coefficients, map: map, geometry: geometry, outside: Float(outside.doubleValue),
                             kernel: CubicKernel()).converted()
        }
    }

    /// Walks the output rows in parallel. Each row is split into the stretch whose points lie in the
    /// kernel's interior (read without any clamping) and the ends, where each point is checked against
    /// the footprint and read with clamped indices or given `outside`. Generic over the kernel so
    /// each one is specialised and inlined.
    static func fill<K: SampleKernel>(_ input: Volume<K.Input>, map: Matrix4, geometry: Geometry,
                                      outside: K.Input, kernel: K) -> Volume<K.Input> {
        let inCount = input.voxelCount, outCount = geometry.voxelCount
        let size = geometry.size, inSize = input.size
        let origin = map.translation
        let cols = map.linearColumns
        let step = cols[0]
        var lo = SIMD3<Double>(), hi = SIMD3<Double>()
        for a in 0..<3 {
            (lo[a], hi[a]) = GridSampler<K.Input>.interiorRange(for: K.stencil, count: inSize[a])
        }
        // Every output voxel is written below (each row is covered by its three stretches).
        let data = [K.Input](unsafeUninitializedCapacity: outCount * input.components) { dst, initialised in
            input.data.withUnsafeBufferPointer { src in
                let dstBase = dst.baseAddress!
                for c in 0..<input.components {
                    let sampler = GridSampler(UnsafeBufferPointer(rebasing: src[(c * inCount)..<((c + 1) * inCount)]), size: inSize)
                    let plane = dstBase + c * outCount
                    parallelChunks(size.y * size.z, minChunk: 8) { rows in
                        for r in rows {
                            let j = r % size.y, k = r / size.y
                            let p0 = origin + cols[1] * Double(j) + cols[2] * Double(k)
                            let row = plane + r * size.x
                            let fast = interiorSpan(p0, step, lo, hi, count: size.x)
                            for i in 0..<size.x where i < fast.lowerBound || i >= fast.upperBound {
                                let p = p0 + step * Double(i)
                                row[i] = sampler.contains(p.x, p.y, p.z) ? kernel.sample(sampler, p.x, p.y, p.z) : outside
                            }
                            for i in fast {
                                let p = p0 + step * Double(i)
                                row[i] = kernel.sampleInterior(sampler, p.x, p.y, p.z)
                            }
                        }
                    }
                }
            }
            initialised = outCount * input.components
        }
        return try! Volume(geometry: geometry, components: input.components, data: data)
    }

    /// The indices i of a row for which `p0 + step * i` lies within `lo...hi` on every axis, an
    /// interval because the region is a box. Solved in closed form, then its ends are re-checked with
    /// exactly the arithmetic of the fill loop (which is monotone in i), so rounding can only shrink it.
    @inline(__always)
    static func interiorSpan(_ p0: SIMD3<Double>, _ step: SIMD3<Double>, _ lo: SIMD3<Double>, _ hi: SIMD3<Double>,
                             count: Int) -> Range<Int> {
        var tLo = 0.0, tHi = Double(count - 1)
        for a in 0..<3 {
            if lo[a] > hi[a] { return 0..<0 }
            let s = step[a]
            if s == 0 {
                if p0[a] < lo[a] || p0[a] > hi[a] { return 0..<0 }
                continue
            }
            var u = (lo[a] - p0[a]) / s, v = (hi[a] - p0[a]) / s
            if u > v { swap(&u, &v) }
            tLo = Swift.max(tLo, u)
            tHi = Swift.min(tHi, v)
        }
        guard tLo <= tHi else { return 0..<0 }
        var first = Int(tLo.rounded(.up)), last = Int(tHi.rounded(.down))
        @inline(__always) func inside(_ i: Int) -> Bool {
            let p = p0 + step * Double(i)
            return p.x >= lo.x && p.y >= lo.y && p.z >= lo.z && p.x <= hi.x && p.y <= hi.y && p.z <= hi.z
        }
        while first <= last && !inside(first) { first += 1 }
        while last >= first && !inside(last) { last -= 1 }
        return first <= last ? first..<(last + 1) : 0..<0
    }

    /// True when `map` moves no voxel of the grid by more than 1e-6 voxel.
    static func isIdentity(_ map: Matrix4, size: SIMD3<Int>) -> Bool {
        let extent = Double(size.max())
        var drift = 0.0
        for r in 0..<3 {
            for c in 0..<3 { drift += abs(map[r, c] - (r == c ? 1 : 0)) * extent }
            drift += abs(map[r, 3])
        }
        return drift < 1e-6
    }
}

extension Volume {
    /// Resamples onto `geometry`; see `Resampler`.
    public func resampled(to geometry: Geometry, interpolation: Interpolation = .linear,
                          transform: Matrix4? = nil, outsideValue: Double = 0) throws -> Volume<Voxel> {
        try Resampler(interpolation: interpolation, transform: transform, outsideValue: outsideValue)
            .resample(self, to: geometry)
    }
}

/// A per-point interpolation rule, as a type so `Resampler.fill` is specialised for each.
protocol SampleKernel {
    associatedtype Input: VoxelType
    static var stencil: InterpolationStencil { get }
    /// Any point inside the footprint.
    func sample(_ s: GridSampler<Input>, _ x: Double, _ y: Double, _ z: Double) -> Input
    /// A point inside `interiorRange(for: stencil)` on every axis.
    func sampleInterior(_ s: GridSampler<Input>, _ x: Double, _ y: Double, _ z: Double) -> Input
}

struct NearestKernel<V: VoxelType>: SampleKernel {
    static var stencil: InterpolationStencil { .nearest }
    @inline(__always) func sample(_ s: GridSampler<V>, _ x: Double, _ y: Double, _ z: Double) -> V { s.nearest(x, y, z) }
    @inline(__always) func sampleInterior(_ s: GridSampler<V>, _ x: Double, _ y: Double, _ z: Double) -> V { s.nearestInterior(x, y, z) }
}

struct LabelKernel<V: VoxelType>: SampleKernel {
    static var stencil: InterpolationStencil { .linear }
    @inline(__always) func sample(_ s: GridSampler<V>, _ x: Double, _ y: Double, _ z: Double) -> V { s.labelVote(x, y, z) }
    @inline(__always) func sampleInterior(_ s: GridSampler<V>, _ x: Double, _ y: Double, _ z: Double) -> V { s.labelVoteInterior(x, y, z) }
}

struct LinearKernel: SampleKernel {
    static var stencil: InterpolationStencil { .linear }
    @inline(__always) func sample(_ s: GridSampler<Float>, _ x: Double, _ y: Double, _ z: Double) -> Float { s.linear(x, y, z) }
    @inline(__always) func sampleInterior(_ s: GridSampler<Float>, _ x: Double, _ y: Double, _ z: Double) -> Float { s.linearInterior(x, y, z) }
}

struct CubicKernel: SampleKernel {
    static var stencil: InterpolationStencil { .cubic }
    @inline(__always) func sample(_ s: GridSampler<Float>, _ x: Double, _ y: Double, _ z: Double) -> Float { s.cubicBSpline(x, y, z) }
    @inline(__always) func sampleInterior(_ s: GridSampler<Float>, _ x: Double, _ y: Double, _ z: Double) -> Float { s.cubicBSplineInterior(x, y, z) }
}
