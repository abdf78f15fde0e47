import Foundation

/// Learns the early-ischaemic-change threshold from generated patients.
///
/// Lesion-free cases and cases with a 4-8 HU lesion (`SyntheticBrainPhantom`) are scored without a
/// decision; every region pair yields one sample: lesioned regions are positives (their hypodensity and
/// z-score against the mirror), pairs without a lesion are negatives (measured on their darker side, as
/// the rule would see them). The threshold minimises the expected number of wrong region calls
/// (false plus missed regions, since either changes the score by one point), with each class's
/// distribution smoothed by a Gaussian kernel (Silverman's bandwidth, at least 0.1 HU) so the choice does
/// not hinge on the one or two samples nearest the boundary. Regions failing the z gate (`minimumZ`)
/// cannot be called, exactly as in use. `nullSpreadHU` is the root mean square hypodensity of the
/// negatives, which the rule uses to scale confidence.
public enum ThresholdCalibration {
    /// One region pair of one case.
    public struct Sample: Equatable, Sendable {
        /// Mirror mean minus region mean on the side examined (HU, positive = darker).
        public var hypodensityHU: Double
        /// -z of that side (positive = darker beyond noise).
        public var zScore: Double
        public var lesioned: Bool
        public var caseIndex: Int

        public init(hypodensityHU: Double, zScore: Double, lesioned: Bool, caseIndex: Int) {
            self.hypodensityHU = hypodensityHU
            self.zScore = zScore
            self.lesioned = lesioned
            self.caseIndex = caseIndex
        }
    }

    public struct Choice: Equatable, Sendable {
        public var thresholdHU: Double
        /// Smoothed expected wrong region calls per case at the threshold.
        public var expectedErrorsPerCase: Double
        /// Cases whose affected regions all come out right at the threshold (unsmoothed count).
        public var exactCases: Int
        public var sensitivity: Double
        public var specificity: Double
    }

    public struct Result: Equatable, Sendable, Codable {
        public var thresholdHU: Double
        public var expectedErrorsPerCase: Double
        public var minimumZ: Double
        public var nullSpreadHU: Double
        /// Cases whose affected regions all came out right at the chosen threshold.
        public var exactCases: Int
        public var cases: Int
        public var sensitivity: Double
        public var specificity: Double
        public var positives: Int
        public var negatives: Int
        public var seed: UInt64

        public func rule() throws -> EarlyIschemicChangeRule {
            try EarlyIschemicChangeRule(thresholdHU: thresholdHU, minimumZ: minimumZ, nullSpreadHU: nullSpreadHU)
        }
    }

    /// Samples from `cases` lesion-free and `cases` lesion phantoms (seeds derived from `seed`).
    public static func samples(cases: Int, seed: UInt64, options: SyntheticBrainPhantom.Options = .init()) throws -> [Sample] {
        guard cases > 0 else { throw ASPECTSError.invalidArgument("calibration needs at least one case") }
        var out: [Sample] = []
        // Whole regions: a phantom's labels are exact, and the threshold is that of the mean rule on exact
        // regions. Region cores (`RegionCore`) remedy label error, which phantoms do not have; their effect
        // on false calls was measured on pipeline runs instead (docs/aspects.md, "The region core").
        let scorer = ASPECTSScorer(computeDescriptors: false, hypodensity: nil, coreMarginMM: nil)
        for n in 0..<(2 * cases) {
            let phantom = SyntheticBrainPhantom.generate(seed: seed &+ UInt64(n) &* 7919, lesion: n % 2 == 1, options: options)
            let result = try scorer.score(ct: phantom.ct, labels: phantom.labels)
            let lesions = Set(phantom.truth.lesionCodes)
            for r in result.regions where r.region.hemisphere == .right {
                guard let a = r.asymmetry else { continue }
                if lesions.contains(r.region.code) {
                    out.append(Sample(hypodensityHU: -a.differenceHU, zScore: -a.zScore, lesioned: true, caseIndex: n))
                } else if lesions.contains(r.region.mirrorCode) {
                    out.append(Sample(hypodensityHU: a.differenceHU, zScore: a.zScore, lesioned: true, caseIndex: n))
                } else {
                    out.append(Sample(hypodensityHU: abs(a.differenceHU), zScore: abs(a.zScore), lesioned: false, caseIndex: n))
                }
            }
        }
        return out
    }

