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
            assertSameMask(ball, Shapes.ball(g, centre: SIMD3(40, 30, 12), radius: r))
        }
    }

    func testErodedBallIsSmallerBall() throws {
        let g = Geometry(size: SIMD3(64, 64, 64), spacing: SIMD3(1, 1, 1))
        let c = SIMD3(31.5, 31.5, 31.5)
        let big = Shapes.ball(g, centre: c, radius: 25)
        let eroded = try BinaryMorphology.erode(big, radius: 10)
        let expected = 4.0 / 3.0 * Double.pi * 15 * 15 * 15
        XCTAssertEqual(Double(eroded.nonzeroCount), expected, accuracy: 0.03 * expected)
        XCTAssertGreaterThan(try eroded.dice(Shapes.ball(g, centre: c, radius: 15)), 0.98)
    }

    func testDilationIsDualOfErosion() throws {
        var rng = SplitMix64(seed: 11)
        let g = Geometry(size: SIMD3(30, 28, 20), spacing: SIMD3(0.8, 1.1, 2))
        var m = BinaryMask.emptyMask(g)
        for n in 0..<m.data.count where rng.uniform() < 0.01 { m.data[n] = 1 }
        let d = try BinaryMorphology.dilate(m, radius: 3.3)
        let e = try BinaryMorphology.erode(m.inverted(), radius: 3.3).inverted()
        assertSameMask(d, e)
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
        XCTAssertEqual(try closed.subtracting(slab).nonzeroCount, 0, "closing stays within the convex slab")
        for k in 8...21 { for j in 8...21 { XCTAssertEqual(closed[34, j, k], 1); XCTAssertEqual(closed[35, j, k], 1) } }
    }

    func testOpeningNeverAddsAndClosingNeverRemoves() throws {
        var rng = SplitMix64(seed: 5)
        let g = Geometry(size: SIMD3(26, 24, 22), spacing: SIMD3(1, 1.2, 1.5))
        var m = BinaryMask.emptyMask(g)
        for n in 0..<m.data.count where rng.uniform() < 0.3 { m.data[n] = 1 }
        let o = try BinaryMorphology.open(m, radius: 2)
        let c = try BinaryMorphology.close(m, radius: 2)
        XCTAssertEqual(try o.subtracting(m).nonzeroCount, 0)
        XCTAssertEqual(try m.subtracting(c).nonzeroCount, 0)
        // idempotence is a defining property of openings and closings
        assertSameMask(try BinaryMorphology.open(o, radius: 2), o)
        assertSameMask(try BinaryMorphology.close(c, radius: 2), c)
    }

    /// A one-voxel spike and a one-voxel pit on a flat face go; the face stays. (A radius of 2.5 mm
    /// rather than 2: the digital ball of an integer radius has one-voxel poles that fit into a
    /// one-voxel pit.)
    func testSmoothingRemovesSpikeAndPit() throws {
        let g = Geometry(size: SIMD3(40, 40, 40), spacing: SIMD3(1, 1, 1))
        let cube = Shapes.box(g, SIMD3(8, 8, 8), SIMD3(31, 31, 31))
        var rough = cube
        for k in 32...35 { rough[20, 20, k] = 1 }     // spike on the top face
        rough[14, 14, 31] = 0; rough[14, 14, 30] = 0  // pit in the same face
        let s = try BinaryMorphology.smooth(rough, radius: 2.5)
        for k in 32...35 { XCTAssertEqual(s[20, 20, k], 0) }
        XCTAssertEqual(s[14, 14, 31], 1)
        XCTAssertEqual(s[14, 14, 30], 1)
        XCTAssertEqual(s[20, 20, 31], 1)
        XCTAssertEqual(try s.subtracting(cube).nonzeroCount, 0)
        XCTAssertGreaterThan(try s.dice(cube), 0.98) // only the cube's edges are rounded
    }

    func testNegativeRadiusIsRejected() {
        let m = BinaryMask.emptyMask(Geometry(size: SIMD3(3, 3, 3)))
        XCTAssertThrowsError(try BinaryMorphology.dilate(m, radius: -1))
        XCTAssertThrowsError(try BinaryMorphology.erode(m, radius: .nan))
    }
}
