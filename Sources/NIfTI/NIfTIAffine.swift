import ImageCore

#if arch(x86_64) && !os(Windows) && !os(Android)
/// nibabel rebuilds the qform rotation in numpy's longdouble, which is the x87 80-bit type on x86-64
/// Linux. Using the same precision makes our affine bit-identical to nibabel's there; elsewhere Double
/// agrees to the last bit or two.
typealias QformReal = Float80
#else
typealias QformReal = Double
#endif

/// Where a file's voxel-to-world transform came from.
public enum NIfTIAffineSource: String, Sendable {
    case sform, qform
    /// Neither code set: voxel sizes only, centred, x flipped (the ANALYZE convention nibabel uses).
    case pixdim
}

/// The NIfTI transform rules, kept in one place: which transform wins on reading, and how a geometry is
/// written back as both an exact sform and the closest rigid qform.
extension NIfTIHeader {
    /// The index-to-RAS+ affine nibabel's `get_best_affine` returns: sform when its code is set, else
    /// qform when its code is set, else the pixdim fallback.
    public func bestAffine(file: String = "") throws -> (affine: Matrix4, source: NIfTIAffineSource) {
        if sformCode != 0 { return (sformMatrix, .sform) }
        if qformCode != 0 { return (try qformMatrix(file: file), .qform) }
        return (pixdimAffine, .pixdim)
    }

    /// The qform transform (quaternion, voxel sizes, qfac and offsets) as a matrix.
    public func qformMatrix(file: String = "") throws -> Matrix4 {
        let b = QformReal(quaternB), c = QformReal(quaternC), d = QformReal(quaternD)
        let threshold = QformReal(version == 2 ? 3 * Double.ulpOfOne : 3 * Double(Float.ulpOfOne))
        let w2 = 1 - (b * b + c * c + d * d)
        let a: QformReal
        if abs(w2) < threshold {
            a = 0
        } else if w2 < 0 || !w2.isFinite {
            throw NIfTIError(.invalidAffine, file: file, problem: "the qform quaternion (b=\(quaternB), c=\(quaternC), d=\(quaternD)) is longer than 1")
        } else {
            a = w2.squareRoot()
        }
        // Rotation from the unit quaternion (a, b, c, d), written the way nibabel's quat2mat is.
        var rot: [QformReal] = [1, 0, 0, 0, 1, 0, 0, 0, 1]
        let nq = a * a + b * b + c * c + d * d
        if nq >= QformReal(Double.ulpOfOne) {
            let s = 2 / nq
            let x = b * s, y = c * s, z = d * s
            let wx = a * x, wy = a * y, wz = a * z
            let xx = b * x, xy = b * y, xz = b * z
            let yy = c * y, yz = c * z, zz = d * z
            rot = [1 - (yy + zz), xy - wz, xz + wy,
                   xy + wz, 1 - (xx + zz), yz - wx,
                   xz - wy, yz + wx, 1 - (xx + yy)]
        }
        // Non-positive voxel sizes make no transform; the NIfTI reference library reads them as 1.
        var vox = (1...3).map { pixdim[$0] > 0 ? pixdim[$0] : 1 }
        if pixdim[0] < 0 { vox[2] = -vox[2] }
        var m = [Double](repeating: 0, count: 16)
        for r in 0..<3 {
            for col in 0..<3 { m[r * 4 + col] = Double(rot[r * 3 + col] * QformReal(vox[col])) }
        }
        m[3] = qoffsetX; m[7] = qoffsetY; m[11] = qoffsetZ; m[15] = 1
        return Matrix4(rowMajor: m)
    }

    /// nibabel's fallback without sform or qform: voxel sizes on the diagonal, x negated, origin at the
    /// grid centre. Zero or missing voxel sizes count as 1 so the result is always invertible.
    public var pixdimAffine: Matrix4 {
        var m = Matrix4.identity
        let n = dimensionCount
        for axis in 0..<3 {
            let size = axis < n ? Double(dim[axis + 1]) : 1
            var zoom = axis < n && pixdim[axis + 1] != 0 && pixdim[axis + 1].isFinite ? pixdim[axis + 1] : 1
            if axis == 0 { zoom = -zoom }
            m[axis, axis] = zoom
            m[axis, 3] = -((size - 1) / 2) * zoom
        }
        return m
    }

