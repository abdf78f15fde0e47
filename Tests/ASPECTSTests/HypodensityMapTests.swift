import ASPECTS
import Foundation
import ImageCore
import Rendering
import XCTest

/// The voxel-wise hypodensity map on generated patients whose lesions are known voxel by voxel.
final class HypodensityMapTests: XCTestCase {
    func code(_ name: String, _ side: Hemisphere) -> Int { ASPECTSRegion(name: name, hemisphere: side)!.code }

    /// The tolerance every lesion-volume check uses (see `testHypodenseVolumeMatchesAKnownLesion`).
    func checkVolume(_ found: Double, lesion: Double, file: StaticString = #filePath, line: UInt = #line) {
        XCTAssertGreaterThan(found, 0.9 * lesion, file: file, line: line)
        XCTAssertLessThan(found, 1.5 * lesion, file: file, line: line)
    }

    /// A whole-region 8 HU lesion: the hypodense volume is 0.9-1.5 times the lesion's, on its side (the
    /// other side holds no more than lesion-free noise, < 2 mL), and the lesioned regions are mostly
    /// hypodense while the others are not. Why up to 1.5: the reconstruction blur and the 2.5 mm Gaussian
    /// push a deep lesion's edge outwards by a fraction of a millimetre, and thin regions (the insular
    /// ribbon is 7 mm wide) have much edge for their volume; add lesion-free noise voxels (~1 mL per side).
    func testHypodenseVolumeMatchesAKnownLesion() throws {
        let codes = ["L", "I", "M2"].map { code($0, .right) }
        let p = SyntheticBrainPhantom.generate(seed: 31, lesionCodes: codes, depth: 8)
        let map = try HypodensityMap(ct: p.ct, labels: p.labels)
        let lesion = p.truth.lesionVolumeML
        print("lesion \(lesion) ml; hypodense right \(map.hypodenseVolumeML(.right)) ml, left \(map.hypodenseVolumeML(.left)) ml")
        XCTAssertGreaterThan(lesion, 8)
        checkVolume(map.hypodenseVolumeML(.right), lesion: lesion)
        XCTAssertLessThan(map.hypodenseVolumeML(.left), 2)
        for region in ASPECTSRegion.all {
            let f = try XCTUnwrap(map.hypodenseFraction(of: region.code))
            if codes.contains(region.code) {
                XCTAssertGreaterThan(f, 0.7, "\(region)")
            } else {
                XCTAssertLessThan(f, 0.12, "\(region)")
            }
        }
        // Zero outside tissue: air, bone and the ventricles carry no hypodensity.
        for n in stride(from: 0, to: p.ct.voxelCount, by: 7) where !(10...60).contains(p.ct.data[n]) {
            XCTAssertEqual(map.values.data[n], 0)
        }
    }

    /// An exactly symmetric brain (no noise, no left-right offsets) has no hypodensity at all; with noise
    /// and physiological offsets the hypodense volume stays small (< 4 mL of ~300 mL measured tissue).
    func testLesionFreeBrainHasNoHypodensity() throws {
        var o = SyntheticBrainPhantom.Options()
        o.noiseSD = 0
        o.asymmetrySD = 0
        let clean = SyntheticBrainPhantom.generate(seed: 3, lesion: false, options: o)
        let map = try HypodensityMap(ct: clean.ct, labels: clean.labels)
        XCTAssertLessThan(map.values.data.max()!, 0.01)
        XCTAssertEqual(map.hypodenseVolumeML(.right) + map.hypodenseVolumeML(.left), 0)
        XCTAssertEqual(map.plane.normal.x, 1, accuracy: 1e-9)
        XCTAssertEqual(map.plane.point.x, 0, accuracy: 1e-6)

        for seed in [101, 102] as [UInt64] {
            let p = SyntheticBrainPhantom.generate(seed: seed, lesion: false)
            let m = try HypodensityMap(ct: p.ct, labels: p.labels)
            let total = m.hypodenseVolumeML(.right) + m.hypodenseVolumeML(.left)
            print("lesion-free seed \(seed): hypodense \(total) ml")
            XCTAssertLessThan(total, 4, "seed \(seed)")
        }
    }

    /// A head turned by 12 degrees: the plane turns with it, and the lesion is found on its side.
    func testTurnedHeadGetsATurnedPlane() throws {
        var o = SyntheticBrainPhantom.Options()
        o.yawDegrees = 12
        let codes = ["M2", "M3", "M5"].map { code($0, .left) }
        let p = SyntheticBrainPhantom.generate(seed: 44, lesionCodes: codes, depth: 8, options: o)
        let map = try HypodensityMap(ct: p.ct, labels: p.labels)
        let yaw = 12 * Double.pi / 180
        XCTAssertEqual(map.plane.normal.x, cos(yaw), accuracy: 0.01)
        XCTAssertEqual(map.plane.normal.y, sin(yaw), accuracy: 0.01)
        let lesion = p.truth.lesionVolumeML
        print("turned: lesion \(lesion) ml; hypodense left \(map.hypodenseVolumeML(.left)), right \(map.hypodenseVolumeML(.right))")
        checkVolume(map.hypodenseVolumeML(.left), lesion: lesion)
        XCTAssertLessThan(map.hypodenseVolumeML(.right), 2)
        // The same turned head without a lesion stays clean.
        let healthy = SyntheticBrainPhantom.generate(seed: 44, lesionCodes: [], depth: 0, options: o)
        let h = try HypodensityMap(ct: healthy.ct, labels: healthy.labels)
        XCTAssertLessThan(h.hypodenseVolumeML(.left) + h.hypodenseVolumeML(.right), 4)
    }

