import Foundation

/// Decides whether a region shows early ischaemic change (EIC) from its asymmetry.
///
/// Rule: a region is affected when its tissue is darker than the same region in the other hemisphere by
/// at least `thresholdHU` (mean difference <= -threshold) *and* the difference is beyond noise
/// (z <= -minimumZ, z as in `Asymmetry`). Only the darker side of a pair can be called, so each pair
/// yields at most one affected region. Regions with fewer than `minimumVoxels` tissue voxels on either
/// side are not evaluable and count as unaffected. The threshold comes from `ThresholdCalibration`
/// (lesion-free phantoms against phantoms with 4-8 HU lesions); `nullSpreadHU`, the spread of
/// left-right differences in lesion-free brains found by the same calibration, scales the confidence.
///
/// The region cores (`Asymmetry.core`, `RegionCore`): a region is also affected when its core is darker
/// than its mirror's core by the same `thresholdHU` with the stronger significance `coreMinimumZ`. A
/// region found by registration or a network mixes its neighbours in at its border, which dilutes a
/// lesion's mean; the core is free of that, but smaller and chosen, so it must pass a stricter noise test.
///
/// The halves (`Asymmetry.halves`, `RegionHalves`): a region is also affected when its anterior or
/// posterior half is darker than the mirror's same half by `halfThresholdHU` with z <= -`halfMinimumZ`,
/// and the whole region is at least `halfMeanFloorHU` darker than its mirror. A lesion filling half a
/// region halves the region's mean difference; the half shows it whole. Halves are smaller and two per
/// region, so their threshold is higher than the region's (calibrated in docs/aspects.md, "Region halves").
///
/// Limitation: a comparison with the other side cannot see bilateral, symmetric change.
public struct EarlyIschemicChangeRule: Equatable, Sendable, Codable {
    public var thresholdHU: Double
    public var minimumZ: Double
    /// Significance a core comparison needs (z <= -coreMinimumZ); nil ignores the cores.
    public var coreMinimumZ: Double? = nil
    public var nullSpreadHU: Double
    public var minimumVoxels: Int
    /// When set, a region is also affected when at least this share (0-1) of its tissue voxels is
    /// hypodense in the `HypodensityMap`, more than in its mirror, and its mean is darker than its
    /// mirror's: a lesion filling part of a region then counts although the region mean dilutes it.
    /// Nil: the mean rule alone (see docs/aspects.md for the calibration that decided the default).
    public var minimumHypodenseFraction: Double?
    /// How much darker than its mirror (region means, HU) a region called on its hypodense fraction
    /// must be. On deformed real anatomy the mirrored voxel is not always the homologous one, and a
    /// cortical ribbon mirrored onto a sulcus looks "hypodense" voxel by voxel while the region means
    /// agree; a true lesion moves the mean too, if by less than the mean rule's threshold when it fills
    /// only part of the region.
    public var fractionMeanFloorHU: Double = 0
    /// How much darker than the mirror's same half (HU) a region's anterior or posterior half must be;
    /// nil ignores the halves.
    public var halfThresholdHU: Double? = nil
    /// Significance a half's comparison needs (z <= -halfMinimumZ).
    public var halfMinimumZ: Double = defaultCoreMinimumZ
    /// How much darker than its mirror (region means, HU) a region called on a half must be.
    public var halfMeanFloorHU: Double = 0

