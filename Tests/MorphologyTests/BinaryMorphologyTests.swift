import XCTest
import ImageCore
import Morphology

final class BinaryMorphologyTests: XCTestCase {
    /// Dilating one voxel gives a ball; its volume approaches 4/3 π r³ (lattice counting error is a
    /// surface term, ~1% here).
    func testDilatedPointHasSphereVolumeOnAnisotropicGrid() throws {
        let g = Geometry(size: SIMD3(81, 61, 25), spacing: SIMD3(0.5, 0.7, 1.9))
        var m = BinaryMask.emptyMask(g)
        m[40, 30, 12] = 1
        for r in [8.0, 12.0] {
            let ball = try BinaryMorphology.dilate(m, radius: r)
            let expected = 4.0 / 3.0 * Double.pi * r * r * r / 1000
            XCTAssertEqual(ball.insideVolumeML, expected, accuracy: 0.02 * expected, "r = \(r)")
            // and it is exactly the set of voxel centres within r mm
            XCTAssertEqual(ball, Shapes.ball(g, centre: SIMD3(40, 30, 12), radius: r))
        }
    }

    func testErodedBallIsSmallerBall() throws {
        let g = Geometry(size: SIMD3(64, 64, 64), spacing: SIMD3(1, 1, 1))
        let c = SIMD3(31.5, 31.5, 31.5)
        let big = Shapes.ball(g, centre: c, radius: 25)
        let eroded = try BinaryMorphology.erode(big, radius: 10)
        let expected = 4.0 / 3.0 * Double.pi * 15 * 15 * 15
        XCTAssertEqual(Double(eroded.insideCount), expected, accuracy: 0.03 * expected)
        XCTAssertGreaterThan(try eroded.dice(Shapes.ball(g, centre: c, radius: 15)), 0.98)
    }

    func testDilationIsDualOfErosion() throws {
        var rng = SplitMix(seed: 11)
        let g = Geometry(size: SIMD3(30, 28, 20), spacing: SIMD3(0.8, 1.1, 2))
        var m = BinaryMask.emptyMask(g)
        for n in 0..<m.data.count where rng.unit() < 0.01 { m.data[n] = 1 }
        let d = try BinaryMorphology.dilate(m, radius: 3.3)
        let e = try BinaryMorphology.erode(m.inverted(), radius: 3.3).inverted()
        XCTAssertEqual(d, e)
    }

    func testOpeningCutsThinBridgeAndClosingFillsGap() throws {
        let g = Geometry(size: SIMD3(70, 30, 30), spacing: SIMD3(1, 1, 1))
        let a = Shapes.ball(g, centre: SIMD3(17, 15, 15), radius: 11)
        let b = Shapes.ball(g, centre: SIMD3(52, 15, 15), radius: 11)
        let bridge = Shapes.box(g, SIMD3(17, 14, 14), SIMD3(52, 16, 16)) // 3 voxels thick
        let joined = try a.union(b).union(bridge)
        XCTAssertEqual(ConnectedComponents(joined).count, 1)
        let opened = try BinaryMorphology.open(joined, radius: 3)
        XCTAssertEqual(ConnectedComponents(opened).count, 2)
        XCTAssertGreaterThan(try opened.dice(a.union(b)), 0.98)

        let slab = Shapes.box(g, SIMD3(5, 5, 5), SIMD3(64, 24, 24))
        let gap = Shapes.box(g, SIMD3(34, 5, 5), SIMD3(35, 24, 24)) // 2 mm slit through the slab
        let cut = try slab.subtracting(gap)
        XCTAssertEqual(ConnectedComponents(cut).count, 2)
        let closed = try BinaryMorphology.close(cut, radius: 2)
        XCTAssertEqual(ConnectedComponents(closed).count, 1)
        XCTAssertEqual(try closed.subtracting(slab).insideCount, 0, "closing stays within the convex slab")
        for k in 8...21 { for j in 8...21 { XCTAssertEqual(closed[34, j, k], 1); XCTAssertEqual(closed[35, j, k], 1) } }
    }

    func testOpeningNeverAddsAndClosingNeverRemoves() throws {
        var rng = SplitMix(seed: 5)
        let g = Geometry(size: SIMD3(26, 24, 22), spacing: SIMD3(1, 1.2, 1.5))
        var m = BinaryMask.emptyMask(g)
        for n in 0..<m.data.count where rng.unit() < 0.3 { m.data[n] = 1 }
        let o = try BinaryMorphology.open(m, radius: 2)
        let c = try BinaryMorphology.close(m, radius: 2)
        XCTAssertEqual(try o.subtracting(m).insideCount, 0)
        XCTAssertEqual(try m.subtracting(c).insideCount, 0)
        // idempotence is a defining property of openings and closings
        XCTAssertEqual(try BinaryMorphology.open(o, radius: 2), o)
        XCTAssertEqual(try BinaryMorphology.close(c, radius: 2), c)
    }

    func testSmoothingRemovesSpikeAndDent() throws {
        let g = Geometry(size: SIMD3(40, 40, 40), spacing: SIMD3(1, 1, 1))
        let ball = Shapes.ball(g, centre: SIMD3(20, 20, 20), radius: 12)
        var rough = ball
        for i in 32...36 { rough[i, 20, 20] = 1 }    // one-voxel spike
        rough[20, 20, 8] = 0; rough[20, 20, 9] = 0  // pit
        let s = try BinaryMorphology.smooth(rough, radius: 2)
        XCTAssertEqual(s[35, 20, 20], 0)
        XCTAssertEqual(s[20, 20, 9], 1)
        XCTAssertGreaterThan(try s.dice(ball), 0.99)
    }

    func testNegativeRadiusIsRejected() {
        let m = BinaryMask.emptyMask(Geometry(size: SIMD3(3, 3, 3)))
        XCTAssertThrowsError(try BinaryMorphology.dilate(m, radius: -1))
        XCTAssertThrowsError(try BinaryMorphology.erode(m, radius: .nan))
    }
}
