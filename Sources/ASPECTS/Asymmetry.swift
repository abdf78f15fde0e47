/// How a region compares with the same region in the other hemisphere.
///
/// `differenceHU` is the region's mean tissue HU minus its mirror's: negative means the region is darker
/// (hypodense), the sign of early ischaemic oedema. The z-score divides it by the standard error of a
/// difference of two means, each using its region's own voxel noise and effective sample size:
/// z = d / sqrt(sd_a^2 / n_eff_a + sd_b^2 / n_eff_b).
///
/// `core` is the same comparison between the regions' cores (`RegionCore`), made when both sides have a
/// core of at least `minimumCoreShare` of their tissue and `minimumCoreVoxels` voxels; a core's effective
/// sample size is its region's scaled by the core's share of the tissue.
///
/// `halves` compares the regions' anterior halves and their posterior halves (`RegionHalves`), each when
/// both sides' halves have `minimumCoreVoxels`, with the effective sample size scaled the same way.
public struct Asymmetry: Equatable, Sendable {
    /// One comparison of two means.
    public struct Comparison: Equatable, Sendable {
        public let differenceHU: Double
        public let standardErrorHU: Double
        public let zScore: Double

        init(_ a: IntensityStatistics, _ b: IntensityStatistics, effectiveA: Double, effectiveB: Double) {
            differenceHU = a.mean - b.mean
            let va = a.standardDeviation * a.standardDeviation / Swift.max(1, effectiveA)
            let vb = b.standardDeviation * b.standardDeviation / Swift.max(1, effectiveB)
            standardErrorHU = (va + vb).squareRoot()
            zScore = standardErrorHU > 0 ? differenceHU / standardErrorHU
                : (differenceHU == 0 ? 0 : (differenceHU < 0 ? -.infinity : .infinity))
        }
    }

    public let differenceHU: Double
    /// Region mean over mirror mean.
    public let ratio: Double
    public let standardErrorHU: Double
    public let zScore: Double
    /// The cores' comparison, nil when either side has no core big enough.
    public let core: Comparison?
    /// [anterior, posterior] halves' comparisons, each nil when either side's half is too small.
    public let halves: [Comparison?]

    public static let minimumCoreShare = 0.1
    public static let minimumCoreVoxels = 50

    /// Nil when either side has fewer than `minimumVoxels` tissue voxels: no meaningful comparison.
    public init?(region a: RegionStatistics, mirror b: RegionStatistics, minimumVoxels: Int = 10) {
        guard a.tissue.count >= Swift.max(2, minimumVoxels), b.tissue.count >= Swift.max(2, minimumVoxels) else { return nil }
        let whole = Comparison(a.tissue, b.tissue, effectiveA: a.effectiveSampleSize.value, effectiveB: b.effectiveSampleSize.value)
        differenceHU = whole.differenceHU
        standardErrorHU = whole.standardErrorHU
        zScore = whole.zScore
        ratio = b.tissue.mean != 0 ? a.tissue.mean / b.tissue.mean : .nan
        func usableCore(_ s: RegionStatistics) -> IntensityStatistics? {
            guard let c = s.core, c.count >= Self.minimumCoreVoxels,
                  Double(c.count) >= Self.minimumCoreShare * Double(s.tissue.count) else { return nil }
            return c
        }
        if let ca = usableCore(a), let cb = usableCore(b) {
            core = Self.compareParts(ca, of: a, cb, of: b)
        } else {
            core = nil
        }
        halves = (0..<2).map { h -> Comparison? in
            guard a.halves.count == 2, b.halves.count == 2, a.halves[h].count >= Self.minimumCoreVoxels,
                  b.halves[h].count >= Self.minimumCoreVoxels else { return nil }
            return Self.compareParts(a.halves[h], of: a, b.halves[h], of: b)
        }
    }

    /// Two parts of the regions (cores, halves) compared: a part holding a share s of its region's tissue
    /// is worth s of the region's effective samples.
    static func compareParts(_ pa: IntensityStatistics, of a: RegionStatistics, _ pb: IntensityStatistics,
                             of b: RegionStatistics) -> Comparison {
        Comparison(pa, pb, effectiveA: a.effectiveSampleSize.value * Double(pa.count) / Double(a.tissue.count),
                   effectiveB: b.effectiveSampleSize.value * Double(pb.count) / Double(b.tissue.count))
    }
}