    /// Stores an index-to-RAS+ affine as the exact sform and as the closest rigid qform (rotation from
    /// the polar decomposition, voxel sizes from the column lengths), with the given codes.
    mutating func setTransforms(affineRAS: Matrix4, qformCode: Int, sformCode: Int) {
        setSform(affineRAS, code: sformCode)
        let cols = affineRAS.linearColumns
        let zooms = cols.map { ($0 * $0).sum().squareRoot() }
        var r = (0..<3).map { row in (0..<3).map { col in cols[col][row] / zooms[col] } }  // r[row][col]
        var qfac = 1.0
        if determinant3(r) < 0 {
            qfac = -1
            for row in 0..<3 { r[row][2] = -r[row][2] }
        }
        let rigid = closestRotation(r)
        let q = quaternion(of: rigid)
        quaternB = q.b; quaternC = q.c; quaternD = q.d
        qoffsetX = affineRAS[0, 3]; qoffsetY = affineRAS[1, 3]; qoffsetZ = affineRAS[2, 3]
        pixdim[0] = qfac
        pixdim[1] = zooms[0]; pixdim[2] = zooms[1]; pixdim[3] = zooms[2]
        self.qformCode = qformCode
    }
}

private func determinant3(_ r: [[Double]]) -> Double {
    r[0][0] * (r[1][1] * r[2][2] - r[1][2] * r[2][1])
        - r[0][1] * (r[1][0] * r[2][2] - r[1][2] * r[2][0])
        + r[0][2] * (r[1][0] * r[2][1] - r[1][1] * r[2][0])
}

/// Orthogonal polar factor of a 3x3 matrix by Newton's iteration R <- (R + R^-T) / 2, which converges
/// quadratically to U V^T of the SVD (the rotation nearest in Frobenius norm) for any invertible input.
private func closestRotation(_ m: [[Double]]) -> [[Double]] {
    var r = m
    for _ in 0..<100 {
        let det = determinant3(r)
        guard det != 0, det.isFinite else { return [[1, 0, 0], [0, 1, 0], [0, 0, 1]] }
        // Inverse transpose = cofactor matrix / det.
        var next = r
        var change = 0.0
        for i in 0..<3 {
            for j in 0..<3 {
                let i1 = (i + 1) % 3, i2 = (i + 2) % 3, j1 = (j + 1) % 3, j2 = (j + 2) % 3
                let cof = r[i1][j1] * r[i2][j2] - r[i1][j2] * r[i2][j1]
                next[i][j] = 0.5 * (r[i][j] + cof / det)
                change = max(change, abs(next[i][j] - r[i][j]))
            }
        }
        r = next
        if change < 1e-15 { break }
    }
    return r
}

/// Unit quaternion (a >= 0) of a rotation matrix, by the numerically stable largest-component method.
private func quaternion(of r: [[Double]]) -> (a: Double, b: Double, c: Double, d: Double) {
    let trace = r[0][0] + r[1][1] + r[2][2]
    var a, b, c, d: Double
    if trace > 0 {
        let s = (trace + 1).squareRoot() * 2
        a = 0.25 * s
        b = (r[2][1] - r[1][2]) / s
        c = (r[0][2] - r[2][0]) / s
        d = (r[1][0] - r[0][1]) / s
    } else if r[0][0] > r[1][1] && r[0][0] > r[2][2] {
        let s = (1 + r[0][0] - r[1][1] - r[2][2]).squareRoot() * 2
        a = (r[2][1] - r[1][2]) / s
        b = 0.25 * s
        c = (r[0][1] + r[1][0]) / s
        d = (r[0][2] + r[2][0]) / s
    } else if r[1][1] > r[2][2] {
        let s = (1 + r[1][1] - r[0][0] - r[2][2]).squareRoot() * 2
        a = (r[0][2] - r[2][0]) / s
        b = (r[0][1] + r[1][0]) / s
        c = 0.25 * s
        d = (r[1][2] + r[2][1]) / s
    } else {
        let s = (1 + r[2][2] - r[0][0] - r[1][1]).squareRoot() * 2
        a = (r[1][0] - r[0][1]) / s
        b = (r[0][2] + r[2][0]) / s
        c = (r[1][2] + r[2][1]) / s
        d = 0.25 * s
    }
    let norm = (a * a + b * b + c * c + d * d).squareRoot()
    a /= norm; b /= norm; c /= norm; d /= norm
    if a < 0 { a = -a; b = -b; c = -c; d = -d }
    return (a, b, c, d)
}
