import ImageCore
@testable import Registration
import XCTest

/// The affine stage's scale bounds: the projection, and a registration that would stretch past them.
final class ScaleBoundsTests: XCTestCase {
    func rotation(_ w: SIMD3<Double>) -> [Double] { LinearOptimizer.rodrigues(w) }

    func multiply(_ a: [Double], _ b: [Double]) -> [Double] {
        var out = [Double](repeating: 0, count: 9)
        for i in 0..<3 { for j in 0..<3 { for k in 0..<3 { out[i * 3 + j] += a[i * 3 + k] * b[k * 3 + j] } } }
        return out
    }

    func testMapsInsideTheBoundsAreUntouched() {
        // 15 % wider than long (the real GE head's shape), a little rotated and sheared.
        let a = multiply(rotation(SIMD3(0.2, -0.1, 0.3)), [1.15, 0.02, 0, 0, 1.0, 0.01, 0, 0, 1.01])
        XCTAssertEqual(ScaleBounds.head.project(a), a)
    }

    func testVerticalStretchIsClampedAndDirectionsKept() {
        let r = rotation(SIMD3(0.15, 0.25, -0.1))
        // 40 % vertical stretch, 3 % across: what a linear stage does when it reaches into the neck.
        let a = multiply(r, [1.03, 0, 0, 0, 1.0, 0, 0, 0, 1.4])
        let b = ScaleBounds.head.project(a)
        let s = ScaleBounds.axisScales(b)
        XCTAssertEqual(s[0], 1.03, accuracy: 1e-12)
        XCTAssertEqual(s[1], 1.0, accuracy: 1e-12)
        XCTAssertEqual(s[2], 1.2 * (1.03 + 1.0) / 2, accuracy: 1e-12)
        // Each column keeps its direction.
        for c in 0..<3 { for row in 0..<3 { XCTAssertEqual(b[row * 3 + c] / s[c], r[row * 3 + c], accuracy: 1e-12) } }
    }

    func testEveryBoundHolds() {
        var rng = SystemRandomNumberGenerator()
        for _ in 0..<200 {
            var a = (0..<9).map { _ in Double.random(in: -0.4...0.4, using: &rng) }
            for d in 0..<3 { a[d * 3 + d] += Double.random(in: 0.3...2.0, using: &rng) }
            let s = ScaleBounds.axisScales(ScaleBounds.head.project(a))
            XCTAssertTrue(s.allSatisfy { $0 >= 0.8 - 1e-12 && $0 <= 1.3 + 1e-12 }, "\(s)")
            XCTAssertLessThanOrEqual(max(s[0], s[1]) / min(s[0], s[1]), 1.3 + 1e-9, "\(s)")
            let m = (s[0] + s[1]) / 2
            XCTAssertLessThanOrEqual(max(s[2] / m, m / s[2]), 1.2 + 1e-9, "\(s)")
        }
    }

    /// A phantom stretched 35 % along one axis: unbounded, the affine stage follows the stretch; with the
    /// head bounds it stops at them.
    func testRegistrationStopsAtTheBounds() throws {
        let (fixed, _) = Phantom.make()
        let centre = fixed.geometry.worldLPS(SIMD3(repeating: 31.5))
        let stretch = AffineTransform3D(linear: [1, 0, 0, 0, 1, 0, 0, 0, 1.35], translation: .zero, center: centre)
        let moving = try TransformChain([.affine(stretch.inverse!)]).resample(fixed, onto: fixed.geometry, interpolation: .linear)
        var p = RegistrationPreset.default.parameters
        p.syn = nil
        p.linear.scaleBounds = nil
        let free = try ImageRegistration(parameters: p).register(fixed: fixed, moving: moving).affine
        p.linear.scaleBounds = .head
        let bounded = try ImageRegistration(parameters: p).register(fixed: fixed, moving: moving).affine
        func scales(_ t: AffineTransform3D) -> [Double] { ScaleBounds.axisScales((0..<9).map { t.matrix[$0 / 3, $0 % 3] }) }
        let f = scales(free), b = scales(bounded)
        XCTAssertGreaterThan(f[2], 1.3, "unbounded: \(f)")
        XCTAssertLessThanOrEqual(b[2], 1.2 * (b[0] + b[1]) / 2 + 1e-6, "bounded: \(b)")
        XCTAssertLessThanOrEqual(b[2], 1.3 + 1e-6, "bounded: \(b)")
    }
}
