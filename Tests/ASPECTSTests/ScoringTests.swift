import ASPECTS
import ImageCore
import XCTest

final class ScoringTests: XCTestCase {
    func testFindsKnownLesionsInGeneratedPatients() throws {
        var exact = 0
        for seed in 1...5 as ClosedRange<UInt64> {
            let p = SyntheticBrainPhantom.generate(seed: seed, lesion: true)
            let r = try ASPECTSScorer(computeDescriptors: false).score(ct: p.ct, labels: p.labels)
            let found = r.regions.filter(\.affected).map(\.region.code)
            let truth = p.truth.score
            let ok = found == p.truth.lesionCodes && r.affectedSide == p.truth.side
                && r.score(.right) == truth.right && r.score(.left) == truth.left
            if ok { exact += 1 }
            print("case \(seed): depth \(String(format: "%.1f", p.truth.lesionDepthHU)) HU, truth \(p.truth.lesionCodes) -> found \(found), ASPECTS R \(r.score(.right)) L \(r.score(.left))")
        }
        XCTAssertGreaterThanOrEqual(exact, 4, "at least 4 of 5 generated lesion cases must be scored exactly")
    }

    func testLesionFreePatientsScoreTen() throws {
        for seed in 101...105 as ClosedRange<UInt64> {
            let p = SyntheticBrainPhantom.generate(seed: seed, lesion: false)
            let r = try ASPECTSScorer(computeDescriptors: false).score(ct: p.ct, labels: p.labels)
            XCTAssertEqual(r.score(.right), 10, "seed \(seed)")
            XCTAssertEqual(r.score(.left), 10, "seed \(seed)")
            XCTAssertNil(r.affectedSide)
            XCTAssertEqual(r.score, 10)
        }
    }

    func testLesionSideAndConfidenceFollowDepth() throws {
        // The same lesion, shallow and deep: the deep one is called with more confidence.
        let codes = [ASPECTSRegion(name: "M2", hemisphere: .left)!.code, ASPECTSRegion(name: "M5", hemisphere: .left)!.code]
        let shallow = try ASPECTSScorer(computeDescriptors: false)
            .score(ct: SyntheticBrainPhantom.generate(seed: 7, lesionCodes: codes, depth: 4).ct,
                   labels: SyntheticBrainPhantom.generate(seed: 7, lesionCodes: codes, depth: 4).labels)
        let deepCase = SyntheticBrainPhantom.generate(seed: 7, lesionCodes: codes, depth: 8)
        let deep = try ASPECTSScorer(computeDescriptors: false).score(ct: deepCase.ct, labels: deepCase.labels)
        XCTAssertEqual(deep.affectedSide, .left)
        XCTAssertEqual(deep.score(.left), 8)
        for c in codes {
            let d = deep.result(for: c)!, s = shallow.result(for: c)!
            XCTAssertTrue(d.affected)
            XCTAssertGreaterThan(d.call.marginHU, s.call.marginHU + 3)
            XCTAssertGreaterThanOrEqual(d.confidence, s.confidence)
            XCTAssertGreaterThan(d.confidence, 0.99)
            // The mirror region is brighter than its partner, never called.
            XCTAssertFalse(deep.result(for: ASPECTSRegion(code: c)!.mirrorCode)!.affected)
        }
    }

    func testCalibrationReproducesTheDefaultRule() throws {
        let r = try ThresholdCalibration.run(cases: 15, seed: 424_242)
        let rule = EarlyIschemicChangeRule.calibrated
        XCTAssertEqual(r.thresholdHU, rule.thresholdHU, accuracy: 0.75, "default threshold no longer matches calibration")
        XCTAssertEqual(r.nullSpreadHU, rule.nullSpreadHU, accuracy: 0.25)
        XCTAssertGreaterThanOrEqual(Double(r.exactCases), 0.8 * Double(r.cases))
        XCTAssertGreaterThan(r.sensitivity, 0.9)
        XCTAssertGreaterThan(r.specificity, 0.97)
    }

    /// A small re-run of the evidence calibration (docs/aspects.md): on partial lesions the fraction rule
    /// finds more lesioned regions than the mean rule, and the chosen fraction lies near the default run's.
    func testEvidenceCalibrationFavoursTheFractionOnPartialLesions() throws {
        let r = try HypodensityCalibration.run(casesPerKind: 6, seed: 424_242, voxelThresholds: [HypodensityMap.calibratedThresholdHU])
        let mean = r.evaluation[0], fraction = r.evaluation[1]
        XCTAssertEqual(mean.rule, "mean")
        XCTAssertEqual(r.voxelThresholdHU, 3.5)
        XCTAssertEqual(r.minimumHypodenseFraction, 0.141, accuracy: 0.1)
        XCTAssertGreaterThan(fraction.sensitivityPartial, mean.sensitivityPartial)
        // 6 cases per kind hold about 16 lesioned regions per kind: one miss is 6 %.
        XCTAssertGreaterThan(mean.sensitivityWhole, 0.8)
        XCTAssertGreaterThan(fraction.sensitivityWhole, 0.8)
        XCTAssertLessThan(fraction.falsePositiveRate, 0.02)
    }

    func testThresholdChoiceOnHandMadeSamples() throws {
        // Two equally sized, equally tight classes at 1 and 5 HU: the error minimum is halfway.
        var samples: [ThresholdCalibration.Sample] = []
        for c in 0..<10 {
            samples.append(.init(hypodensityHU: 1, zScore: 5, lesioned: false, caseIndex: c))
            samples.append(.init(hypodensityHU: 5, zScore: 5, lesioned: true, caseIndex: c))
        }
        let choice = try ThresholdCalibration.choose(samples, minimumZ: 1.5)
        XCTAssertEqual(choice.thresholdHU, 3, accuracy: 0.011)
        XCTAssertEqual(choice.exactCases, 10)
        XCTAssertEqual(choice.sensitivity, 1)
        // Negatives that fail the z gate cannot cause errors, so they must not pull the threshold up.
        var gated = samples
        for c in 0..<10 { gated.append(.init(hypodensityHU: 4.5, zScore: 0.5, lesioned: false, caseIndex: c)) }
        XCTAssertEqual(try ThresholdCalibration.choose(gated, minimumZ: 1.5).thresholdHU, 3, accuracy: 0.011)
        XCTAssertThrowsError(try ThresholdCalibration.choose(samples.filter(\.lesioned), minimumZ: 1.5))
    }

    func testRuleDecisions() throws {
        let rule = try EarlyIschemicChangeRule(thresholdHU: 2, minimumZ: 2, nullSpreadHU: 1)
        XCTAssertFalse(rule.call(nil).evaluable)
        XCTAssertFalse(rule.call(nil).affected)
        XCTAssertThrowsError(try EarlyIschemicChangeRule(thresholdHU: 0, nullSpreadHU: 1))
        XCTAssertThrowsError(try EarlyIschemicChangeRule(thresholdHU: 1, nullSpreadHU: .nan))
    }
}
