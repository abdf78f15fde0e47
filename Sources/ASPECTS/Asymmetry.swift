/// How a region compares with the same region in the other hemisphere.
///
/// `differenceHU` is the region's mean tissue HU minus its mirror's: negative means the region is darker
/// (hypodense), the sign of early ischaemic oedema. The z-score divides it by the standard error of a
/// difference of two means, each using its region's own voxel noise and effective sample size:
/// z = d / sqrt(sd_a^2 / n_eff_a + sd_b^2 / n_eff_b).
public struct Asymmetry: Equatable, Sendable {
    public let differenceHU: Double
    /// Region mean over mirror mean.
    public let ratio: Double
    public let standardErrorHU: Double
    public let zScore: Double

    /// Nil when either side has fewer than `minimumVoxels` tissue voxels: no meaningful comparison.
    public init?(region a: RegionStatistics, mirror b: RegionStatistics, minimumVoxels: Int = 10) {
        guard a.tissue.count >= Swift.max(2, minimumVoxels), b.tissue.count >= Swift.max(2, minimumVoxels) else { return nil }
        differenceHU = a.tissue.mean - b.tissue.mean
        ratio = b.tissue.mean != 0 ? a.tissue.mean / b.tissue.mean : .nan
        let va = a.tissue.standardDeviation * a.tissue.standardDeviation / a.effectiveSampleSize.value
        let vb = b.tissue.standardDeviation * b.tissue.standardDeviation / b.effectiveSampleSize.value
        standardErrorHU = (va + vb).squareRoot()
        zScore = standardErrorHU > 0 ? differenceHU / standardErrorHU : (differenceHU == 0 ? 0 : (differenceHU < 0 ? -.infinity : .infinity))
    }
}
