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
/// Limitation: a comparison with the other side cannot see bilateral, symmetric change.
public struct EarlyIschemicChangeRule: Equatable, Sendable, Codable {
    public var thresholdHU: Double
    public var minimumZ: Double
    public var nullSpreadHU: Double
    public var minimumVoxels: Int

    public init(thresholdHU: Double, minimumZ: Double = defaultMinimumZ, nullSpreadHU: Double, minimumVoxels: Int = 10) throws {
        guard thresholdHU.isFinite, thresholdHU > 0 else { throw ASPECTSError.invalidArgument("EIC threshold \(thresholdHU) HU must be positive") }
        guard minimumZ.isFinite, minimumZ >= 0 else { throw ASPECTSError.invalidArgument("minimum z \(minimumZ) must be non-negative") }
        guard nullSpreadHU.isFinite, nullSpreadHU > 0 else { throw ASPECTSError.invalidArgument("null spread \(nullSpreadHU) HU must be positive") }
        guard minimumVoxels >= 2 else { throw ASPECTSError.invalidArgument("minimum voxel count must be at least 2") }
        self.thresholdHU = thresholdHU
        self.minimumZ = minimumZ
        self.nullSpreadHU = nullSpreadHU
        self.minimumVoxels = minimumVoxels
    }

    /// A weak noise gate: it only stops calls from regions too small or noisy to measure, because the
    /// left-right differences of healthy brains are anatomical, not noise, and the HU threshold handles them.
    public static let defaultMinimumZ = 1.5

    /// The rule as calibrated with `ThresholdCalibration.run()` (its default seed and case count);
    /// `deepstroke score --calibrate` prints the figures again. See docs/aspects.md.
    public static let calibrated = try! EarlyIschemicChangeRule(thresholdHU: 2.55, minimumZ: defaultMinimumZ, nullSpreadHU: 0.91)

    public func call(_ asymmetry: Asymmetry?) -> RegionCall {
        guard let a = asymmetry else {
            return RegionCall(affected: false, evaluable: false, hypodensityHU: .nan, marginHU: .nan, confidence: 0.5)
        }
        let hypodensity = -a.differenceHU
        let margin = hypodensity - thresholdHU
        let darkEnough = margin >= 0
        let significant = -a.zScore >= minimumZ
        let spread = (nullSpreadHU * nullSpreadHU + a.standardErrorHU * a.standardErrorHU).squareRoot()
        // Probability, under a normal model of the measured difference, that it lies on the called side
        // of the threshold. A dark-but-noisy region (HU passes, z fails) is a coin toss.
        let confidence = darkEnough && !significant ? 0.5 : normalCDF(abs(margin) / spread)
        return RegionCall(affected: darkEnough && significant, evaluable: true, hypodensityHU: hypodensity,
                          marginHU: margin, confidence: confidence)
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
}

func normalCDF(_ x: Double) -> Double { 0.5 * erfc(-x / 2.0.squareRoot()) }
