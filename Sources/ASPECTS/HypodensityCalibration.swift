import Foundation

/// Calibrates the voxel-wise evidence (`HypodensityMap`) and measures whether scoring from it beats the
/// mean rule, on generated patients.
///
/// Why: a lesion that fills only part of a region moves the region mean by a fraction of its depth, so the
/// mean rule misses it; the hypodense share of the region does not dilute. Whether that gain comes without
/// extra false calls can only be measured, so this type measures it.
///
/// Cases (`SyntheticBrainPhantom`, seeds derived from `seed`), in equal numbers: lesion-free, a 4-8 HU
/// lesion filling whole regions, and a 4-8 HU lesion filling 30-60 % of each lesioned region.
///
/// 1. **Training** (seed `seed`): for each voxel threshold T in `voxelThresholds`, every region pair
///    of every case is a sample as in `ThresholdCalibration` (lesioned region: positive, its hypodense
///    fraction; otherwise negative, the larger fraction of the pair), with the rule's side condition
///    (the region's fraction exceeds its mirror's and its mean is darker) as the gate.
///    `ThresholdCalibration.choose` picks the fraction F that minimises the expected wrong region calls
///    (fractions in percent, so its 0.01 grid and 0.1 minimum bandwidth mean 0.01 % and 0.1 %). The
///    (T, F) pair with the fewest expected errors wins.
/// 2. **Evaluation** on independent cases (seed `seed + 1_000_003`): false-positive rate (wrongly called
///    regions over unlesioned regions), lesion-free cases with any call, and sensitivity for whole and for
///    partial lesions, for the mean rule (`EarlyIschemicChangeRule.calibrated`), the fraction rule alone,
///    and the two combined (affected when either calls).
public enum HypodensityCalibration {
    /// Error figures of one decision rule on the evaluation cases.
    public struct RuleFigures: Equatable, Sendable, Codable {
        public var rule: String
        /// Wrongly called regions / regions without a lesion (all evaluation cases).
        public var falsePositiveRate: Double
        public var falsePositiveRegions: Int
        /// Lesion-free cases with at least one call (an ASPECTS below 10).
        public var lesionFreeCasesWithCalls: Int
        /// Called lesioned regions / lesioned regions, whole-region lesions.
        public var sensitivityWhole: Double
        /// The same for lesions filling 30-60 % of each region.
        public var sensitivityPartial: Double
        /// Cases whose affected regions are exactly the lesioned ones.
        public var exactCases: Int
    }

    /// One trained voxel threshold.
    public struct Candidate: Equatable, Sendable, Codable {
        public var voxelThresholdHU: Double
        /// F with the fewest expected wrong region calls for the fraction rule alone.
        public var minimumHypodenseFraction: Double
        public var expectedErrorsPerCase: Double
        /// The smallest F at which adding the fraction rule to the mean rule makes no false call on the
        /// training cases (just above the largest fraction of a lesion-free region the gate lets through).
        public var noExtraFalseCallFraction: Double
        /// Training sensitivity (whole and partial lesions pooled) of the combined rule at that F.
        public var noExtraFalseCallSensitivity: Double
    }

    public struct Result: Equatable, Sendable, Codable {
        public var sigmaMM: Double
        public var voxelThresholdHU: Double
        public var minimumHypodenseFraction: Double
        /// Voxel threshold and F of the combined rule held to the mean rule's false calls on training cases.
        public var strictVoxelThresholdHU: Double
        public var strictMinimumHypodenseFraction: Double
        public var candidates: [Candidate]
        /// Mean, fraction and combined rules on the evaluation cases.
        public var evaluation: [RuleFigures]
        /// Cases per kind (lesion-free, whole, partial) in each of training and evaluation.
        public var casesPerKind: Int
        public var seed: UInt64
        /// The rule that called more lesioned regions than the mean rule without more false calls
        /// ("mean or fraction (strict)" preferred, then "mean or fraction"); nil when none did.
        public var betterRule: String?
    }

    enum Kind: Int, CaseIterable { case lesionFree, whole, partial }

    /// The calibrated mean rule without any fraction criterion: the baseline every comparison is against.
    static var meanRule: EarlyIschemicChangeRule {
        var r = EarlyIschemicChangeRule.meanOnly
        r.minimumHypodenseFraction = nil
        return r
    }

