import ImageCore

/// A dense displacement field on a voxel grid, in the grid's own voxel units.
///
/// Inside the engine every field lives on a fixed-space grid and displaces voxel indices, so inner loops
/// never touch world coordinates: x (index) maps to x + u(x) (index). Files and other tools use LPS
/// millimetres; `worldVolume()` / `init(worldVolume:)` convert at that boundary. Components are planar
/// (all u_i, then all u_j, then all u_k), the same layout as a 3-component `Volume`.
public struct DisplacementField: Sendable {
    public let geometry: Geometry
    /// `3 * voxelCount` floats: component c of voxel n at `c * voxelCount + n`.
    public var data: [Float]

    /// The identity (zero displacement) on `geometry`.
    public init(geometry: Geometry) {
        self.geometry = geometry
        self.data = [Float](repeating: 0, count: 3 * geometry.voxelCount)
    }

    public init(geometry: Geometry, data: [Float]) throws {
        guard data.count == 3 * geometry.voxelCount else {
            throw RegistrationError.mismatchedGrids(what: "displacement field",
                                                    problem: "holds \(data.count) values, its grid needs \(3 * geometry.voxelCount)")
        }
        self.geometry = geometry
        self.data = data
    }

    public var voxelCount: Int { geometry.voxelCount }
    var shape: GridShape { GridShape(geometry.size) }

    /// Converts a field in LPS millimetres (what ANTs and ITK store) to voxel units of its own grid.
    public init(worldVolume v: Volume<Float>) throws {
        guard v.components == 3 else {
            throw RegistrationError.invalidImage(what: "displacement field",
                                                 problem: "has \(v.components) components per voxel, a 3-D displacement field needs 3")
        }
        guard !v.hasNonFinite else {
            throw RegistrationError.invalidImage(what: "displacement field", problem: "contains NaN or infinite displacements")
        }
        let toIndex = v.geometry.inverseAffineLPS
        self.geometry = v.geometry
        self.data = DisplacementField.mapVectors(v.data, count: v.voxelCount, toIndex)
    }

    /// The field in LPS millimetres as a 3-component volume, ready for a NIfTI vector image.
    public func worldVolume() -> Volume<Float> {
        let mm = DisplacementField.mapVectors(data, count: voxelCount, geometry.affineLPS)
        return try! Volume(geometry: geometry, components: 3, data: mm)
    }

    /// Applies the linear part of `m` to every vector of a planar 3-component buffer.
    static func mapVectors(_ src: [Float], count n: Int, _ m: Matrix4) -> [Float] {
        var out = [Float](repeating: 0, count: src.count)
        let a = (0..<9).map { Float(m[$0 / 3, $0 % 3]) }
        src.withUnsafeBufferPointer { sb in
            out.withUnsafeMutableBufferPointer { ob in
                let s = sb.baseAddress!, o = ob.baseAddress!
                parallelChunks(n, minChunk: 1 << 15) { range in
                    for i in range {
                        let x = s[i], y = s[n + i], z = s[2 * n + i]
                        o[i] = a[0] * x + a[1] * y + a[2] * z
                        o[n + i] = a[3] * x + a[4] * y + a[5] * z
                        o[2 * n + i] = a[6] * x + a[7] * y + a[8] * z
                    }
                }
            }
        }
        return out
    }

    /// Largest displacement length in voxels.
    public var maximumNorm: Float {
        let n = voxelCount
        return data.withUnsafeBufferPointer { b -> Float in
            let p = b.baseAddress!
            var best: Float = 0
            for i in 0..<n {
                let l = p[i] * p[i] + p[n + i] * p[n + i] + p[2 * n + i] * p[2 * n + i]
                if l > best { best = l }
            }
            return best.squareRoot()
        }
    }

    /// The same deformation sampled on another grid (same world map), e.g. a coarse level's field
    /// carried to the next finer level, or the working grid's field carried to the fixed image grid.
    /// Outside this field's grid the displacement is extended from the border.
    public func resampled(to target: Geometry) -> DisplacementField {
        if target.isClose(to: geometry, tolerance: 1e-9) { return self }
        // target index -> our index (affine), our voxel vector -> target voxel vector (linear).
        let toOurs = AffineMap3(geometry.inverseAffineLPS * target.affineLPS)
        let v = target.inverseAffineLPS * geometry.affineLPS
        let a = (0..<9).map { Float(v[$0 / 3, $0 % 3]) }
        var out = DisplacementField(geometry: target)
        let src = shape, dst = GridShape(target.size)
        let n = src.count, m = dst.count
        data.withUnsafeBufferPointer { sb in
            out.data.withUnsafeMutableBufferPointer { ob in
                let s = sb.baseAddress!, o = ob.baseAddress!
                parallelFor(dst.nz) { k in
                    for j in 0..<dst.ny {
                        for i in 0..<dst.nx {
                            let (x, y, z) = toOurs.apply(Float(i), Float(j), Float(k))
                            let st = TrilinearStencil(src, x, y, z)
                            let ux = st.sample(s), uy = st.sample(s + n), uz = st.sample(s + 2 * n)
                            let q = dst.index(i, j, k)
                            o[q] = a[0] * ux + a[1] * uy + a[2] * uz
                            o[m + q] = a[3] * ux + a[4] * uy + a[5] * uz
                            o[2 * m + q] = a[6] * ux + a[7] * uy + a[8] * uz
                        }
                    }
                }
            }
        }
        return out
    }
}
