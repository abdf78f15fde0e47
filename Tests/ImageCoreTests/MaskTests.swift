import XCTest
import ImageCore

final class MaskTests: XCTestCase {
    func testThresholdIsInclusiveAndRejectsNaN() throws {
        let g = Geometry(size: SIMD3(6, 1, 1))
        let v = try Volume<Float>(geometry: g, data: [-5, 0, 0.5, 1, 2, .nan])
        XCTAssertEqual(v.thresholded(lower: 0, upper: 1).data, [0, 1, 1, 1, 0, 0])
        XCTAssertEqual(v.thresholded(lower: 0.5).data, [0, 0, 1, 1, 1, 0])
        XCTAssertEqual(v.thresholded(lower: 0.5).nonzeroCount, 3)
    }

    func testApplyMaskAndBoundingBox() throws {
        let g = Geometry(size: SIMD3(10, 8, 6))
        var m = Volume<UInt8>(geometry: g)
        m[2, 3, 1] = 1; m[7, 5, 4] = 255; m[4, 1, 2] = 1
        XCTAssertEqual(try m.boundingBox(), IndexBox(lower: SIMD3(2, 1, 1), upper: SIMD3(7, 5, 4)))
        XCTAssertEqual(m.nonzeroCount, 3)
        XCTAssertThrowsError(try Volume<UInt8>(geometry: g).boundingBox()) { error in
            guard case ImageCoreError.emptySelection = error else { return XCTFail("wrong error \(error)") }
        }
        let v = randomFloatVolume(g, seed: 51)
        let masked = try v.masked(by: m, outside: -9)
        for n in 0..<g.voxelCount { XCTAssertEqual(masked.data[n], m.data[n] != 0 ? v.data[n] : -9) }
        XCTAssertThrowsError(try v.masked(by: Volume<UInt8>(geometry: Geometry(size: SIMD3(10, 8, 5)))))
    }

    func testCropKeepsVoxelsInPlace() throws {
        let g = Geometry(size: SIMD3(10, 8, 6), spacing: SIMD3(0.5, 1, 2), origin: SIMD3(3, -4, 10),
                         direction: rotation(axis: SIMD3(1, 2, 3), angle: 0.4))
        let v = randomFloatVolume(g, seed: 52)
        let box = IndexBox(lower: SIMD3(2, 1, 1), upper: SIMD3(7, 5, 4))
        let c = try v.cropped(to: box)
        XCTAssertEqual(c.size, SIMD3(6, 5, 4))
        for k in 0..<4 { for j in 0..<5 { for i in 0..<6 {
            XCTAssertEqual(c[i, j, k], v[i + 2, j + 1, k + 1])
            let a = c.geometry.worldLPS(SIMD3(Double(i), Double(j), Double(k)))
            let b = g.worldLPS(SIMD3(Double(i + 2), Double(j + 1), Double(k + 1)))
            XCTAssertLessThan(((a - b) * (a - b)).sum(), 1e-18)
        } } }
        XCTAssertEqual(box.padded(by: 3, within: g.size), IndexBox(lower: .zero, upper: SIMD3(9, 7, 5)))
        XCTAssertThrowsError(try v.cropped(to: IndexBox(lower: SIMD3(0, 0, 0), upper: SIMD3(10, 1, 1))))
    }
}
