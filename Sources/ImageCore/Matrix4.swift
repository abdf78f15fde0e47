import Foundation

/// A 4x4 matrix of Doubles, row-major, for voxel-to-world affines.
///
/// Affines are composed and inverted in Float64 so that chaining several transforms
/// (scanner -> template -> atlas) keeps sub-micrometre precision.
public struct Matrix4: Equatable, Sendable, CustomStringConvertible {
    /// Row-major entries: `m[r * 4 + c]`.
    public var m: [Double]

    public init(rows: [[Double]]) {
        precondition(rows.count == 4 && rows.allSatisfy { $0.count == 4 }, "Matrix4 needs 4 rows of 4")
        m = rows.flatMap { $0 }
    }

    public init(rowMajor: [Double]) {
        precondition(rowMajor.count == 16, "Matrix4 needs 16 entries")
        m = rowMajor
    }

    public static let identity = Matrix4(rowMajor: [1, 0, 0, 0, 0, 1, 0, 0, 0, 0, 1, 0, 0, 0, 0, 1])

    /// Flips the first two world axes: LPS <-> RAS. Its own inverse.
    public static let lpsToRAS = Matrix4(rowMajor: [-1, 0, 0, 0, 0, -1, 0, 0, 0, 0, 1, 0, 0, 0, 0, 1])

    public subscript(r: Int, c: Int) -> Double {
        get { m[r * 4 + c] }
        set { m[r * 4 + c] = newValue }
    }

    public static func * (a: Matrix4, b: Matrix4) -> Matrix4 {
        var out = [Double](repeating: 0, count: 16)
        for r in 0..<4 {
            for c in 0..<4 {
                var s = 0.0
                for k in 0..<4 { s += a.m[r * 4 + k] * b.m[k * 4 + c] }
                out[r * 4 + c] = s
            }
        }
        return Matrix4(rowMajor: out)
    }

    /// Applies the matrix to a point (homogeneous coordinate 1).
    public func apply(_ p: SIMD3<Double>) -> SIMD3<Double> {
        SIMD3(m[0] * p.x + m[1] * p.y + m[2] * p.z + m[3],
              m[4] * p.x + m[5] * p.y + m[6] * p.z + m[7],
              m[8] * p.x + m[9] * p.y + m[10] * p.z + m[11])
    }

    /// Applies only the linear part (for directions and displacements).
    public func applyLinear(_ v: SIMD3<Double>) -> SIMD3<Double> {
        SIMD3(m[0] * v.x + m[1] * v.y + m[2] * v.z,
              m[4] * v.x + m[5] * v.y + m[6] * v.z,
              m[8] * v.x + m[9] * v.y + m[10] * v.z)
    }

    /// The upper-left 3x3 block as columns.
    public var linearColumns: [SIMD3<Double>] {
        (0..<3).map { c in SIMD3(m[c], m[4 + c], m[8 + c]) }
    }

    public var translation: SIMD3<Double> { SIMD3(m[3], m[7], m[11]) }

    public var isFinite: Bool { m.allSatisfy { $0.isFinite } }

    /// Inverse by Gauss-Jordan elimination with partial pivoting; nil when singular.
    public var inverse: Matrix4? {
        var a = m
        var inv = Matrix4.identity.m
        for col in 0..<4 {
            var pivot = col
            for r in col..<4 where abs(a[r * 4 + col]) > abs(a[pivot * 4 + col]) { pivot = r }
            let pv = a[pivot * 4 + col]
            if abs(pv) < 1e-14 || !pv.isFinite { return nil }
            if pivot != col {
                for c in 0..<4 {
                    a.swapAt(pivot * 4 + c, col * 4 + c)
                    inv.swapAt(pivot * 4 + c, col * 4 + c)
                }
            }
            for c in 0..<4 { a[col * 4 + c] /= pv; inv[col * 4 + c] /= pv }
            for r in 0..<4 where r != col {
                let f = a[r * 4 + col]
                if f == 0 { continue }
                for c in 0..<4 {
                    a[r * 4 + c] -= f * a[col * 4 + c]
                    inv[r * 4 + c] -= f * inv[col * 4 + c]
                }
            }
        }
        return Matrix4(rowMajor: inv)
    }

    /// Largest absolute entry-wise difference, for tolerance checks.
    public func maxAbsDifference(_ other: Matrix4) -> Double {
        zip(m, other.m).map { abs($0 - $1) }.max() ?? 0
    }

    public var description: String {
        (0..<4).map { r in (0..<4).map { c in String(format: "%12.6f", m[r * 4 + c]) }.joined(separator: " ") }
            .joined(separator: "\n")
    }
}
