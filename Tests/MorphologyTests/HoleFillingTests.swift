import XCTest
import ImageCore
import Morphology

final class HoleFillingTests: XCTestCase {
    func testHollowSphereIsFilledToSolidBall() throws {
        let g = Geometry(size: SIMD3(40, 40, 40), spacing: SIMD3(1, 1, 1.5))
        let c = SIMD3(19.5, 19.5, 19.5)
        let outer = Shapes.ball(g, centre: c, radius: 15)
        let shell = try outer.subtracting(Shapes.ball(g, centre: c, radius: 12))
        assertSameMask(HoleFilling.fill3D(shell), outer)
    }

    func testOpenShellIsNotFilledIn3D() throws {
        let g = Geometry(size: SIMD3(40, 40, 40))
        let c = SIMD3(19.5, 19.5, 19.5)
        let outer = Shapes.ball(g, centre: c, radius: 15)
        var shell = try outer.subtracting(Shapes.ball(g, centre: c, radius: 12))
        for k in 30..<40 { for j in 18...21 { for i in 18...21 { shell[i, j, k] = 0 } } } // a 4-voxel hole at the top
        assertSameMask(HoleFilling.fill3D(shell), shell)
    }

    func testTubeIsFilledPerSliceOnlyAlongItsAxis() throws {
        let g = Geometry(size: SIMD3(20, 22, 12))
        var tube = BinaryMask.emptyMask(g)
        for k in 0..<12 { for j in 0..<22 { for i in 0..<20 {
            let r2 = Double((i - 10) * (i - 10) + (j - 11) * (j - 11))
            if r2 <= 49 && r2 > 16 { tube[i, j, k] = 1 }
        } } }
        assertSameMask(HoleFilling.fill3D(tube), tube, "the lumen reaches the top and bottom slices")
        let filled = try HoleFilling.fillSlices(tube, axis: 2)
        for k in 0..<12 { XCTAssertEqual(filled[10, 11, k], 1); XCTAssertEqual(filled[0, 0, k], 0) }
        assertSameMask(try HoleFilling.fillSlices(tube, axis: 0), tube, "across the axis there is nothing enclosed")
    }

    func testDiagonalGapsFollowBackgroundConnectivity() {
        // A 2-D diamond ring whose sides only touch at corners: with 4-connected background the
        // inside is a hole, with 8-connected background it leaks out through the corners.
        let g = Geometry(size: SIMD3(9, 9, 1))
        var ring = BinaryMask.emptyMask(g)
        for t in 0...3 {
            ring[4 + t, 1 + t, 0] = 1; ring[7 - t, 4 + t, 0] = 1
            ring[4 - t, 7 - t, 0] = 1; ring[1 + t, 4 - t, 0] = 1
        }
        XCTAssertEqual(HoleFilling.fill3D(ring, backgroundConnectivity: .six)[4, 4, 0], 1)
        XCTAssertEqual(HoleFilling.fill3D(ring, backgroundConnectivity: .twentySix)[4, 4, 0], 0)
    }
}
