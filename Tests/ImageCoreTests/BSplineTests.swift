import XCTest
import ImageCore

final class BSplineTests: XCTestCase {
    /// Reference: solve (c[k-1] + 4 c[k] + c[k+1]) / 6 = d[k] with mirrored ends (c[-1] = c[1],
    /// c[n] = c[n-2]) by dense Gaussian elimination in Float64.
    func solveMirror(_ d: [Double]) -> [Double] {
        let n = d.count
        if n == 1 { return d }
        var a = [[Double]](repeating: [Double](repeating: 0, count: n), count: n)
        for k in 0..<n {
            a[k][k] += 4.0 / 6
            a[k][k == 0 ? 1 : k - 1] += 1.0 / 6
            a[k][k == n - 1 ? n - 2 : k + 1] += 1.0 / 6
        }
        var b = d
        for col in 0..<n {
            let p = (col..<n).max { abs(a[$0][col]) < abs(a[$1][col]) }!
            a.swapAt(col, p); b.swapAt(col, p)
            for r in (col + 1)..<n {
                let f = a[r][col] / a[col][col]
                for c in col..<n { a[r][c] -= f * a[col][c] }
                b[r] -= f * b[col]
            }
        }
        var x = [Double](repeating: 0, count: n)
        for r in stride(from: n - 1, through: 0, by: -1) {
            var s = b[r]
            for c in (r + 1)..<n { s -= a[r][c] * x[c] }
            x[r] = s / a[r][r]
        }
        return x
    }

    func testCoefficientsMatchDirectSolveAlongEachAxis() {
        let size = SIMD3(7, 6, 5)
        var rng = SplitMix64(seed: 11)
        let data = (0..<(7 * 6 * 5)).map { _ in rng.uniform() * 10 - 5 }
        // Reference: apply the 1-D solve along i, then j, then k.
        var ref = data
        func idx(_ i: Int, _ j: Int, _ k: Int) -> Int { (k * 6 + j) * 7 + i }
        for k in 0..<5 { for j in 0..<6 {
            let s = solveMirror((0..<7).map { ref[idx($0, j, k)] })
            for i in 0..<7 { ref[idx(i, j, k)] = s[i] }
        } }
        for k in 0..<5 { for i in 0..<7 {
            let s = solveMirror((0..<6).map { ref[idx(i, $0, k)] })
            for j in 0..<6 { ref[idx(i, j, k)] = s[j] }
        } }
        for j in 0..<6 { for i in 0..<7 {
            let s = solveMirror((0..<5).map { ref[idx(i, j, $0)] })
            for k in 0..<5 { ref[idx(i, j, k)] = s[k] }
        } }
        let vol = try! Volume<Float>(geometry: Geometry(size: size), data: data.map { Float($0) })
        let coeff = BSpline.cubicCoefficients(vol)
        for n in 0..<ref.count { XCTAssertEqual(Double(coeff.data[n]), ref[n], accuracy: 2e-5) }
    }

    func testLongLinesAndTinyAxes() {
        for n in [1, 2, 3, 70] {
            var rng = SplitMix64(seed: UInt64(n))
            let d = (0..<n).map { _ in rng.uniform() }
            let expected = solveMirror(d)
            for axis in 0..<3 {
                var size = SIMD3(1, 1, 1)
                size[axis] = n
                let vol = try! Volume<Float>(geometry: Geometry(size: size), data: d.map { Float($0) })
                let c = BSpline.cubicCoefficients(vol).data
                for k in 0..<n { XCTAssertEqual(Double(c[k]), expected[k], accuracy: 1e-5, "n=\(n) axis=\(axis)") }
            }
        }
    }

    /// The spline through the coefficients interpolates: it returns the data at every voxel centre,
    /// edges included.
    func testSplineInterpolatesData() {
        let g = Geometry(size: SIMD3(9, 8, 6))
        let v = randomFloatVolume(g, seed: 12)
        let c = BSpline.cubicCoefficients(v)
        c.data.withUnsafeBufferPointer { buf in
            let s = GridSampler(buf, size: g.size)
            for k in 0..<6 { for j in 0..<8 { for i in 0..<9 {
                XCTAssertEqual(s.cubicBSpline(Double(i), Double(j), Double(k)), v[i, j, k], accuracy: 2e-6)
            } } }
        }
    }
}
