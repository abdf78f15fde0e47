@testable import ASPECTS
import ImageCore
import XCTest

/// The half part of the rule (`RegionHalves`, `Asymmetry.halves`): a lesion filling the back half of a
/// region, diluted by half in the region's mean, is called on that half, and only past the half threshold.
final class RegionHalvesTests: XCTestCase {
    /// A right region (code 5) and its mirror (15), 18 x 12 x 10 voxels each; the right region's posterior
    /// half (j >= 7, LPS +y is posterior) is `depth` HU darker.
    static func phantom(depth: Float) -> (ct: Volume<Float>, labels: Volume<UInt8>) {
        PairPhantom.make(rows: 14, slices: 12, right: 5, seed: 5) { _, j, _ in j >= 7 ? depth : 0 }
    }

    func testAHalfFilledLesionIsCalledOnItsHalf() throws {
        let p = Self.phantom(depth: 4.6)
        let result = try ASPECTSScorer(computeDescriptors: false, hypodensity: nil).score(ct: p.ct, labels: p.labels)
        let r = try XCTUnwrap(result.result(for: 5))
        let a = try XCTUnwrap(r.asymmetry)
        // The region's mean and its core see half the lesion: below the region threshold.
        XCTAssertEqual(a.differenceHU, -2.3, accuracy: 0.05)
        XCTAssertGreaterThan(try XCTUnwrap(a.core).differenceHU, -EarlyIschemicChangeRule.calibrated.thresholdHU)
        // The anterior halves agree; the posterior half shows the whole lesion.
        XCTAssertEqual(try XCTUnwrap(a.halves[0]).differenceHU, 0, accuracy: 0.05)
        XCTAssertEqual(try XCTUnwrap(a.halves[1]).differenceHU, -4.6, accuracy: 0.05)
        XCTAssertTrue(r.affected)
        XCTAssertEqual(r.call.byHalf, "posterior")
        XCTAssertFalse(r.call.byCore)
        XCTAssertEqual(r.call.confidence, 0.5, "a call by a half alone is undecided in the mean model")
        XCTAssertFalse(try XCTUnwrap(result.result(for: 15)).affected, "the healthy mirror is not called")

        // Without the half part, or with a half threshold past the lesion, nothing is called.
        var off = EarlyIschemicChangeRule.calibrated
        off.halfThresholdHU = nil
        XCTAssertFalse(off.call(a).affected)
        var strict = EarlyIschemicChangeRule.calibrated
        strict.halfThresholdHU = 4.7
        XCTAssertFalse(strict.call(a).affected)
        // Nor when the whole region is not darker than the floor.
        var floor = EarlyIschemicChangeRule.calibrated
        floor.halfMeanFloorHU = 2.4
        XCTAssertFalse(floor.call(a).affected)
    }

    func testAShallowHalfLesionIsNotCalled() throws {
        let p = Self.phantom(depth: 3.0)
        let r = try XCTUnwrap(try ASPECTSScorer(computeDescriptors: false, hypodensity: nil).score(ct: p.ct, labels: p.labels).result(for: 5))
        XCTAssertEqual(try XCTUnwrap(r.asymmetry?.halves[1]).differenceHU, -3.0, accuracy: 0.05)
        XCTAssertFalse(r.affected, "3 HU in half a region is below the half threshold of 3.5 HU")
    }

    /// The cut is across world y: on a grid tilted 25 degrees about x, every anterior voxel lies at or in
    /// front of every posterior one, and the halves share the region evenly.
    func testSplitIsAcrossWorldYOnATiltedGrid() throws {
        let t = 25.0 * Double.pi / 180
        let g = Geometry(size: SIMD3(6, 20, 15), spacing: SIMD3(1, 0.8, 2.5),
                         direction: [SIMD3(1, 0, 0), SIMD3(0, cos(t), sin(t)), SIMD3(0, -sin(t), cos(t))])
        let indices = Array(stride(from: 0, to: g.voxelCount, by: 3))
        let halves = RegionHalves.split(indices, geometry: g)
        func y(_ n: Int) -> Double {
            g.worldLPS(SIMD3(Double(n % 6), Double((n / 6) % 20), Double(n / 120))).y
        }
        let front = try XCTUnwrap(halves[0].map(y).max()), back = try XCTUnwrap(halves[1].map(y).min())
        XCTAssertLessThan(front, back)
        XCTAssertEqual(halves[0].count + halves[1].count, indices.count)
        XCTAssertLessThan(abs(halves[0].count - halves[1].count), indices.count / 20)
        XCTAssertEqual(RegionHalves.split([], geometry: g), [[], []])
    }
}
