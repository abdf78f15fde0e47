import XCTest
import ImageCore

final class GeometryTests: XCTestCase {
    func testAffineRoundTripWithObliqueDirection() throws {
        let c = cos(0.3), s = sin(0.3)
        let g = Geometry(size: SIMD3(10, 20, 30), spacing: SIMD3(0.5, 0.7, 2.5), origin: SIMD3(-100, 40, 12),
                         direction: [SIMD3(c, s, 0), SIMD3(-s, c, 0), SIMD3(0, 0, 1)])
        let back = try Geometry(size: g.size, affineLPS: g.affineLPS)
        XCTAssertTrue(back.isClose(to: g, tolerance: 1e-12))
        let ras = try Geometry(size: g.size, affineRAS: g.affineRAS)
        XCTAssertTrue(ras.isClose(to: g, tolerance: 1e-12))
        // RAS and LPS differ by flipping x and y only.
        let p = g.affineLPS.apply(SIMD3(3, 4, 5)), q = g.affineRAS.apply(SIMD3(3, 4, 5))
        XCTAssertEqual(p.x, -q.x, accuracy: 1e-12); XCTAssertEqual(p.y, -q.y, accuracy: 1e-12); XCTAssertEqual(p.z, q.z, accuracy: 1e-12)
    }

    func testOrientationCodes() {
        // Identity in LPS: i points to patient left, which is "L" in RAS letters.
        XCTAssertEqual(Geometry(size: SIMD3(2, 2, 2)).orientationCode, "LPS")
        let ras = Geometry(size: SIMD3(2, 2, 2), direction: [SIMD3(-1, 0, 0), SIMD3(0, -1, 0), SIMD3(0, 0, 1)])
        XCTAssertEqual(ras.orientationCode, "RAS")
        let las = Geometry(size: SIMD3(2, 2, 2), direction: [SIMD3(1, 0, 0), SIMD3(0, -1, 0), SIMD3(0, 0, 1)])
        XCTAssertEqual(las.orientationCode, "LAS")
    }

    func testInverseAffine() {
        let g = Geometry(size: SIMD3(5, 6, 7), spacing: SIMD3(1, 2, 3), origin: SIMD3(1, 2, 3))
        let x = SIMD3<Double>(1.5, 2.25, 3.75)
        let back = g.inverseAffineLPS.apply(g.worldLPS(x))
        XCTAssertEqual(back.x, x.x, accuracy: 1e-12); XCTAssertEqual(back.y, x.y, accuracy: 1e-12); XCTAssertEqual(back.z, x.z, accuracy: 1e-12)
    }

    func testRejectsNaNAndSingularAffines() {
        var bad = Matrix4.identity
        bad[0, 0] = .nan
        XCTAssertThrowsError(try Geometry(size: SIMD3(2, 2, 2), affineLPS: bad))
        var singular = Matrix4.identity
        singular[2, 2] = 0
        XCTAssertThrowsError(try Geometry(size: SIMD3(2, 2, 2), affineLPS: singular))
        XCTAssertThrowsError(try Geometry(size: SIMD3(0, 2, 2), affineLPS: .identity))
    }

    func testVolumeRejectsWrongBufferAndConvertsWithClamping() throws {
        let g = Geometry(size: SIMD3(2, 2, 1))
        XCTAssertThrowsError(try Volume<Float>(geometry: g, data: [1, 2, 3]))
        let v = try Volume<Float>(geometry: g, data: [-300, 1.6, 70000, .nan])
        let u: Volume<Int16> = v.converted()
        XCTAssertEqual(u.data, [-300, 2, Int16.max, 0])
        let b: Volume<UInt8> = v.converted()
        XCTAssertEqual(b.data, [0, 2, 255, 0])
    }
}