    /// What one scored case leaves for the calibration.
    struct Case {
        let kind: Kind
        let lesions: Set<Int>
        let regions: [RegionResult]
        /// Per voxel threshold, per code (0 unused): hypodense fraction.
        let fractions: [[Double?]]
    }

    static func generateCases(casesPerKind: Int, seed: UInt64, thresholds: [Double], sigmaMM: Double,
                              options: SyntheticBrainPhantom.Options) throws -> [Case] {
        let scorer = ASPECTSScorer(rule: meanRule, computeDescriptors: false, hypodensity: try HypodensityMap.Options(sigmaMM: sigmaMM),
                                   coreMarginMM: nil)  // exact labels: whole regions, as in ThresholdCalibration
        var partial = options
        partial.partialLesionFraction = 0.3...0.6
        var out: [Case] = []
        for n in 0..<(3 * casesPerKind) {
            let kind = Kind(rawValue: n % 3)!
            let p = SyntheticBrainPhantom.generate(seed: seed &+ UInt64(n) &* 7919, lesion: kind != .lesionFree,
                                                   options: kind == .partial ? partial : options)
            let result = try scorer.score(ct: p.ct, labels: p.labels)
            guard let map = result.hypodensity else { throw ASPECTSError.noRegions("a generated case has no midline") }
            let fractions = try thresholds.map { t in
                let m = try map.rethresholded(t, ct: p.ct, labels: p.labels)
                return (0...20).map { m.hypodenseFraction(of: $0) }
            }
            out.append(Case(kind: kind, lesions: Set(p.truth.lesionCodes), regions: result.regions, fractions: fractions))
        }
        return out
    }

    /// Fraction-rule samples (percent) of `cases` at voxel-threshold index `t`.
    static func samples(_ cases: [Case], threshold t: Int) -> [ThresholdCalibration.Sample] {
        var out: [ThresholdCalibration.Sample] = []
        for (index, c) in cases.enumerated() {
            for code in 1...10 {
                let a = c.regions[code - 1], b = c.regions[code + 9]
                let fa = c.fractions[t][code] ?? 0, fb = c.fractions[t][code + 10] ?? 0
                // The side the rule would examine: the lesioned one, else the one with the larger fraction.
                let examineB = c.lesions.contains(code + 10) || (!c.lesions.contains(code) && fb > fa)
                let (r, f, fm) = examineB ? (b, fb, fa) : (a, fa, fb)
                let gate = (r.asymmetry.map { $0.differenceHU < 0 } ?? false) && f > fm
                out.append(.init(hypodensityHU: 100 * f, zScore: gate ? 1 : 0,
                                 lesioned: c.lesions.contains(r.region.code), caseIndex: index))
            }
        }
        return out
    }

    /// The combined rule's call for region `r` of case `c` at voxel-threshold index `t` and fraction `f`,
    /// exactly as `EarlyIschemicChangeRule.call` makes it in use.
    static func combinedCall(_ r: RegionResult, _ c: Case, _ t: Int, _ f: Double) -> Bool {
        var rule = meanRule
        rule.minimumHypodenseFraction = f
        return rule.call(r.asymmetry, hypodenseFraction: c.fractions[t][r.region.code],
                         mirrorHypodenseFraction: c.fractions[t][r.region.mirrorCode]).affected
    }

    static func figures(_ name: String, cases: [Case], called: (Case, RegionResult) -> Bool) -> RuleFigures {
        var falseCalls = 0, negatives = 0, freeWithCalls = 0, exact = 0
        var hits = [0, 0, 0], positives = [0, 0, 0]
        for c in cases {
            var any = false, wrong = false
            for r in c.regions {
                let call = called(c, r)
                any = any || call
                if c.lesions.contains(r.region.code) {
                    positives[c.kind.rawValue] += 1
                    if call { hits[c.kind.rawValue] += 1 } else { wrong = true }
                } else {
                    negatives += 1
                    if call { falseCalls += 1; wrong = true }
                }
            }
            if c.kind == .lesionFree && any { freeWithCalls += 1 }
            if !wrong { exact += 1 }
        }
        func rate(_ k: Kind) -> Double { positives[k.rawValue] == 0 ? .nan : Double(hits[k.rawValue]) / Double(positives[k.rawValue]) }
        return RuleFigures(rule: name, falsePositiveRate: Double(falseCalls) / Double(Swift.max(1, negatives)),
                           falsePositiveRegions: falseCalls, lesionFreeCasesWithCalls: freeWithCalls,
                           sensitivityWhole: rate(.whole), sensitivityPartial: rate(.partial), exactCases: exact)
    }

