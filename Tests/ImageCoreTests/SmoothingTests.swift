import XCTest
import ImageCore

final class SmoothingTests: XCTestCase {
    /// Independent sampled, normalised Gaussian over |x| <= Int(4 sigma + 0.5), in Float64.
    func gaussian(_ sigma: Double) -> (radius: Int, weight: (Int) -> Double) {
        if sigma == 0 { return (0, { $0 == 0 ? 1 : 0 }) }
        let r = Int(4 * sigma + 0.5)
        let total = (-r...r).reduce(0.0) { $0 + exp(-Double($1 * $1) / (2 * sigma * sigma)) }
        return (r, { abs($0) > r ? 0 : exp(-Double($0 * $0) / (2 * sigma * sigma)) / total })
    }

    func testDeltaBecomesSampledGaussianWithSigmaInMillimetres() throws {
        let g = Geometry(size: SIMD3(31, 29, 27), spacing: SIMD3(1, 1.5, 2))
        var v = Volume<Float>(geometry: g)
        v[15, 14, 13] = 1
        // sigma in mm (2, 3, 2) is (2, 2, 1) voxels.
        let out = try v.gaussianSmoothed(sigmaMM: SIMD3(2, 3, 2))
        let gx = gaussian(2), gy = gaussian(2), gz = gaussian(1)
        var total = 0.0
        for k in 0..<27 { for j in 0..<29 { for i in 0..<31 {
            let expected = gx.weight(i - 15) * gy.weight(j - 14) * gz.weight(k - 13)
            XCTAssertEqual(Double(out[i, j, k]), expected, accuracy: 1e-8)
            total += Double(out[i, j, k])
        } } }
        XCTAssertEqual(total, 1, accuracy: 1e-5)
    }

    func testConstantStaysConstantIncludingBorders() throws {
        let g = Geometry(size: SIMD3(12, 10, 9), spacing: SIMD3(0.7, 1, 3))
        let v = Volume<Float>(geometry: g, repeating: -1000)
        // Sigma wider than the image on every axis exercises the edge replication everywhere.
        let out = try v.gaussianSmoothed(sigmaMM: 6)
        for x in out.data { XCTAssertEqual(x, -1000, accuracy: 1e-3) }
        let box = try v.boxFiltered(radius: SIMD3(2, 7, 1))
        for x in box.data { XCTAssertEqual(x, -1000, accuracy: 1e-3) }
    }

    /// Near the border the image is extended by repeating the edge voxel (scipy mode='nearest').
    func testBorderUsesEdgeReplication() throws {
        let n = 20
        for axis in 0..<3 {
            var size = SIMD3(3, 3, 3)
            size[axis] = n
            let g = Geometry(size: size)
            var v = Volume<Float>(geometry: g)
            for idx in 0..<g.voxelCount {
                let ijk = SIMD3(idx % size.x, (idx / size.x) % size.y, idx / (size.x * size.y))
                v.data[idx] = Float(ijk[axis] * ijk[axis])
            }
            var sigma = SIMD3<Double>(0, 0, 0)
            sigma[axis] = 1.5
            let out = try v.gaussianSmoothed(sigmaMM: sigma)
            let gk = gaussian(1.5)
            for idx in 0..<g.voxelCount {
                let p = SIMD3(idx % size.x, (idx / size.x) % size.y, idx / (size.x * size.y))[axis]
                var expected = 0.0
                for t in -gk.radius...gk.radius {
                    let q = min(max(p + t, 0), n - 1)
                    expected += gk.weight(t) * Double(q * q)
                }
                XCTAssertEqual(Double(out.data[idx]), expected, accuracy: 2e-4, "axis \(axis) index \(p)")
            }
        }
    }

    func testZeroSigmaIsIdentityAndNegativeIsRejected() throws {
        let v = randomFloatVolume(Geometry(size: SIMD3(8, 7, 6)), seed: 21)
        XCTAssertEqual(try v.gaussianSmoothed(sigmaMM: 0).data, v.data)
        XCTAssertThrowsError(try v.gaussianSmoothed(sigmaMM: SIMD3(1, -1, 1)))
        XCTAssertThrowsError(try v.gaussianSmoothed(sigmaMM: .nan))
        XCTAssertThrowsError(try v.boxFiltered(radius: SIMD3(1, -1, 0)))
    }

    func testBoxFilterOfDeltaIsUniformBox() throws {
        let g = Geometry(size: SIMD3(15, 15, 15))
        var v = Volume<Float>(geometry: g)
        v[7, 7, 7] = 1
        let out = try v.boxFiltered(radius: SIMD3(1, 2, 3))
        let expected = 1.0 / Double(3 * 5 * 7)
        for k in 0..<15 { for j in 0..<15 { for i in 0..<15 {
            let inside = abs(i - 7) <= 1 && abs(j - 7) <= 2 && abs(k - 7) <= 3
            XCTAssertEqual(Double(out[i, j, k]), inside ? expected : 0, accuracy: 1e-7)
        } } }
    }

    func testIntegerInputAndVectorComponents() throws {
        let g = Geometry(size: SIMD3(10, 9, 8))
        var rng = SplitMix64(seed: 22)
        let ints = try Volume<Int16>(geometry: g, data: (0..<g.voxelCount).map { _ in Int16(Int.random(in: 0..<2000, using: &rng)) - 1000 })
        XCTAssertEqual(try ints.gaussianSmoothed(sigmaMM: 1.2).data, try ints.converted(to: Float.self).gaussianSmoothed(sigmaMM: 1.2).data)
        let field = try Volume<Float>(geometry: g, components: 2, data: (0..<(2 * g.voxelCount)).map { _ in Float(rng.uniform()) })
        let s = try field.gaussianSmoothed(sigmaMM: 1)
        for c in 0..<2 { XCTAssertEqual(s.component(c).data, try field.component(c).gaussianSmoothed(sigmaMM: 1).data) }
    }

    func testThreadCountDoesNotChangeTheResult() throws {
        let v = randomFloatVolume(Geometry(size: SIMD3(40, 33, 21), spacing: SIMD3(1, 0.8, 1.4)), seed: 23)
        let one = try withThreads(1) { try v.gaussianSmoothed(sigmaMM: 2) }
        let two = try withThreads(2) { try v.gaussianSmoothed(sigmaMM: 2) }
        XCTAssertEqual(one.data, two.data)
    }
}
