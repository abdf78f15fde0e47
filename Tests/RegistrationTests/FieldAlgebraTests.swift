import ImageCore
import Registration
import XCTest

/// Closed-form checks of the displacement-field algebra: conversions, composition, inversion, Jacobians,
/// smoothing.
final class FieldAlgebraTests: XCTestCase {
    let grid = Geometry(size: SIMD3(20, 18, 16), spacing: SIMD3(1.5, 2, 2.5), origin: SIMD3(-10, 5, 3),
                        direction: [SIMD3(0, 1, 0), SIMD3(-1, 0, 0), SIMD3(0, 0, 1)])

    func field(_ f: (SIMD3<Double>) -> SIMD3<Double>) -> DisplacementField {
        var u = DisplacementField(geometry: grid)
        let n = grid.voxelCount
        for k in 0..<grid.size.z { for j in 0..<grid.size.y { for i in 0..<grid.size.x {
            let q = (k * grid.size.y + j) * grid.size.x + i
            let v = f(SIMD3(Double(i), Double(j), Double(k)))
            u.data[q] = Float(v.x); u.data[n + q] = Float(v.y); u.data[2 * n + q] = Float(v.z)
        } } }
        return u
    }

    func vector(_ u: DisplacementField, _ i: Int, _ j: Int, _ k: Int) -> SIMD3<Double> {
        let n = u.voxelCount, q = (k * grid.size.y + j) * grid.size.x + i
        return SIMD3(Double(u.data[q]), Double(u.data[n + q]), Double(u.data[2 * n + q]))
    }

    func testWorldConversionUsesSpacingAndDirection() throws {
        let u = field { _ in SIMD3(1, 0, 0) }        // one voxel along i
        let w = u.worldVolume()
        let n = grid.voxelCount
        // i axis points along +P (LPS y) with 1.5 mm spacing
        XCTAssertEqual(w.data[5], 0, accuracy: 1e-6)
        XCTAssertEqual(w.data[n + 5], 1.5, accuracy: 1e-6)
        XCTAssertEqual(w.data[2 * n + 5], 0, accuracy: 1e-6)
        let back = try DisplacementField(worldVolume: w)
        for q in 0..<(3 * n) { XCTAssertEqual(back.data[q], u.data[q], accuracy: 1e-5) }
    }

    func testTranslationFieldInvertsToItsNegative() {
        let t = SIMD3(0.7, -1.3, 0.4)
        let u = field { _ in t }
        let (v, outcome) = FieldInversion().invert(u)
        XCTAssertLessThan(outcome.maximumResidual, 1e-4)
        for q in 0..<(3 * grid.voxelCount) { XCTAssertEqual(v.data[q], -u.data[q], accuracy: 1e-5) }
    }

    func testCompositionOfTranslationsAdds() {
        let a = field { _ in SIMD3(0.5, 0, -1) }, b = field { _ in SIMD3(0.25, 2, 0.5) }
        let c = a.followed(by: b)
        for q in 0..<grid.voxelCount {
            XCTAssertEqual(c.data[q], 0.75, accuracy: 1e-6)
            XCTAssertEqual(c.data[grid.voxelCount + q], 2, accuracy: 1e-6)
            XCTAssertEqual(c.data[2 * grid.voxelCount + q], -0.5, accuracy: 1e-6)
        }
    }

