/// Multi-resolution pyramids as ANTs builds them: for each level, smooth the full-resolution image
/// with a Gaussian, then shrink it by integer factors.
///
/// Shrinking follows ITK's ShrinkImageFilter geometry: new size `floor(n / f)` (at least 1), new
/// spacing `spacing * f`, same direction, and the origin moved so the physical centre of the grid is
/// unchanged. Output voxel `o` therefore stands for input continuous index `o * f + offset` with
/// `offset = (n - 1) / 2 - (m - 1) / 2 * f`. ITK then reads the nearest input voxel; here the
/// (already smoothed) input is read with linear interpolation at exactly that point, which is the
/// same voxel when `offset` is a whole number and keeps the geometry exact when it is a half.
public enum ImagePyramid {
    /// Whether smoothing sigmas are in millimetres or in voxels of the full-resolution input
    /// (ANTs' `--smoothing-sigmas 3x2x1x0vox` vs `...mm`).
    public enum SigmaUnit: String, Sendable { case voxels, millimetres }

    /// One level: shrink factors per axis and Gaussian sigma in millimetres per axis.
    public struct Level: Equatable, Sendable {
        public var shrinkFactors: SIMD3<Int>
        public var sigmaMM: SIMD3<Double>
        public init(shrinkFactors: SIMD3<Int>, sigmaMM: SIMD3<Double>) {
            self.shrinkFactors = shrinkFactors
            self.sigmaMM = sigmaMM
        }
    }

    /// ANTs-style schedule: one isotropic shrink factor and one sigma per level, coarsest first.
    public static func levels(shrinkFactors: [Int], smoothingSigmas: [Double], unit: SigmaUnit,
                              spacing: SIMD3<Double>) throws -> [Level] {
        guard shrinkFactors.count == smoothingSigmas.count, !shrinkFactors.isEmpty else {
            throw ImageCoreError.invalidArgument("need one smoothing sigma per shrink factor (got \(shrinkFactors.count) factors, \(smoothingSigmas.count) sigmas)")
        }
        return try zip(shrinkFactors, smoothingSigmas).map { f, s in
            guard f >= 1 else { throw ImageCoreError.invalidArgument("shrink factors must be >= 1, got \(f)") }
            guard s.isFinite, s >= 0 else { throw ImageCoreError.invalidArgument("smoothing sigmas must be finite and >= 0, got \(s)") }
            return Level(shrinkFactors: SIMD3(repeating: f), sigmaMM: unit == .voxels ? spacing * s : SIMD3(repeating: s))
        }
    }

    /// Builds every level (same order as `levels`).
    public static func build<V: VoxelType>(_ volume: Volume<V>, levels: [Level]) throws -> [Volume<Float>] {
        try levels.map { try level(volume, $0) }
    }

    /// One level: smoothed, then shrunk.
    public static func level<V: VoxelType>(_ volume: Volume<V>, _ level: Level) throws -> Volume<Float> {
        let smooth: Volume<Float> = level.sigmaMM.max() > 0
            ? try volume.gaussianSmoothed(sigmaMM: level.sigmaMM) : volume.converted()
        return try shrink(smooth, by: level.shrinkFactors)
    }

    /// Subsamples by integer factors onto `geometry.shrunk(by:)` without smoothing.
    public static func shrink(_ volume: Volume<Float>, by factors: SIMD3<Int>) throws -> Volume<Float> {
        guard factors.min() >= 1 else { throw ImageCoreError.invalidArgument("shrink factors must be >= 1, got \(factors)") }
        if factors == SIMD3(1, 1, 1) { return volume }
        let target = volume.geometry.shrunk(by: factors)
        let offset = Geometry.shrinkOffset(size: volume.size, factors: factors)
        var map = Matrix4.identity
        for a in 0..<3 {
            map[a, a] = Double(factors[a])
            map[a, 3] = offset[a]
        }
        return try Resampler(interpolation: .linear).resample(volume, indexMap: map, outputGeometry: target)
    }
}

extension Geometry {
    /// The grid ITK's ShrinkImageFilter produces (see `ImagePyramid`): centre kept, spacing times f.
    public func shrunk(by factors: SIMD3<Int>) -> Geometry {
        let f = SIMD3<Int>(Swift.max(1, factors.x), Swift.max(1, factors.y), Swift.max(1, factors.z))
        let newSize = SIMD3<Int>(Swift.max(1, size.x / f.x), Swift.max(1, size.y / f.y), Swift.max(1, size.z / f.z))
        let offset = Geometry.shrinkOffset(size: size, factors: f)
        return Geometry(size: newSize, spacing: spacing * SIMD3<Double>(f), origin: worldLPS(offset), direction: direction)
    }

    /// Input continuous index of output voxel 0 after shrinking: `(n - 1) / 2 - (m - 1) / 2 * f`.
    static func shrinkOffset(size: SIMD3<Int>, factors: SIMD3<Int>) -> SIMD3<Double> {
        let m = SIMD3<Int>(Swift.max(1, size.x / factors.x), Swift.max(1, size.y / factors.y), Swift.max(1, size.z / factors.z))
        return (SIMD3<Double>(size &- 1) - SIMD3<Double>(m &- 1) * SIMD3<Double>(factors)) / 2
    }
}
