import ImageCore
import Rendering
import XCTest

final class BilinearSamplingTests: XCTestCase {
    /// A linear ramp along the patient's left-right axis, enlarged 4x: the display is a ramp too (constant
    /// steps, no staircase), exact at every pixel between the outermost voxel centres, whatever the storage
    /// direction.
    func testImageOfARampIsARamp() throws {
        for flipped in [false, true] {
            let size = SIMD3(16, 8, 3)
            let direction: [SIMD3<Double>] = flipped ? [SIMD3(-1, 0, 0), SIMD3(0, -1, 0), SIMD3(0, 0, 1)]
                                                     : [SIMD3(1, 0, 0), SIMD3(0, 1, 0), SIMD3(0, 0, 1)]
            let g = Geometry(size: size, spacing: SIMD3(2, 2, 5), direction: direction)
            var v = Volume<Float>(geometry: g)
            for k in 0..<size.z { for j in 0..<size.y { for i in 0..<size.x {
                // Value = display column of the voxel (patient right to left), plus a row ramp.
                let column = flipped ? size.x - 1 - i : i
                let row = flipped ? size.y - 1 - j : j
                v[i, j, k] = Float(3 * column + row)
            } } }
            let plane = AxialPlane(geometry: g)
            let sampler = try SliceSampler.native(plane: plane, minimumWidth: 64)
            XCTAssertEqual(sampler.width, 64)
            XCTAssertEqual(sampler.height, 32)
            XCTAssertEqual(sampler.pixelSize, 0.5, accuracy: 1e-12)
            let px = try sampler.sampleLinear(v, slice: 1)
            for y in 0..<sampler.height { for x in 0..<sampler.width {
                // Pixel centre in voxel units (voxel centres at whole numbers), held at the edges.
                let u = min(15, max(0, (Double(x) + 0.5) * 0.25 - 0.5)), w = min(7, max(0, (Double(y) + 0.5) * 0.25 - 0.5))
                XCTAssertEqual(Double(px[y * sampler.width + x]), 3 * u + w, accuracy: 1e-4, "flipped \(flipped) x \(x) y \(y)")
            } }
            // Interior steps are all equal.
            let row = Array(px[(10 * sampler.width + 2)..<(10 * sampler.width + 62)])
            let steps = zip(row.dropFirst(), row).map { $0 - $1 }
            XCTAssertEqual(steps.max()! - steps.min()!, 0, accuracy: 1e-4)
        }
    }

    func testNativeResolutionKeepsFineGrids() throws {
        let g = Geometry(size: SIMD3(600, 500, 2), spacing: SIMD3(0.4, 0.5, 5))
        let s = try SliceSampler.native(plane: AxialPlane(geometry: g))
        XCTAssertEqual(s.pixelSize, 0.4, accuracy: 1e-12)
        XCTAssertEqual(s.width, 600)
        XCTAssertEqual(s.height, 625)
    }

    func testValueOverlayLeavesTransparentPixels() throws {
        var img = RGBImage(width: 3, height: 1, fill: RGBColor(grey: 100))
        try img.overlay(values: [0, 1, 2]) { $0 == 0 ? nil : (.red, $0 == 1 ? 0.5 : 1) }
        XCTAssertEqual(img[0, 0], RGBColor(grey: 100))
        XCTAssertEqual(img[1, 0], RGBColor.red.over(RGBColor(grey: 100), alpha: 0.5))
        XCTAssertEqual(img[2, 0], .red)
        XCTAssertThrowsError(try img.overlay(values: [1]) { _ in nil })
    }
}