    /// u(x) = B (x - c) is linear, so trilinear interpolation is exact and the inverse is known:
    /// v(y) = ((I + B)^-1 - I)(y - c).
    func testLinearFieldInverseAndJacobianAreExact() {
        let c = SIMD3(9.5, 8.5, 7.5)
        let b = [0.08, 0.02, 0.0, -0.03, 0.05, 0.01, 0.0, 0.04, -0.06]
        let u = field { x in
            let d = x - c
            return SIMD3(b[0] * d.x + b[1] * d.y + b[2] * d.z, b[3] * d.x + b[4] * d.y + b[5] * d.z, b[6] * d.x + b[7] * d.y + b[8] * d.z)
        }
        let m = Matrix4(rowMajor: [1 + b[0], b[1], b[2], 0, b[3], 1 + b[4], b[5], 0, b[6], b[7], 1 + b[8], 0, 0, 0, 0, 1])
        let inv = m.inverse!
        let (v, outcome) = FieldInversion(maximumIterations: 100, tolerance: 1e-5, meanTolerance: 1e-6).invert(u)
        XCTAssertLessThan(outcome.maximumResidual, 1e-3)
        // interior voxels: x + v(x) stays inside the grid, where interpolation is exact
        for (i, j, k) in [(5, 5, 5), (10, 9, 8), (14, 12, 10), (8, 4, 11)] {
            let y = SIMD3(Double(i), Double(j), Double(k))
            let expected = inv.applyLinear(y - c) - (y - c)
            let got = vector(v, i, j, k)
            XCTAssertLessThan(((got - expected) * (got - expected)).sum().squareRoot(), 2e-3)
        }
        let det = (1 + b[0]) * ((1 + b[4]) * (1 + b[8]) - b[5] * b[7]) - b[1] * (b[3] * (1 + b[8]) - b[5] * b[6])
            + b[2] * (b[3] * b[7] - (1 + b[4]) * b[6])
        let jac = JacobianDeterminant.compute(u)
        for q in 0..<jac.voxelCount { XCTAssertEqual(Double(jac.data[q]), det, accuracy: 1e-4) }
        let stats = JacobianDeterminant.statistics(u)
        XCTAssertEqual(stats.nonPositiveVoxels, 0)
    }

    /// A folding field is reported as such.
    func testFoldingFieldHasNonPositiveJacobian() {
        let u = field { x in SIMD3(-1.5 * (x.x - 10), 0, 0) }   // d(x + u)/dx = -0.5
        let stats = JacobianDeterminant.statistics(u)
        XCTAssertEqual(stats.nonPositiveFraction, 1, accuracy: 1e-9)
        XCTAssertEqual(stats.maximum, -0.5, accuracy: 1e-5)
    }

    /// Gaussian smoothing against a direct 3-D convolution with replicated borders.
    func testSmoothingMatchesDirectConvolution() {
        var rng = SplitMix64(seed: 9)
        var u = DisplacementField(geometry: grid)
        for q in 0..<u.data.count { u.data[q] = Float(rng.uniform() - 0.5) }
        let sigma = 1.2
        let s = u.smoothed(sigma: sigma)
        let r = Int((3 * sigma).rounded(.up))
        let w = (-r...r).map { exp(-0.5 * Double($0 * $0) / (sigma * sigma)) }
        let wsum = w.reduce(0, +)
        let g = grid.size
        let clamp = { (a: Int, n: Int) in min(max(a, 0), n - 1) }
        for (i, j, k) in [(0, 0, 0), (3, 17, 5), (10, 9, 8), (19, 0, 15)] {
            var acc = 0.0
            for c in -r...r { for b in -r...r { for a in -r...r {
                let q = (clamp(k + c, g.z) * g.y + clamp(j + b, g.y)) * g.x + clamp(i + a, g.x)
                acc += w[a + r] * w[b + r] * w[c + r] * Double(u.data[grid.voxelCount + q])
            } } }
            acc /= wsum * wsum * wsum
            let q = (k * g.y + j) * g.x + i
            XCTAssertEqual(Double(s.data[grid.voxelCount + q]), acc, accuracy: 1e-5)
        }
    }

    /// Resampling a field to a finer grid preserves the world map (a linear field stays the same map).
    func testResamplingToAnotherGridKeepsTheWorldMap() {
        let u = field { x in SIMD3(0.1 * x.y, -0.05 * x.z, 0.2) }
        let fine = Geometry(size: SIMD3(39, 35, 31), spacing: grid.spacing / 2, origin: grid.origin, direction: grid.direction)
        let f = u.resampled(to: fine)
        let chainCoarse = try TransformChain([.field(u)]), chainFine = TransformChain([.field(f)])
        for p in [SIMD3<Double>(-20, 10, 10), SIMD3(-5, 12, 30), SIMD3(-30, 20, 20)] {
            let a = chainCoarse.map(p), b = chainFine.map(p)
            XCTAssertLessThan(((a - b) * (a - b)).sum().squareRoot(), 1e-3, "\(p)")
        }
    }
}
