import XCTest
import ImageCore
import Morphology

final class DistanceTransformTests: XCTestCase {
    func testDistanceToSinglePointIsEuclideanInMillimetres() {
        let g = Geometry(size: SIMD3(23, 17, 11), spacing: SIMD3(0.7, 1.3, 2.9))
        var m = BinaryMask.emptyMask(g)
        let p = SIMD3(5, 12, 3)
        m[p.x, p.y, p.z] = 1
        let d = DistanceTransform.distance(to: m)
        for k in 0..<11 { for j in 0..<17 { for i in 0..<23 {
            let dx = Double(i - p.x) * 0.7, dy = Double(j - p.y) * 1.3, dz = Double(k - p.z) * 2.9
            XCTAssertEqual(Double(d[i, j, k]), (dx * dx + dy * dy + dz * dz).squareRoot(), accuracy: 1e-4)
        } } }
    }

    func testDistanceToPlaneAlongEachAxis() {
        let g = Geometry(size: SIMD3(12, 14, 16), spacing: SIMD3(0.5, 1.5, 3))
        for axis in 0..<3 {
            var m = BinaryMask.emptyMask(g)
            let plane = 4
            for k in 0..<16 { for j in 0..<14 { for i in 0..<12 where SIMD3(i, j, k)[axis] == plane { m[i, j, k] = 1 } } }
            let d = DistanceTransform.distance(to: m)
            for k in 0..<16 { for j in 0..<14 { for i in 0..<12 {
                let expected = Double(abs(SIMD3(i, j, k)[axis] - plane)) * g.spacing[axis]
                XCTAssertEqual(Double(d[i, j, k]), expected, accuracy: 1e-5)
            } } }
        }
    }

    func testMatchesBruteForceOnRandomMask() {
        var rng = SplitMix64(seed: 7)
        let g = Geometry(size: SIMD3(19, 13, 9), spacing: SIMD3(0.9, 0.6, 2.2))
        var m = BinaryMask.emptyMask(g)
        for n in 0..<m.data.count where rng.uniform() < 0.02 { m.data[n] = 1 }
        let features = (0..<m.data.count).filter { m.data[$0] != 0 }.map { n -> SIMD3<Double> in
            let i = n % 19, j = (n / 19) % 13, k = n / (19 * 13)
            return SIMD3(Double(i), Double(j), Double(k)) * g.spacing
        }
        XCTAssertGreaterThan(features.count, 10)
        let d2 = DistanceTransform.squaredDistance(to: m)
        for k in 0..<9 { for j in 0..<13 { for i in 0..<19 {
            let x = SIMD3(Double(i), Double(j), Double(k)) * g.spacing
            let best = features.map { (($0 - x) * ($0 - x)).sum() }.min()!
            XCTAssertEqual(Double(d2[i, j, k]), best, accuracy: 1e-4 * (1 + best))
        } } }
    }

    func testSignedDistanceSigns() {
        let g = Geometry(size: SIMD3(21, 21, 21), spacing: SIMD3(1, 1, 1))
        let ball = Shapes.ball(g, centre: SIMD3(10, 10, 10), radius: 6)
        let s = DistanceTransform.signedDistance(ball)
        XCTAssertEqual(Double(s[10, 10, 10]), -37.0.squareRoot(), accuracy: 1e-5) // nearest outside voxel: offset (6, 1, 0)
        XCTAssertEqual(Double(s[0, 10, 10]), 4, accuracy: 1e-5)   // nearest inside voxel at i = 4
        XCTAssertEqual(Double(s[16, 10, 10]), -1, accuracy: 1e-5)
    }

    func testEmptyMaskGivesInfinity() {
        let m = BinaryMask.emptyMask(Geometry(size: SIMD3(4, 5, 6)))
        XCTAssertTrue(DistanceTransform.squaredDistance(to: m).data.allSatisfy { $0 == .infinity })
    }

    func testThreadCountDoesNotChangeResult() {
        var rng = SplitMix64(seed: 3)
        let g = Geometry(size: SIMD3(40, 37, 33), spacing: SIMD3(1, 0.8, 1.7))
        var m = BinaryMask.emptyMask(g)
        for n in 0..<m.data.count where rng.uniform() < 0.003 { m.data[n] = 1 }
        let one = Parallelism.serial.run { DistanceTransform.squaredDistance(to: m) }
        let four = Parallelism(threadCount: 4).run { DistanceTransform.squaredDistance(to: m) }
        XCTAssertEqual(one.data, four.data)
    }
}
