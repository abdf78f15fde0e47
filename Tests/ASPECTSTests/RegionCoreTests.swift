@testable import ASPECTS
import ImageCore
import XCTest

/// `RegionCore` against a direct reading of its definition (every voxel of the box around a voxel carries
/// its label), and `Asymmetry` comparing cores only when both sides have one.
final class RegionCoreTests: XCTestCase {
    /// Random blobs of a few labels on an anisotropic grid; the separable passes must agree with the box
    /// test voxel by voxel.
    func testInteriorMatchesTheBoxDefinition() {
        var rng = SplitMix64(seed: 7)
        for spacing in [SIMD3<Double>(0.7, 0.7, 1.5), SIMD3(1, 1, 5), SIMD3(0.5, 0.6, 2.4)] {
            var labels = Volume<UInt8>(geometry: Geometry(size: SIMD3(23, 19, 11), spacing: spacing))
            // Boxes of random labels painted over each other: regions of many sizes and shared borders.
            for _ in 0..<40 {
                let lo = SIMD3(Int(rng.next() % 20), Int(rng.next() % 16), Int(rng.next() % 9))
                let ext = SIMD3(Int(rng.next() % 9) + 1, Int(rng.next() % 9) + 1, Int(rng.next() % 4) + 1)
                let label = UInt8(rng.next() % 4)
                for k in lo.z..<min(11, lo.z + ext.z) { for j in lo.y..<min(19, lo.y + ext.y) { for i in lo.x..<min(23, lo.x + ext.x) {
                    labels[i, j, k] = label
                } } }
            }
            let margin = 1.5
            let r = [spacing.x, spacing.y, spacing.z].map { Int((margin / $0).rounded()) }
            let got = RegionCore.interior(labels, marginMM: margin)
            var interior = 0
            for k in 0..<11 { for j in 0..<19 { for i in 0..<23 {
                let l = labels[i, j, k]
                var expected = l != 0
                if i - r[0] < 0 || i + r[0] >= 23 || j - r[1] < 0 || j + r[1] >= 19 || k - r[2] < 0 || k + r[2] >= 11 { expected = false }
                if expected {
                    box: for c in -r[2]...r[2] { for b in -r[1]...r[1] { for a in -r[0]...r[0] where labels[i + a, j + b, k + c] != l {
                        expected = false
                        break box
                    } } }
                }
                if expected { interior += 1 }
                XCTAssertEqual(got[labels.linearIndex(i, j, k)], expected, "voxel \(i),\(j),\(k) spacing \(spacing)")
            } } }
            XCTAssertGreaterThan(interior, 0, "the test volume has interior voxels at \(spacing)")
        }
    }

    /// A region whose border band is dark (a neighbour's tissue mixed in) but whose interior is like its
    /// mirror's: the whole-region means differ, the cores do not; no core is compared when one is too small.
    func testAsymmetryComparesCoresWhenBothSidesHaveOne() throws {
        var ct = Volume<Float>(geometry: Geometry(size: SIMD3(40, 12, 12)))
        var labels = Volume<UInt8>(geometry: ct.geometry)
        for k in 0..<12 { for j in 0..<12 { for i in 0..<40 {
            let right = i < 20
            let x = right ? i : i - 20
            guard (2..<18).contains(x), (1..<11).contains(j), (1..<11).contains(k) else { continue }
            labels[i, j, k] = right ? 2 : 12
            let border = x < 4 || x > 15 || j < 3 || j > 8 || k < 3 || k > 8
            ct[i, j, k] = right && border ? 26 : 36
        } } }
        let cores = try ASPECTSScorer(computeDescriptors: false, hypodensity: nil).score(ct: ct, labels: labels)
        let whole = try ASPECTSScorer(computeDescriptors: false, hypodensity: nil, coreMarginMM: nil).score(ct: ct, labels: labels)
        let c = try XCTUnwrap(cores.result(for: 2)?.asymmetry), w = try XCTUnwrap(whole.result(for: 2)?.asymmetry)
        // The whole regions differ (the dark band), the cores do not.
        XCTAssertEqual(try XCTUnwrap(c.core).differenceHU, 0, accuracy: 1e-9)
        XCTAssertNil(w.core)
        XCTAssertEqual(c.differenceHU, w.differenceHU, accuracy: 1e-9)
        XCTAssertLessThan(w.differenceHU, -3)
        // With a margin as wide as the region, no core is left: the whole regions are compared.
        let wide = try ASPECTSScorer(computeDescriptors: false, hypodensity: nil, coreMarginMM: 6).score(ct: ct, labels: labels)
        let f = try XCTUnwrap(wide.result(for: 2)?.asymmetry)
        XCTAssertNil(f.core)
        XCTAssertEqual(f.differenceHU, w.differenceHU, accuracy: 1e-9)
    }
}

/// The rule's core part: a lesion whose region was drawn too wide (diluted by healthy border tissue) is
/// called through its core, and only with the core's stronger significance.
final class CoreRuleTests: XCTestCase {
    func testADilutedLesionIsCalledByItsCore() throws {
        // The lesion (4 HU) fills the right region's interior; its border band is healthy tissue.
        let (ct, labels) = PairPhantom.make(rows: 14, slices: 14, right: 2, seed: 11) { x, j, k in
            (3...16).contains(x) && (3...10).contains(j) && (3...10).contains(k) ? 4 : 0
        }
        let r = try XCTUnwrap(try ASPECTSScorer(computeDescriptors: false, hypodensity: nil).score(ct: ct, labels: labels).result(for: 2))
        let a = try XCTUnwrap(r.asymmetry)
        XCTAssertGreaterThan(a.differenceHU, -EarlyIschemicChangeRule.calibrated.thresholdHU, "the whole region is diluted below the threshold")
        XCTAssertLessThan(try XCTUnwrap(a.core).differenceHU, -3.9)
        XCTAssertTrue(r.affected)
        XCTAssertTrue(r.call.byCore)
        // The same core difference without the significance the core part asks for is not a call.
        var strict = EarlyIschemicChangeRule.calibrated
        strict.coreMinimumZ = -a.core!.zScore + 1
        XCTAssertFalse(strict.call(a).affected)
        var off = EarlyIschemicChangeRule.calibrated
        off.coreMinimumZ = nil
        XCTAssertFalse(off.call(a).affected)
    }
}
