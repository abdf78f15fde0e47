import ImageCore
import XCTest

/// Reordering voxel axes to LPS moves voxels, never values or world positions.
final class AxisReorientationTests: XCTestCase {
    /// A grid stored with permuted, reversed and slightly oblique axes, two components.
    func testEveryVoxelKeepsItsValueAndWorldPosition() throws {
        let c = cos(0.1), s = sin(0.1)
        // i runs inferior, j runs right (-x) tilted a little, k runs anterior (-y).
        let g = Geometry(size: SIMD3(5, 7, 4), spacing: SIMD3(1, 2, 3), origin: SIMD3(10, -20, 30),
                         direction: [SIMD3(0, 0, -1), SIMD3(-c, s, 0), SIMD3(-s, -c, 0)])
        let n = g.voxelCount
        let v = try Volume<Float>(geometry: g, components: 2, data: (0..<(2 * n)).map { Float($0) })
        let r = AxisReorientation(toLPS: g)
        XCTAssertFalse(r.isIdentity)
        XCTAssertEqual(r.permutation, [1, 2, 0])
        XCTAssertEqual(r.reversed, [true, true, true])
        let out = try r.apply(v)
        XCTAssertEqual(out.geometry.size, SIMD3(7, 4, 5))
        XCTAssertEqual(out.geometry.orientationCode, "LPS")
        for k in 0..<5 { for j in 0..<4 { for i in 0..<7 {
            let world = out.geometry.worldLPS(SIMD3(Double(i), Double(j), Double(k)))
            let src = g.inverseAffineLPS.apply(world)
            let q = SIMD3<Int>(Int(src.x.rounded()), Int(src.y.rounded()), Int(src.z.rounded()))
            XCTAssertEqual((src - SIMD3<Double>(q)).max(), 0, accuracy: 1e-9)
            XCTAssertEqual((SIMD3<Double>(q) - src).max(), 0, accuracy: 1e-9)
            for comp in 0..<2 {
                XCTAssertEqual(out.data[comp * n + out.linearIndex(i, j, k)], v.data[comp * n + v.linearIndex(q.x, q.y, q.z)])
            }
        } } }
        XCTAssertEqual(try r.restore(out).data, v.data)
        XCTAssertEqual(try r.restore(out).geometry, g)
    }

    func testLPSGridIsLeftAlone() throws {
        let g = Geometry(size: SIMD3(3, 4, 5), spacing: SIMD3(1, 1, 5))
        let r = AxisReorientation(toLPS: g)
        XCTAssertTrue(r.isIdentity)
        let v = try Volume<Int16>(geometry: g, data: (0..<g.voxelCount).map { Int16($0) })
        XCTAssertEqual(try r.apply(v).data, v.data)
        XCTAssertEqual(r.output, g)
    }

    /// NIfTI's usual LAS storage: only j flips.
    func testLASFlipsOnlyTheAnteriorPosteriorAxis() throws {
        let g = Geometry(size: SIMD3(2, 3, 2), spacing: SIMD3(2, 2, 2), direction: [SIMD3(1, 0, 0), SIMD3(0, -1, 0), SIMD3(0, 0, 1)])
        XCTAssertEqual(g.orientationCode, "RAS".replacingOccurrences(of: "R", with: "L"))
        let r = AxisReorientation(toLPS: g)
        XCTAssertEqual(r.permutation, [0, 1, 2])
        XCTAssertEqual(r.reversed, [false, true, false])
        let v = try Volume<UInt8>(geometry: g, data: (0..<12).map(UInt8.init))
        XCTAssertEqual(try r.apply(v).data, [4, 5, 2, 3, 0, 1, 10, 11, 8, 9, 6, 7])
    }

    func testVolumeOfAnotherSizeIsRefused() {
        let r = AxisReorientation(toLPS: Geometry(size: SIMD3(2, 2, 2)))
        XCTAssertThrowsError(try r.apply(Volume<Float>(geometry: Geometry(size: SIMD3(3, 2, 2)))))
        XCTAssertThrowsError(try r.restore(Volume<Float>(geometry: Geometry(size: SIMD3(3, 2, 2)))))
    }
}
