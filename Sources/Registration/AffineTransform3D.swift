import Foundation
import ImageCore

/// A 3-D affine point map from fixed (reference) space to moving space, in LPS millimetres: the direction
/// ITK and ANTs use, so sampling the moving image at T(x) for every fixed voxel x resamples it onto the
/// fixed grid.
///
/// ITK stores an affine as a matrix M, a translation t and a centre c (FixedParameters) with
/// T(x) = M (x - c) + c + t. The centre does not change the map, only how its parameters read; we keep it
/// so written files look like ANTs' own (centre = fixed image centre of rotation).
public struct AffineTransform3D: Equatable, Sendable, CustomStringConvertible {
    /// The full point map as a homogeneous matrix (row-major 4x4, last row 0 0 0 1).
    public var matrix: Matrix4
    /// Centre of rotation (ITK FixedParameters), LPS mm.
    public var center: SIMD3<Double>

    public init(matrix: Matrix4 = .identity, center: SIMD3<Double> = .zero) {
        self.matrix = matrix
        self.center = center
    }

    /// From ITK parameters: row-major 3x3 `linear`, `translation`, `center`.
    public init(linear: [Double], translation: SIMD3<Double>, center: SIMD3<Double>) {
        precondition(linear.count == 9, "an affine's linear part has 9 entries")
        var m = Matrix4.identity
        for r in 0..<3 { for c in 0..<3 { m[r, c] = linear[r * 3 + c] } }
        let mc = m.applyLinear(center)
        let offset = translation + center - mc
        m[0, 3] = offset.x
        m[1, 3] = offset.y
        m[2, 3] = offset.z
        self.matrix = m
        self.center = center
    }

    public static let identity = AffineTransform3D()

    /// Row-major 3x3 linear part.
    public var linear: [Double] { (0..<9).map { matrix[$0 / 3, $0 % 3] } }
    /// ITK's "translation" parameter for the stored centre: offset - c + M c.
    public var translation: SIMD3<Double> { matrix.translation - center + matrix.applyLinear(center) }

    public func apply(_ p: SIMD3<Double>) -> SIMD3<Double> { matrix.apply(p) }

    /// The inverse map (moving to fixed), keeping ITK's habit of centring it at the image of the centre.
    public var inverse: AffineTransform3D? {
        guard let inv = matrix.inverse else { return nil }
        return AffineTransform3D(matrix: inv, center: matrix.apply(center))
    }

    /// `self` after `first`: x -> self(first(x)).
    public func composed(after first: AffineTransform3D) -> AffineTransform3D {
        AffineTransform3D(matrix: matrix * first.matrix, center: first.center)
    }

    /// A rotation by `angles` (radians, about L, P, S in turn: R = Rz Ry Rx) about `center`, then a shift.
    public static func rigid(angles: SIMD3<Double>, translation: SIMD3<Double>, center: SIMD3<Double>) -> AffineTransform3D {
        AffineTransform3D(linear: rotationMatrix(angles), translation: translation, center: center)
    }

    static func rotationMatrix(_ a: SIMD3<Double>) -> [Double] {
        let (cx, sx, cy, sy, cz, sz) = (cos(a.x), sin(a.x), cos(a.y), sin(a.y), cos(a.z), sin(a.z))
        let rx = [1, 0, 0, 0, cx, -sx, 0, sx, cx]
        let ry = [cy, 0, sy, 0, 1, 0, -sy, 0, cy]
        let rz = [cz, -sz, 0, sz, cz, 0, 0, 0, 1]
        return multiply3(rz, multiply3(ry, rx))
    }

    static func multiply3(_ a: [Double], _ b: [Double]) -> [Double] {
        var out = [Double](repeating: 0, count: 9)
        for r in 0..<3 {
            for c in 0..<3 {
                var s = 0.0
                for k in 0..<3 { s += a[r * 3 + k] * b[k * 3 + c] }
                out[r * 3 + c] = s
            }
        }
        return out
    }

    /// Angle (degrees) of the rotation closest to the linear part (polar decomposition not needed for the
    /// near-rigid maps this is used on: the angle of the rotation whose trace matches).
    public var rotationAngleDegrees: Double {
        let l = linear
        let tr = l[0] + l[4] + l[8]
        return acos(Swift.max(-1, Swift.min(1, (tr - 1) / 2))) * 180 / .pi
    }

    public var description: String {
        let f = { (v: Double) in String(format: "%.6f", v) }
        let l = linear
        return "matrix [\(l.map(f).joined(separator: " "))] offset [\(f(matrix[0, 3])) \(f(matrix[1, 3])) \(f(matrix[2, 3]))]"
    }
}