    /// 0.5 x 0.5 x 5 mm voxels: sigma is in millimetres, so the result matches the 1 mm grid's.
    func testAnisotropicGrid() throws {
        var o = SyntheticBrainPhantom.Options()
        o.size = SIMD3(320, 384, 28)
        o.spacing = SIMD3(0.5, 0.5, 5)
        o.smoothingSigma = 1.6  // the same 0.8 mm reconstruction blur
        o.noiseSD = 2  // the same noise per mm^2 as 4 HU on 1 mm pixels (white-noise SD scales with 1 / pixel side)
        let codes = ["C", "L", "IC"].map { code($0, .right) }
        let p = SyntheticBrainPhantom.generate(seed: 55, lesionCodes: codes, depth: 8, options: o)
        let map = try HypodensityMap(ct: p.ct, labels: p.labels)
        let lesion = p.truth.lesionVolumeML
        print("0.5x0.5x5: lesion \(lesion) ml; hypodense right \(map.hypodenseVolumeML(.right)), left \(map.hypodenseVolumeML(.left))")
        checkVolume(map.hypodenseVolumeML(.right), lesion: lesion)
        XCTAssertLessThan(map.hypodenseVolumeML(.left), 2)
    }

    /// A lesion filling about half of M2: the fraction follows the filled share, and the region mean
    /// (what the mean rule sees) is diluted accordingly.
    func testFractionOfAPartlyFilledRegion() throws {
        var o = SyntheticBrainPhantom.Options()
        o.partialLesionFraction = 0.5...0.5
        let m2 = code("M2", .right)
        let p = SyntheticBrainPhantom.generate(seed: 66, lesionCodes: [m2], depth: 8, options: o)
        let result = try ASPECTSScorer(computeDescriptors: false).score(ct: p.ct, labels: p.labels)
        let r = try XCTUnwrap(result.result(for: m2))
        let f = try XCTUnwrap(r.hypodenseFraction)
        print("half-filled M2: fraction \(f), mean difference \(r.asymmetry!.differenceHU) HU")
        XCTAssertEqual(f, 0.5, accuracy: 0.15)
        XCTAssertLessThan(try XCTUnwrap(result.result(for: code("M2", .left))!.hypodenseFraction), 0.1)
        XCTAssertNotNil(result.hypodensity)
    }

    /// The research option: with F set, a region whose lesion fills part of it is called on its hypodense
    /// fraction although its mean is not dark enough; the call says so and is undecided (0.5). The first
    /// of ten seeds where the mean rule misses a lesion filling 30 % of left M2 (8 HU deep) is used.
    func testCombinedRuleCallsAPartlyFilledRegion() throws {
        var o = SyntheticBrainPhantom.Options()
        o.partialLesionFraction = 0.3...0.3
        let m2 = code("M2", .left)
        var rule = EarlyIschemicChangeRule.meanOnly
        XCTAssertNil(rule.minimumHypodenseFraction)
        rule.minimumHypodenseFraction = 0.141
        var found = false
        for seed in 77...86 as ClosedRange<UInt64> {
            let p = SyntheticBrainPhantom.generate(seed: seed, lesionCodes: [m2], depth: 8, options: o)
            let byMean = try ASPECTSScorer(rule: .meanOnly, computeDescriptors: false).score(ct: p.ct, labels: p.labels)
            let m = byMean.result(for: m2)!
            guard !m.affected, let f = m.hypodenseFraction, f >= 0.2 else { continue }
            let combined = try ASPECTSScorer(rule: rule, computeDescriptors: false).score(ct: p.ct, labels: p.labels)
            let c = combined.result(for: m2)!
            print("seed \(seed), 30 % of left M2 at 8 HU: mean difference \(m.asymmetry!.differenceHU) HU, fraction \(f)")
            XCTAssertTrue(c.affected)
            XCTAssertTrue(c.call.byHypodenseFraction)
            XCTAssertEqual(c.confidence, 0.5)
            XCTAssertEqual(combined.score(.left), 9)
            XCTAssertEqual(combined.score(.right), 10)
            found = true
            break
        }
        XCTAssertTrue(found, "no seed where the mean rule misses the partial lesion")
        XCTAssertThrowsError(try EarlyIschemicChangeRule(thresholdHU: 2, nullSpreadHU: 1, minimumHypodenseFraction: 0))
    }