    /// The threshold with the fewest expected wrong region calls (see the type's documentation).
    public static func choose(_ samples: [Sample], minimumZ: Double) throws -> Choice {
        let positives = samples.filter(\.lesioned), negatives = samples.filter { !$0.lesioned }
        guard !positives.isEmpty, !negatives.isEmpty else {
            throw ASPECTSError.invalidArgument("calibration needs both lesioned and lesion-free regions")
        }
        func bandwidth(_ xs: [Double]) -> Double {
            let m = xs.reduce(0, +) / Double(xs.count)
            let sd = (xs.reduce(0) { $0 + ($1 - m) * ($1 - m) } / Double(Swift.max(1, xs.count - 1))).squareRoot()
            return Swift.max(0.1, 1.06 * sd * pow(Double(xs.count), -0.2))
        }
        let callablePos = positives.filter { $0.zScore >= minimumZ }.map(\.hypodensityHU)
        let callableNeg = negatives.filter { $0.zScore >= minimumZ }.map(\.hypodensityHU)
        let bwPos = callablePos.isEmpty ? 0.1 : bandwidth(callablePos), bwNeg = callableNeg.isEmpty ? 0.1 : bandwidth(callableNeg)
        let alwaysMissed = Double(positives.count - callablePos.count)
        func expectedErrors(_ t: Double) -> Double {
            var e = alwaysMissed
            for x in callablePos { e += normalCDF((t - x) / bwPos) }
            for x in callableNeg { e += 1 - normalCDF((t - x) / bwNeg) }
            return e
        }
        // Scan a 0.01 HU grid; when the minimum is a plateau (well-separated classes), take its middle.
        let top = samples.map(\.hypodensityHU).max()! + 3 * Swift.max(bwPos, bwNeg)
        let grid = Array(stride(from: 0.05, through: Swift.max(0.05, top), by: 0.01))
        let errors = grid.map(expectedErrors)
        let minimum = errors.min()!
        let tolerance = 1e-9 * Double(samples.count)
        let first = errors.firstIndex { $0 <= minimum + tolerance }!
        var last = first
        while last + 1 < grid.count && errors[last + 1] <= minimum + tolerance { last += 1 }
        let best = (t: (grid[first] + grid[last]) / 2, e: minimum)
        let cases = Set(samples.map(\.caseIndex)).count
        func called(_ s: Sample) -> Bool { s.hypodensityHU >= best.t && s.zScore >= minimumZ }
        let exact = Dictionary(grouping: samples, by: \.caseIndex).values.filter { $0.allSatisfy { called($0) == $0.lesioned } }.count
        return Choice(thresholdHU: best.t, expectedErrorsPerCase: best.e / Double(cases), exactCases: exact,
                      sensitivity: Double(positives.filter(called).count) / Double(positives.count),
                      specificity: Double(negatives.filter { !called($0) }.count) / Double(negatives.count))
    }

    /// Full calibration: generate, measure, choose. The default arguments produced `EarlyIschemicChangeRule.calibrated`.
    public static func run(cases: Int = 40, seed: UInt64 = 20_240_501, minimumZ: Double = EarlyIschemicChangeRule.defaultMinimumZ,
                           options: SyntheticBrainPhantom.Options = .init()) throws -> Result {
        let s = try samples(cases: cases, seed: seed, options: options)
        let c = try choose(s, minimumZ: minimumZ)
        let negatives = s.filter { !$0.lesioned }
        let rms = (negatives.reduce(0) { $0 + $1.hypodensityHU * $1.hypodensityHU } / Double(negatives.count)).squareRoot()
        return Result(thresholdHU: c.thresholdHU, expectedErrorsPerCase: c.expectedErrorsPerCase, minimumZ: minimumZ,
                      nullSpreadHU: rms, exactCases: c.exactCases, cases: 2 * cases, sensitivity: c.sensitivity,
                      specificity: c.specificity, positives: s.count - negatives.count, negatives: negatives.count, seed: seed)
    }
}