    public init(thresholdHU: Double, minimumZ: Double = defaultMinimumZ, nullSpreadHU: Double, minimumVoxels: Int = 10,
                minimumHypodenseFraction: Double? = nil, fractionMeanFloorHU: Double = 0, coreMinimumZ: Double? = nil,
                halfThresholdHU: Double? = nil, halfMinimumZ: Double = defaultCoreMinimumZ, halfMeanFloorHU: Double = 0) throws {
        if let t = halfThresholdHU, !(t.isFinite && t > 0) {
            throw ASPECTSError.invalidArgument("the half rule's threshold \(t) HU must be positive")
        }
        guard halfMinimumZ.isFinite, halfMinimumZ >= 0 else {
            throw ASPECTSError.invalidArgument("the half rule's minimum z \(halfMinimumZ) must be non-negative")
        }
        guard halfMeanFloorHU.isFinite, halfMeanFloorHU >= 0 else {
            throw ASPECTSError.invalidArgument("the half rule's mean floor \(halfMeanFloorHU) HU must be non-negative")
        }
        self.halfThresholdHU = halfThresholdHU
        self.halfMinimumZ = halfMinimumZ
        self.halfMeanFloorHU = halfMeanFloorHU
        if let z = coreMinimumZ, !(z.isFinite && z >= 0) {
            throw ASPECTSError.invalidArgument("the core rule's minimum z \(z) must be non-negative")
        }
        self.coreMinimumZ = coreMinimumZ
        guard thresholdHU.isFinite, thresholdHU > 0 else { throw ASPECTSError.invalidArgument("EIC threshold \(thresholdHU) HU must be positive") }
        guard minimumZ.isFinite, minimumZ >= 0 else { throw ASPECTSError.invalidArgument("minimum z \(minimumZ) must be non-negative") }
        guard nullSpreadHU.isFinite, nullSpreadHU > 0 else { throw ASPECTSError.invalidArgument("null spread \(nullSpreadHU) HU must be positive") }
        guard minimumVoxels >= 2 else { throw ASPECTSError.invalidArgument("minimum voxel count must be at least 2") }
        if let f = minimumHypodenseFraction, !(f.isFinite && f > 0 && f <= 1) {
            throw ASPECTSError.invalidArgument("minimum hypodense fraction \(f) must lie in (0, 1]")
        }
        self.minimumHypodenseFraction = minimumHypodenseFraction
        guard fractionMeanFloorHU.isFinite, fractionMeanFloorHU >= 0 else {
            throw ASPECTSError.invalidArgument("the fraction rule's mean floor \(fractionMeanFloorHU) HU must be non-negative")
        }
        self.fractionMeanFloorHU = fractionMeanFloorHU
        self.thresholdHU = thresholdHU
        self.minimumZ = minimumZ
        self.nullSpreadHU = nullSpreadHU
        self.minimumVoxels = minimumVoxels
    }

    /// The rule after its fields were changed one by one (as `score`'s options do), checked as the
    /// initialiser checks them; every field is carried, so a new one cannot be dropped on the way.
    public func validated() throws -> EarlyIschemicChangeRule {
        try EarlyIschemicChangeRule(thresholdHU: thresholdHU, minimumZ: minimumZ, nullSpreadHU: nullSpreadHU, minimumVoxels: minimumVoxels,
                                    minimumHypodenseFraction: minimumHypodenseFraction, fractionMeanFloorHU: fractionMeanFloorHU,
                                    coreMinimumZ: coreMinimumZ, halfThresholdHU: halfThresholdHU, halfMinimumZ: halfMinimumZ,
                                    halfMeanFloorHU: halfMeanFloorHU)
    }

    /// A weak noise gate: it only stops calls from regions too small or noisy to measure, because the
    /// left-right differences of healthy brains are anatomical, not noise, and the HU threshold handles them.
    public static let defaultMinimumZ = 1.5

    /// The rule as calibrated with `ThresholdCalibration.run()` (its default seed and case count);
    /// `deepstroke score --calibrate` prints the figures again. See docs/aspects.md.
    /// The region-mean part (threshold 2.55 HU, spread 0.91 HU) comes from the phantom calibration; the
    /// hypodense-fraction part (at least 35 % of the tissue hypodense, region at least 1 HU darker than
    /// its mirror) from template-made patients with whole and partial lesions and the real GE head
    /// (docs/aspects.md, "Scoring from the evidence"): it adds the partial lesions' regions there
    /// without adding a false call.
    /// The core part (same threshold, z <= -3) from phantoms with exact labels, where it can only add noise
    /// (false calls 3 instead of 1 of 1,120 healthy regions), and from pipeline runs on generated patients,
    /// where it found diluted lesions (docs/aspects.md, "The region core").
    /// The half part (3.5 HU, z <= -3, region at least 1 HU darker) from pipeline runs on 20 generated
    /// patients with both methods' labels: 1 HU beyond the darkest healthy half (2.5 HU of 726), it finds
    /// the half-filled lesions the region means dilute (docs/aspects.md, "Region halves").
    public static let calibrated = try! EarlyIschemicChangeRule(thresholdHU: 2.55, minimumZ: defaultMinimumZ, nullSpreadHU: 0.91,
                                                                minimumHypodenseFraction: 0.35, fractionMeanFloorHU: 1.0,
                                                                coreMinimumZ: defaultCoreMinimumZ,
                                                                halfThresholdHU: 3.5, halfMinimumZ: defaultCoreMinimumZ, halfMeanFloorHU: 1.0)