    func testRequiresBothHemispheresAndOneGrid() throws {
        let p = SyntheticBrainPhantom.generate(seed: 1, lesion: false)
        let oneSide = p.labels.map { $0 > 10 ? 0 : $0 }
        XCTAssertThrowsError(try HypodensityMap(ct: p.ct, labels: oneSide))
        // The scorer still scores such a map (regions not evaluable), only without the evidence.
        let r = try ASPECTSScorer(computeDescriptors: false).score(ct: p.ct, labels: oneSide)
        XCTAssertNil(r.hypodensity)
        XCTAssertThrowsError(try HypodensityMap.Options(sigmaMM: 0))
        XCTAssertThrowsError(try HypodensityMap.Options(thresholdHU: -1))
    }

    /// The heat overlay: red where the lesion is (the patient's right = the image's left), nothing on the
    /// other side, nothing at all on a lesion-free brain without noise.
    func testHeatOverlayMarksTheLesionOnly() throws {
        let codes = ["L", "I", "M2"].map { code($0, .right) }
        let p = SyntheticBrainPhantom.generate(seed: 31, lesionCodes: codes, depth: 8)
        let map = try HypodensityMap(ct: p.ct, labels: p.labels)
        let plane = AxialPlane(geometry: p.ct.geometry)
        let slice = try XCTUnwrap(ReportLevel.ganglionic.slice(in: p.labels, plane: plane))
        let plain = try LevelImage(level: .ganglionic, slice: slice, ct: p.ct, labels: p.labels, affected: [])
        let heat = try LevelImage(level: .ganglionic, slice: slice, ct: p.ct, labels: p.labels, affected: [], hypodensity: map)
        XCTAssertEqual(plain.image.width, heat.image.width)
        var changed = [0, 0], red = [0, 0]
        for y in 0..<heat.image.height { for x in 0..<heat.image.width {
            let a = plain.image[x, y], b = heat.image[x, y]
            guard a != b else { continue }
            let half = x < heat.image.width / 2 ? 0 : 1
            changed[half] += 1
            if Int(b.r) > Int(b.g) + 80 && Int(b.r) > Int(b.b) + 80 { red[half] += 1 }
        } }
        print("overlay pixels left/right \(changed), red \(red)")
        XCTAssertGreaterThan(red[0], 2000)
        // The other side shows at most scattered specks of healthy left-right noise above the threshold.
        XCTAssertLessThan(changed[1], changed[0] / 10)
        XCTAssertEqual(red[1], 0)

        var o = SyntheticBrainPhantom.Options()
        o.noiseSD = 0
        o.asymmetrySD = 0
        let clean = SyntheticBrainPhantom.generate(seed: 3, lesion: false, options: o)
        let cm = try HypodensityMap(ct: clean.ct, labels: clean.labels)
        let a = try LevelImage(level: .ganglionic, slice: slice, ct: clean.ct, labels: clean.labels, affected: [])
        let b = try LevelImage(level: .ganglionic, slice: slice, ct: clean.ct, labels: clean.labels, affected: [], hypodensity: cm)
        XCTAssertEqual(a.image, b.image)
    }

    func testHeatScale() {
        let s = HypodensityHeatScale(thresholdHU: 3)
        XCTAssertNil(s.colour(0))
        XCTAssertNil(s.colour(2.99))
        XCTAssertEqual(s.colour(3)!.0, HypodensityHeatScale.low)
        XCTAssertEqual(s.colour(3)!.1, s.minimumOpacity, accuracy: 1e-12)
        XCTAssertEqual(s.colour(6)!.0, HypodensityHeatScale.high)
        XCTAssertEqual(s.colour(6)!.1, s.maximumOpacity, accuracy: 1e-12)
        XCTAssertEqual(s.colour(20)!.0, HypodensityHeatScale.high)
        XCTAssertLessThan(s.colour(4)!.1, s.colour(5)!.1)
        XCTAssertGreaterThan(s.colour(4)!.0.g, s.colour(5)!.0.g)
    }

    /// Time on a clinical 512 x 512 x 150 grid; printed only (set DEEPSTROKE_TIMING=1 to run).
    func testTimingOnAClinicalGrid() throws {
        try XCTSkipUnless(ProcessInfo.processInfo.environment["DEEPSTROKE_TIMING"] == "1", "timing run only on request")
        var o = SyntheticBrainPhantom.Options()
        o.size = SIMD3(512, 512, 150)
        o.spacing = SIMD3(0.45, 0.45, 1)
        o.smoothingSigma = 1.8
        let p = SyntheticBrainPhantom.generate(seed: 9, lesionCodes: [code("M2", .right)], depth: 6, options: o)
        let start = Date()
        let map = try HypodensityMap(ct: p.ct, labels: p.labels)
        let seconds = Date().timeIntervalSince(start)
        print("HypodensityMap on 512x512x150 (0.45x0.45x1 mm), \(Parallelism.current.threadCount) threads: \(String(format: "%.2f", seconds)) s; lesion \(p.truth.lesionVolumeML) ml, found \(map.hypodenseVolumeML(.right)) ml")
    }
}
