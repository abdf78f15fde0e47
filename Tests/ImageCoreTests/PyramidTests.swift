import XCTest
import ImageCore

final class PyramidTests: XCTestCase {
    func testShrunkGeometryKeepsThePhysicalCentre() {
        let g = Geometry(size: SIMD3(10, 9, 7), spacing: SIMD3(0.8, 1, 2.5), origin: SIMD3(-40, 20, 7),
                         direction: rotation(axis: SIMD3(0.3, -1, 0.2), angle: 0.6))
        let s = g.shrunk(by: SIMD3(3, 2, 4))
        XCTAssertEqual(s.size, SIMD3(3, 4, 1))
        for a in 0..<3 { XCTAssertEqual(s.spacing[a], [2.4, 2, 10][a], accuracy: 1e-12) }
        XCTAssertEqual(s.direction, g.direction)
        let c0 = g.worldLPS((SIMD3<Double>(g.size) - 1) / 2), c1 = s.worldLPS((SIMD3<Double>(s.size) - 1) / 2)
        XCTAssertLessThan(((c0 - c1) * (c0 - c1)).sum().squareRoot(), 1e-9)
        // ITK: output voxel 0 sits at input index (n-1)/2 - (m-1)/2*f: 4.5-3 = 1.5, 4-3 = 1, 3-0 = 3.
        let p = g.inverseAffineLPS.apply(s.origin)
        XCTAssertEqual(p.x, 1.5, accuracy: 1e-9); XCTAssertEqual(p.y, 1, accuracy: 1e-9); XCTAssertEqual(p.z, 3, accuracy: 1e-9)
    }

    func testShrinkPicksOrAveragesTheVoxelsAtTheNewCentres() throws {
        let g = Geometry(size: SIMD3(9, 10, 1))
        var v = Volume<Float>(geometry: g)
        for j in 0..<10 { for i in 0..<9 { v[i, j, 0] = Float(i * 100 + j * j) } }
        let s = try ImagePyramid.shrink(v, by: SIMD3(2, 2, 1))
        XCTAssertEqual(s.size, SIMD3(4, 5, 1))
        // i: offset (8 - 6) / 2 = 1 -> input 1, 3, 5, 7 exactly; j: offset (9 - 8) / 2 = 0.5 -> mean of 2j, 2j+1.
        for j in 0..<5 { for i in 0..<4 {
            let a = Float((2 * i + 1) * 100 + (2 * j) * (2 * j)), b = Float((2 * i + 1) * 100 + (2 * j + 1) * (2 * j + 1))
            XCTAssertEqual(s[i, j, 0], (a + b) / 2, "at \(i),\(j)")
        } }
    }

    func testAntsScheduleSizesSigmasAndConstantImage() throws {
        let g = Geometry(size: SIMD3(64, 60, 40), spacing: SIMD3(1, 1, 1.5))
        let levels = try ImagePyramid.levels(shrinkFactors: [4, 2, 1], smoothingSigmas: [2, 1, 0], unit: .voxels, spacing: g.spacing)
        XCTAssertEqual(levels[0].sigmaMM, SIMD3(2, 2, 3))
        XCTAssertEqual(levels[2].sigmaMM, .zero)
        let mm = try ImagePyramid.levels(shrinkFactors: [2], smoothingSigmas: [1.5], unit: .millimetres, spacing: g.spacing)
        XCTAssertEqual(mm[0].sigmaMM, SIMD3(repeating: 1.5))
        let v = Volume<Float>(geometry: g, repeating: 40)
        let pyramid = try ImagePyramid.build(v, levels: levels)
        XCTAssertEqual(pyramid.map(\.size), [SIMD3(16, 15, 10), SIMD3(32, 30, 20), SIMD3(64, 60, 40)])
        XCTAssertEqual(pyramid[2].data, v.data)
        for level in pyramid { for x in level.data { XCTAssertEqual(x, 40, accuracy: 1e-4) } }
        XCTAssertThrowsError(try ImagePyramid.levels(shrinkFactors: [2, 1], smoothingSigmas: [1], unit: .voxels, spacing: g.spacing))
        XCTAssertThrowsError(try ImagePyramid.levels(shrinkFactors: [0], smoothingSigmas: [1], unit: .voxels, spacing: g.spacing))
    }

    /// A level is the smoothed image read at the shrunk grid's voxel centres.
    func testLevelEqualsSmoothedImageAtNewCentres() throws {
        let g = Geometry(size: SIMD3(21, 20, 12), spacing: SIMD3(1, 1.2, 2))
        let v = randomFloatVolume(g, seed: 31)
        let level = try ImagePyramid.level(v, .init(shrinkFactors: SIMD3(3, 2, 2), sigmaMM: SIMD3(1.5, 1.5, 2)))
        let smooth = try v.gaussianSmoothed(sigmaMM: SIMD3(1.5, 1.5, 2))
        let viaResampler = try smooth.resampled(to: level.geometry, interpolation: .linear)
        for n in 0..<level.voxelCount { XCTAssertEqual(level.data[n], viaResampler.data[n], accuracy: 1e-6) }
    }
}