    public static let defaultCoreMinimumZ = 3.0

    /// The same thresholds on the region means alone (what `ThresholdCalibration` reproduces).
    public static let meanOnly = try! EarlyIschemicChangeRule(thresholdHU: 2.55, minimumZ: defaultMinimumZ, nullSpreadHU: 0.91)

    /// `hypodenseFraction` and its mirror's are used only when `minimumHypodenseFraction` is set.
    public func call(_ asymmetry: Asymmetry?, hypodenseFraction: Double? = nil, mirrorHypodenseFraction: Double? = nil) -> RegionCall {
        guard let a = asymmetry else {
            return RegionCall(affected: false, evaluable: false, hypodensityHU: .nan, marginHU: .nan, confidence: 0.5)
        }
        // The cores decide when they pass where the whole regions do not: the call then rests on them.
        var hypodensity = -a.differenceHU, standardError = a.standardErrorHU
        var significant = -a.zScore >= minimumZ
        var byCore = false
        if let z = coreMinimumZ, let c = a.core, !(hypodensity >= thresholdHU && significant),
           -c.differenceHU >= thresholdHU, -c.zScore >= z {
            hypodensity = -c.differenceHU
            standardError = c.standardErrorHU
            significant = true
            byCore = true
        }
        let margin = hypodensity - thresholdHU
        let darkEnough = margin >= 0
        let spread = (nullSpreadHU * nullSpreadHU + standardError * standardError).squareRoot()
        // Probability, under a normal model of the measured difference, that it lies on the called side
        // of the threshold. A dark-but-noisy region (HU passes, z fails) is a coin toss.
        let byMean = darkEnough && significant
        var byFraction = false
        if let minimum = minimumHypodenseFraction, let f = hypodenseFraction {
            byFraction = f >= minimum && f > (mirrorHypodenseFraction ?? 0) && a.differenceHU < 0 && -a.differenceHU >= fractionMeanFloorHU
        }
        // The darkest half that passes, when the region's own mean (or core) did not.
        var half: Int? = nil
        if let t = halfThresholdHU, !byMean, a.differenceHU < 0, -a.differenceHU >= halfMeanFloorHU {
            let passing = a.halves.indices.filter { h in
                a.halves[h].map { -$0.differenceHU >= t && -$0.zScore >= halfMinimumZ } ?? false
            }
            half = passing.min { a.halves[$0]!.differenceHU < a.halves[$1]!.differenceHU }
        }
        var confidence = darkEnough && !significant ? 0.5 : normalCDF(abs(margin) / spread)
        // Called on the fraction or a half alone: the mean model argues against the call, so its confidence
        // would mislead; say "undecided" rather than invent a probability the calibration did not measure.
        if (byFraction || half != nil) && !byMean { confidence = 0.5 }
        var call = RegionCall(affected: byMean || byFraction || half != nil, evaluable: true, hypodensityHU: hypodensity,
                              marginHU: margin, confidence: confidence)
        call.byHypodenseFraction = byFraction && !byMean
        call.byCore = byCore
        call.byHalf = byMean || byFraction ? nil : half.map { RegionHalves.names[$0] }
        return call
    }
}

/// One region's EIC decision.
public struct RegionCall: Equatable, Sendable {
    public let affected: Bool
    /// False when a side had too little tissue to compare.
    public let evaluable: Bool
    /// Mirror mean minus region mean (positive = darker than the other side), HU.
    public let hypodensityHU: Double
    /// Hypodensity minus the threshold: how far the region is from flipping its call, HU.
    public let marginHU: Double
    /// 0.5 (undecided) to 1 (certain) for the call made.
    public let confidence: Double
    /// True when the region is affected by its hypodense fraction only (the mean rule alone would not call it).
    public internal(set) var byHypodenseFraction = false
    /// True when the region is affected by its core's comparison (the whole region's mean did not pass).
    public internal(set) var byCore = false
    /// "anterior" or "posterior" when the region is affected by that half's comparison alone (neither its
    /// mean, its core nor its hypodense fraction called it).
    public internal(set) var byHalf: String? = nil
}

func normalCDF(_ x: Double) -> Double { 0.5 * erfc(-x / 2.0.squareRoot()) }
