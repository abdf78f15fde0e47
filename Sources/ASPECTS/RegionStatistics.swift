import ImageCore

/// What one ASPECTS region contains: its size, and the HU distribution of its brain tissue (voxels
/// inside the tissue HU range), with the effective sample size that the asymmetry z-score needs.
public struct RegionStatistics: Equatable, Sendable {
    public let region: ASPECTSRegion
    /// All voxels carrying the region's label.
    public let labelVoxels: Int
    /// Volume of the labelled region, millilitres.
    public let volumeML: Double
    /// HU statistics of the tissue voxels.
    public let tissue: IntensityStatistics
    /// Volume of the tissue voxels, millilitres.
    public let tissueVolumeML: Double
    public let effectiveSampleSize: EffectiveSampleSize
    /// HU statistics of the tissue voxels of the region's core (`RegionCore`), nil when the scorer
    /// measures whole regions only.
    public var core: IntensityStatistics? = nil
    /// HU statistics of the tissue of the region's anterior and posterior halves (`RegionHalves`).
    public var halves: [IntensityStatistics] = []

    /// Share of labelled voxels left out as CSF, calcification or blood (0 when the region is empty).
    public var excludedFraction: Double {
        labelVoxels == 0 ? 0 : Double(labelVoxels - tissue.count) / Double(labelVoxels)
    }

    static func measure(_ region: ASPECTSRegion, in regions: RegionVoxels, ct: Volume<Float>) -> RegionStatistics {
        let voxelML = regions.geometry.spacing.x * regions.geometry.spacing.y * regions.geometry.spacing.z / 1000
        let values = regions.tissue[region.code].map { ct.data[$0] }
        let stats = IntensityStatistics(values: values)
        let neff = EffectiveSampleSize.estimate(code: region.code, in: regions, hu: ct.data, mean: stats.mean)
        var out = RegionStatistics(region: region, labelVoxels: regions.members[region.code].count,
                                   volumeML: Double(regions.members[region.code].count) * voxelML,
                                   tissue: stats, tissueVolumeML: Double(values.count) * voxelML,
                                   effectiveSampleSize: neff)
        if !regions.core[region.code].isEmpty {
            out.core = IntensityStatistics(values: regions.core[region.code].map { ct.data[$0] })
        }
        out.halves = regions.halves[region.code].map { h in IntensityStatistics(values: h.map { ct.data[$0] }) }
        return out
    }
}