    /// Trains on `casesPerKind` cases of each kind and evaluates on as many independent ones.
    public static func run(casesPerKind: Int = 40, seed: UInt64 = 20_240_501, sigmaMM: Double = HypodensityMap.Options.calibrated.sigmaMM,
                           voxelThresholds: [Double] = [2, 2.5, 3, 3.5, 4, 5],
                           options: SyntheticBrainPhantom.Options = .init()) throws -> Result {
        guard casesPerKind > 0, !voxelThresholds.isEmpty else {
            throw ASPECTSError.invalidArgument("calibration needs at least one case per kind and one voxel threshold")
        }
        let training = try generateCases(casesPerKind: casesPerKind, seed: seed, thresholds: voxelThresholds, sigmaMM: sigmaMM, options: options)
        let candidates = try voxelThresholds.indices.map { t -> Candidate in
            let choice = try ThresholdCalibration.choose(samples(training, threshold: t), minimumZ: 0.5)
            // Largest fraction of an unlesioned region that the fraction rule alone would call.
            var worst = 0.0
            for c in training { for r in c.regions where !c.lesions.contains(r.region.code) && !r.affected {
                guard let f = c.fractions[t][r.region.code], let a = r.asymmetry else { continue }
                guard a.differenceHU < 0 && f > (c.fractions[t][r.region.mirrorCode] ?? 0) else { continue }
                worst = Swift.max(worst, f)
            } }
            let strict = Swift.min(1, (worst * 1000).rounded(.down) / 1000 + 0.001)
            var hits = 0, positives = 0
            for c in training { for r in c.regions where c.lesions.contains(r.region.code) {
                positives += 1
                if combinedCall(r, c, t, strict) { hits += 1 }
            } }
            return Candidate(voxelThresholdHU: voxelThresholds[t], minimumHypodenseFraction: Swift.min(1, choice.thresholdHU / 100),
                             expectedErrorsPerCase: choice.expectedErrorsPerCase, noExtraFalseCallFraction: strict,
                             noExtraFalseCallSensitivity: Double(hits) / Double(Swift.max(1, positives)))
        }
        let best = candidates[candidates.indices.min { candidates[$0].expectedErrorsPerCase < candidates[$1].expectedErrorsPerCase }!]
        let strictBest = candidates[candidates.indices.max { candidates[$0].noExtraFalseCallSensitivity < candidates[$1].noExtraFalseCallSensitivity }!]

        let thresholds = [best.voxelThresholdHU, strictBest.voxelThresholdHU]
        let evaluation = try generateCases(casesPerKind: casesPerKind, seed: seed &+ 1_000_003, thresholds: thresholds,
                                           sigmaMM: sigmaMM, options: options)
        let byMean = figures("mean", cases: evaluation) { _, r in r.affected }
        let byFraction = figures("fraction", cases: evaluation) { c, r in
            guard let f = c.fractions[0][r.region.code], let a = r.asymmetry else { return false }
            return f >= best.minimumHypodenseFraction && f > (c.fractions[0][r.region.mirrorCode] ?? 0) && a.differenceHU < 0
        }
        let both = figures("mean or fraction", cases: evaluation) { c, r in combinedCall(r, c, 0, best.minimumHypodenseFraction) }
        let strictBoth = figures("mean or fraction (strict)", cases: evaluation) { c, r in
            combinedCall(r, c, 1, strictBest.noExtraFalseCallFraction)
        }
        func isBetter(_ f: RuleFigures) -> Bool {
            f.falsePositiveRegions <= byMean.falsePositiveRegions && f.lesionFreeCasesWithCalls <= byMean.lesionFreeCasesWithCalls
                && f.sensitivityWhole >= byMean.sensitivityWhole && f.sensitivityPartial > byMean.sensitivityPartial
        }
        let better = [strictBoth, both].first(where: isBetter)?.rule
        return Result(sigmaMM: sigmaMM, voxelThresholdHU: best.voxelThresholdHU, minimumHypodenseFraction: best.minimumHypodenseFraction,
                      strictVoxelThresholdHU: strictBest.voxelThresholdHU,
                      strictMinimumHypodenseFraction: strictBest.noExtraFalseCallFraction,
                      candidates: candidates, evaluation: [byMean, byFraction, both, strictBoth], casesPerKind: casesPerKind,
                      seed: seed, betterRule: better)
    }
}
