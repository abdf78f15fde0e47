import ImageCore
import Registration
import XCTest

/// Rigid/affine recovery of a known transform, and the metrics' analytic gradients.
final class LinearRegistrationTests: XCTestCase {
    /// Affine-only parameters (no SyN) at the phantom's 2 mm.
    func affineOnly(_ metric: LinearMetric) -> RegistrationParameters {
        var p = RegistrationPreset.default.parameters
        p.syn = nil
        p.linear.metric = metric
        return p
    }

    /// Rotation angle (degrees) between two linear parts: the angle of the rotation factor of A B^-1
    /// (polar decomposition by the iteration R <- (R + R^-T) / 2), so a small scaling is not read as rotation.
    func angleBetween(_ a: AffineTransform3D, _ b: AffineTransform3D) -> Double {
        var r = a.matrix * b.matrix.inverse!
        for c in 0..<3 { r[c, 3] = 0 }
        return LinearRegistrationTests.rotationAngle(r)
    }

    /// Angle (degrees) of the rotation factor of a linear map (polar decomposition).
    static func rotationAngle(_ m: Matrix4) -> Double {
        var r = m
        for _ in 0..<50 {
            let inv = r.inverse!
            var next = r
            for i in 0..<3 { for j in 0..<3 { next[i, j] = 0.5 * (r[i, j] + inv[j, i]) } }
            r = next
        }
        let tr = r[0, 0] + r[1, 1] + r[2, 2]
        return acos(max(-1, min(1, (tr - 1) / 2))) * 180 / .pi
    }

    /// Mean and max distance (mm) between the two maps over the phantom's foreground.
    func pointError(_ a: AffineTransform3D, _ b: AffineTransform3D, _ img: Volume<Float>) -> (Double, Double) {
        var sum = 0.0, worst = 0.0, n = 0.0
        let s = img.size
        for k in stride(from: 0, to: s.z, by: 2) { for j in stride(from: 0, to: s.y, by: 2) { for i in stride(from: 0, to: s.x, by: 2) where img[i, j, k] > 1 {
            let p = img.geometry.worldLPS(SIMD3(Double(i), Double(j), Double(k)))
            let d = a.apply(p) - b.apply(p)
            let e = (d * d).sum().squareRoot()
            sum += e; worst = max(worst, e); n += 1
        } } }
        return (sum / n, worst)
    }

    func recover(metric: LinearMetric, angles: SIMD3<Double>, shift: SIMD3<Double>, intensity: @escaping (Float) -> Float = { $0 }) throws {
        let (fixed, _) = Phantom.make()
        let centre = fixed.geometry.worldLPS(SIMD3(repeating: 31.5)) + SIMD3(3, -2, 1)
        let truth = AffineTransform3D.rigid(angles: angles * .pi / 180, translation: shift, center: centre)
        // moving(z) = fixed(truth^-1(z)), so the registration should find truth (fixed point -> moving point)
        var moving = try TransformChain([.affine(truth.inverse!)]).resample(fixed, onto: fixed.geometry, interpolation: .linear)
        moving = moving.map(intensity)
        let result = try ImageRegistration(parameters: affineOnly(metric), ).register(fixed: fixed, moving: moving)
        let angle = angleBetween(result.affine, truth)
        let (mean, worst) = pointError(result.affine, truth, fixed)
        print(metric, "rotation error", angle, "deg, point error mean", mean, "max", worst, "mm")
        XCTAssertLessThan(angle, 0.5, "rotation error (deg) with \(metric)")
        XCTAssertLessThan(mean, 0.5, "mean point error (mm) with \(metric)")
        XCTAssertLessThan(worst, 1.0, "max point error (mm) with \(metric)")
        XCTAssertNil(result.forwardWarp)
        XCTAssertGreaterThan(abs(result.report.quality.nccAffine), 0.98)
    }

    func testMattesRecoversRigidTransform() throws {
        try recover(metric: .mattes, angles: SIMD3(6, -4, 8), shift: SIMD3(5, -3, 4))
    }

    func testNCCRecoversRigidTransform() throws {
        try recover(metric: .ncc, angles: SIMD3(-5, 7, -3), shift: SIMD3(-4, 6, -2))
    }

    /// Mutual information must cope with an inverted, rescaled intensity map; NCC could not.
    func testMattesHandlesDifferentIntensityMapping() throws {
        try recover(metric: .mattes, angles: SIMD3(3, 5, -6), shift: SIMD3(2, 4, -5), intensity: { $0 > 0 ? 200 - 3 * $0 : 0 })
    }

    /// The analytic gradient of both metrics agrees with central finite differences of the cost.
    func testMetricGradientsMatchFiniteDifferences() throws {
        let (fixed, _) = Phantom.make(size: 48, spacing: 2.5)
        let smooth = Phantom.boxBlur(Phantom.boxBlur(fixed))
        let centre = fixed.geometry.worldLPS(SIMD3(repeating: 23.5))
        let moving = try TransformChain([.affine(.rigid(angles: SIMD3(0.05, -0.03, 0.04), translation: SIMD3(2, -1, 1.5), center: centre))])
            .resample(smooth, onto: fixed.geometry, interpolation: .linear)
        for metric in LinearMetric.allCases {
            let e = try LinearMetricEvaluator(fixed: smooth, mask: nil, moving: moving, center: centre, metric: metric, bins: 32,
                                              maximumSamples: 200_000)
            let a0 = [1.0, 0, 0, 0, 1, 0, 0, 0, 1]
            let t0 = SIMD3<Double>(0.3, -0.2, 0.1)
            let g = e.evaluate(linear: a0, translation: t0)!
            var analytic: [Double] = g.gradA + [g.gradT.x, g.gradT.y, g.gradT.z]
            var numeric: [Double] = []
            for p in 0..<12 {
                let h = p < 9 ? 1e-3 : 0.05
                var ap = a0, am = a0, tp = t0, tm = t0
                if p < 9 { ap[p] += h; am[p] -= h } else { tp[p - 9] += h; tm[p - 9] -= h }
                let cp = e.evaluate(linear: ap, translation: tp)!.cost, cm = e.evaluate(linear: am, translation: tm)!.cost
                numeric.append((cp - cm) / (2 * h))
            }
            // compare directions in the scaled parameter space (matrix entries weighted by the sample radius)
            for p in 0..<9 { analytic[p] *= 1 / e.rms[p % 3]; numeric[p] *= 1 / e.rms[p % 3] }
            let dot = zip(analytic, numeric).map { $0 * $1 }.reduce(0, +)
            let na = analytic.map { $0 * $0 }.reduce(0, +).squareRoot(), nn = numeric.map { $0 * $0 }.reduce(0, +).squareRoot()
            XCTAssertGreaterThan(dot / (na * nn), 0.97, "\(metric): analytic \(analytic) numeric \(numeric)")
            XCTAssertEqual(na / nn, 1, accuracy: 0.15, "\(metric) gradient magnitude")
        }
    }
}
