/// Resamples volumes into another grid (pull resampling, as ITK's ResampleImageFilter does).
///
/// For each output voxel the resampler finds the point it stands for in the input's index space and
/// interpolates there. The whole chain "output index -> output world -> (transform) -> input world ->
/// input index" is one affine, computed once in Float64 (`indexMap`), and each output row is walked by
/// adding that affine's first column, so the inner loop is a kernel call per voxel. Rows are spread
/// over the configured threads.
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

    /// Walks the output rows in parallel; each point inside the input's footprint gets the kernel's
    /// value, the others `outside`. Generic over the kernel so each one is specialised and inlined.
    static func fill<K: SampleKernel>(_ input: Volume<K.Input>, map: Matrix4, geometry: Geometry,
                                      outside: K.Input, kernel: K) -> Volume<K.Input> {
        var out = Volume<K.Input>(geometry: geometry, components: input.components)
        let inCount = input.voxelCount, outCount = geometry.voxelCount
        let size = geometry.size, inSize = input.size
        let origin = map.translation
        let cols = map.linearColumns
        let step = cols[0]
        input.data.withUnsafeBufferPointer { src in
            out.data.withUnsafeMutableBufferPointer { dst in
                let dstBase = dst.baseAddress!
                for c in 0..<input.components {
                    let sampler = GridSampler(UnsafeBufferPointer(rebasing: src[(c * inCount)..<((c + 1) * inCount)]), size: inSize)
                    let plane = dstBase + c * outCount
                    parallelChunks(size.y * size.z, minChunk: 8) { rows in
                        for r in rows {
                            let j = r % size.y, k = r / size.y
                            let p0 = origin + cols[1] * Double(j) + cols[2] * Double(k)
                            let row = plane + r * size.x
                            for i in 0..<size.x {
                                let p = p0 + step * Double(i)
                                row[i] = sampler.contains(p.x, p.y, p.z) ? kernel.sample(sampler, p.x, p.y, p.z) : outside
                            }
                        }
                    }
                }
            }
        }
        return out
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
    func sample(_ s: GridSampler<Input>, _ x: Double, _ y: Double, _ z: Double) -> Input
}

struct NearestKernel<V: VoxelType>: SampleKernel {
    @inline(__always) func sample(_ s: GridSampler<V>, _ x: Double, _ y: Double, _ z: Double) -> V { s.nearest(x, y, z) }
}

struct LabelKernel<V: VoxelType>: SampleKernel {
    @inline(__always) func sample(_ s: GridSampler<V>, _ x: Double, _ y: Double, _ z: Double) -> V { s.labelVote(x, y, z) }
}

struct LinearKernel: SampleKernel {
    @inline(__always) func sample(_ s: GridSampler<Float>, _ x: Double, _ y: Double, _ z: Double) -> Float { s.linear(x, y, z) }
}

struct CubicKernel: SampleKernel {
    @inline(__always) func sample(_ s: GridSampler<Float>, _ x: Double, _ y: Double, _ z: Double) -> Float { s.cubicBSpline(x, y, z) }
}
