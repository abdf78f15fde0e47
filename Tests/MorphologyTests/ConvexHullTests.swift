import XCTest
import ImageCore
import Morphology

final class ConvexHullTests: XCTestCase {
    func testBoxCornersFillTheBox() throws {
        let g = Geometry(size: SIMD3(20, 16, 12), spacing: SIMD3(0.8, 1.2, 2))
        var corners = BinaryMask.emptyMask(g)
        for k in [2, 9] { for j in [3, 12] { for i in [4, 15] { corners[i, j, k] = 1 } } }
        assertSameMask(try ConvexHull.fill(corners), Shapes.box(g, SIMD3(4, 3, 2), SIMD3(15, 12, 9)))
    }

    func testSphericalShellFillsToBall() throws {
        let g = Geometry(size: SIMD3(50, 50, 50))
        let c = SIMD3(24.5, 24.5, 24.5)
        let outer = Shapes.ball(g, centre: c, radius: 20)
        let shell = try outer.subtracting(Shapes.ball(g, centre: c, radius: 17))
        let hull = try ConvexHull.fill(shell)
        XCTAssertEqual(try outer.subtracting(hull).nonzeroCount, 0)
        // the polytope overestimates by well under a voxel, so only a thin layer is added
        XCTAssertLessThan(Double(try hull.subtracting(outer).nonzeroCount), 0.03 * Double(outer.nonzeroCount))
    }

    /// A right-angled triangle of three points in a tilted (sheared) grid: compare with the exact
    /// half-plane test in world coordinates.
    func testTriangleOnShearedGrid() throws {
        let t = 0.3
        let g = Geometry(size: SIMD3(30, 30, 3), spacing: SIMD3(1, 1, 2),
                         direction: [SIMD3(1, 0, 0), SIMD3(0, 1, 0), SIMD3(0, sin(t), cos(t))])
        var pts = BinaryMask.emptyMask(g)
        pts[2, 2, 1] = 1; pts[27, 2, 1] = 1; pts[2, 27, 1] = 1
        let hull = try ConvexHull.fill(pts, directions: 512)
        for j in 0..<30 { for i in 0..<30 {
            let inside = i >= 2 && j >= 2 && i + j <= 29
            // the edges are not axis aligned, so allow the polytope's sub-voxel excess next to the hypotenuse
            if i + j == 30 { continue }
            XCTAssertEqual(hull[i, j, 1] != 0, inside, "(\(i), \(j))")
            XCTAssertEqual(hull[i, j, 0], 0)
        } }
    }
}
