import Foundation

/// Where a voxel grid sits in the world.
///
/// World coordinates are LPS millimetres (DICOM / ITK / ANTs convention) everywhere in the code;
/// NIfTI's RAS+ is converted at the file boundary only. Voxel (i, j, k) maps to
/// `origin + direction * (spacing .* (i, j, k))`. The direction columns are unit vectors but need
/// not be orthogonal: a gantry-tilted CT keeps its exact sheared grid.
public struct Geometry: Equatable, Sendable {
    /// Voxels along i, j, k (i fastest in memory).
    public var size: SIMD3<Int>
    /// Millimetres between voxel centres along i, j, k.
    public var spacing: SIMD3<Double>
    /// LPS position of voxel (0, 0, 0).
    public var origin: SIMD3<Double>
    /// Unit LPS direction of the i, j and k axes.
    public var direction: [SIMD3<Double>]

    public init(size: SIMD3<Int>, spacing: SIMD3<Double> = SIMD3(1, 1, 1), origin: SIMD3<Double> = .zero,
                direction: [SIMD3<Double>] = [SIMD3(1, 0, 0), SIMD3(0, 1, 0), SIMD3(0, 0, 1)]) {
        self.size = size
        self.spacing = spacing
        self.origin = origin
        self.direction = direction
    }

    /// Builds a geometry from an index-to-LPS affine, validating it.
    public init(size: SIMD3<Int>, affineLPS a: Matrix4) throws {
        guard a.isFinite else { throw ImageCoreError.invalidGeometry("the affine contains NaN or infinite values") }
        guard size.x > 0, size.y > 0, size.z > 0 else {
            throw ImageCoreError.invalidGeometry("dimensions \(size.x)x\(size.y)x\(size.z) must all be positive")
        }
        let cols = a.linearColumns
        let sp = SIMD3(cols.map { ($0 * $0).sum().squareRoot() })
        guard sp.min() > 0 else { throw ImageCoreError.invalidGeometry("a voxel axis has zero length in the affine") }
        guard a.inverse != nil else { throw ImageCoreError.invalidGeometry("the affine is singular") }
        self.size = size
        self.spacing = sp
        self.origin = a.translation
        self.direction = (0..<3).map { cols[$0] / sp[$0] }
    }

    public init(size: SIMD3<Int>, affineRAS: Matrix4) throws {
        try self.init(size: size, affineLPS: Matrix4.lpsToRAS * affineRAS)
    }

    public var voxelCount: Int { size.x * size.y * size.z }

    /// Index (i, j, k) to LPS millimetres.
    public var affineLPS: Matrix4 {
        var r = [Double](repeating: 0, count: 16)
        for row in 0..<3 {
            for c in 0..<3 { r[row * 4 + c] = direction[c][row] * spacing[c] }
            r[row * 4 + 3] = origin[row]
        }
        r[15] = 1
        return Matrix4(rowMajor: r)
    }

    /// Index (i, j, k) to RAS+ millimetres, as NIfTI's sform stores it.
    public var affineRAS: Matrix4 { Matrix4.lpsToRAS * affineLPS }

    /// LPS millimetres to continuous index.
    public var inverseAffineLPS: Matrix4 {
        guard let inv = affineLPS.inverse else { preconditionFailure("Geometry with singular affine") }
        return inv
    }

    public func worldLPS(_ ijk: SIMD3<Double>) -> SIMD3<Double> { affineLPS.apply(ijk) }

    /// Orientation code in nibabel's convention: the letter names the direction each voxel axis points
    /// to in RAS+ space ("RAS", "LAS", "LPS", ...).
    public var orientationCode: String {
        let cols = affineRAS.linearColumns
        return String(cols.map { c -> Character in
            let a = SIMD3(abs(c.x), abs(c.y), abs(c.z))
            let axis = a.x >= a.y && a.x >= a.z ? 0 : (a.y >= a.z ? 1 : 2)
            let positive = c[axis] >= 0
            return [["R", "L"], ["A", "P"], ["S", "I"]][axis][positive ? 0 : 1].first!
        })
    }

    /// True when the direction columns are orthogonal (no gantry-tilt shear).
    public var isOrthogonal: Bool {
        abs((direction[0] * direction[1]).sum()) < 1e-6 && abs((direction[0] * direction[2]).sum()) < 1e-6
            && abs((direction[1] * direction[2]).sum()) < 1e-6
    }

    /// Physical extent in millimetres along each voxel axis.
    public var extent: SIMD3<Double> { SIMD3<Double>(size &- 1) * spacing }

    /// Same physical box sampled at a new spacing (the first voxel centre is kept).
    public func resampled(spacing newSpacing: SIMD3<Double>) -> Geometry {
        let n = SIMD3<Int>((0..<3).map { Swift.max(1, Int((extent[$0] / newSpacing[$0]).rounded(.down)) + 1) })
        return Geometry(size: n, spacing: newSpacing, origin: origin, direction: direction)
    }

    /// Checks equality within a tolerance (mm), for comparing grids from different files.
    public func isClose(to other: Geometry, tolerance: Double = 1e-4) -> Bool {
        size == other.size && affineLPS.maxAbsDifference(other.affineLPS) <= tolerance
    }
}
