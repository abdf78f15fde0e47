import ImageCore
import Rendering
import XCTest

final class AxialPlaneTests: XCTestCase {
    /// World LPS position shown at a display position.
    func world(_ plane: AxialPlane, _ c: Int, _ r: Int, _ s: Int) -> SIMD3<Double> {
        plane.geometry.worldLPS(SIMD3<Double>(plane.voxel(column: c, row: r, slice: s)))
    }

    func checkRadiological(_ g: Geometry, file: StaticString = #filePath, line: UInt = #line) {
        let p = AxialPlane(geometry: g)
        let last = (p.columns - 1, p.rows - 1, p.sliceCount - 1)
        // Moving right on screen goes towards the patient's left (+x in LPS), down goes posterior (+y),
        // higher slice numbers go superior (+z); the other two coordinates stay put.
        let o = world(p, 0, 0, 0)
        let dc = world(p, last.0, 0, 0) - o, dr = world(p, 0, last.1, 0) - o, ds = world(p, 0, 0, last.2) - o
        XCTAssertGreaterThan(dc.x, 0, file: file, line: line)
        XCTAssertEqual(abs(dc.y) + abs(dc.z), 0, accuracy: 1e-9, file: file, line: line)
        XCTAssertGreaterThan(dr.y, 0, file: file, line: line)
        XCTAssertEqual(abs(dr.x) + abs(dr.z), 0, accuracy: 1e-9, file: file, line: line)
        XCTAssertGreaterThan(ds.z, 0, file: file, line: line)
        for s in [0, last.2] {
            let v = p.voxel(column: 1, row: 2, slice: s)
            XCTAssertEqual(p.slice(containing: v), s, file: file, line: line)
        }
    }

    func testRadiologicalConventionForCommonStorageOrders() {
        let size = SIMD3(6, 5, 4)
        checkRadiological(Geometry(size: size))  // LPS storage
        // RAS storage (NIfTI's usual): i points to patient right, j anterior.
        checkRadiological(Geometry(size: size, direction: [SIMD3(-1, 0, 0), SIMD3(0, -1, 0), SIMD3(0, 0, 1)]))
        // Slices stored superior to inferior.
        checkRadiological(Geometry(size: size, direction: [SIMD3(1, 0, 0), SIMD3(0, 1, 0), SIMD3(0, 0, -1)]))
        // Permuted axes (coronal acquisition: i = x, j = z, k = y).
        checkRadiological(Geometry(size: size, direction: [SIMD3(1, 0, 0), SIMD3(0, 0, -1), SIMD3(0, 1, 0)]))
    }

    func testSquarePixelsFromAnisotropicSpacing() throws {
        // 8 columns of 0.5 mm and 3 rows of 1.5 mm -> 4 mm x 4.5 mm -> 8 x 9 pixels of 0.5 mm.
        let g = Geometry(size: SIMD3(8, 3, 2), spacing: SIMD3(0.5, 1.5, 5))
        var v = Volume<Float>(geometry: g)
        for k in 0..<2 { for j in 0..<3 { for i in 0..<8 { v[i, j, k] = Float(100 * k + 10 * j + i) } } }
        let s = try SliceSampler(plane: AxialPlane(geometry: g))
        XCTAssertEqual(s.width, 8)
        XCTAssertEqual(s.height, 9)
        let px = try s.sample(v, slice: 1)
        for y in 0..<9 {
            for x in 0..<8 { XCTAssertEqual(px[y * 8 + x], Float(100 + 10 * (y / 3) + x)) }
        }
        let half = try SliceSampler(plane: AxialPlane(geometry: g), targetWidth: 4)
        XCTAssertEqual(half.pixelSize, 1.0)
        // Display pixel x covers [x, x+1) mm; its centre x+0.5 mm falls at the start of voxel 2x+1.
        XCTAssertEqual(try half.sample(v, slice: 0)[0..<4].map { $0 }, [1, 3, 5, 7])
        XCTAssertThrowsError(try s.sample(v, slice: 2))
        XCTAssertThrowsError(try SliceSampler(plane: AxialPlane(geometry: g), pixelSize: 0))
    }
}
