/// Everything the scorer found for one region.
public struct RegionResult: Equatable, Sendable {
    public let region: ASPECTSRegion
    public let statistics: RegionStatistics
    public let mirrorStatistics: RegionStatistics
    /// Nil when either side has too little tissue to compare.
    public let asymmetry: Asymmetry?
    public let call: RegionCall
    /// Mean softmax probability of the region's class over its voxels (U-Net path only).
    public let segmentationProbability: Double?
    /// Confidence in the call: the call's own confidence, times the segmentation probability when known
    /// (the call can only be right if the region is where the label map says).
    public let confidence: Double
    public let descriptors: RegionDescriptors?
    /// Share (0-1) of the region's tissue voxels that are hypodense in the `HypodensityMap`; nil without a map.
    public internal(set) var hypodenseFraction: Double? = nil

    public var affected: Bool { call.affected }
}

/// A scored scan: per-region results and per-hemisphere ASPECTS.
public struct ASPECTSResult: Equatable, Sendable {
    /// The 20 regions in code order (right C ... M6, then left).
    public internal(set) var regions: [RegionResult]
    public let rule: EarlyIschemicChangeRule
    public let tissueRange: HURange
    /// The voxel-wise evidence the regions' hypodense fractions come from (nil when not computed).
    public internal(set) var hypodensity: HypodensityMap? = nil

    public init(regions: [RegionResult], rule: EarlyIschemicChangeRule, tissueRange: HURange) {
        self.regions = regions
        self.rule = rule
        self.tissueRange = tissueRange
    }

    public func result(for code: Int) -> RegionResult? { regions.first { $0.region.code == code } }

    public func affectedRegions(_ side: Hemisphere) -> [RegionResult] {
        regions.filter { $0.region.hemisphere == side && $0.affected }
    }

    /// ASPECTS of one hemisphere: 10 minus its affected regions.
    public func score(_ side: Hemisphere) -> Int { 10 - affectedRegions(side).count }

    /// The hemisphere with more affected regions (ties: the larger summed hypodensity); nil when none is.
    public var affectedSide: Hemisphere? {
        let r = affectedRegions(.right), l = affectedRegions(.left)
        if r.isEmpty && l.isEmpty { return nil }
        if r.count != l.count { return r.count > l.count ? .right : .left }
        let hr = r.reduce(0) { $0 + $1.call.hypodensityHU }, hl = l.reduce(0) { $0 + $1.call.hypodensityHU }
        return hr >= hl ? .right : .left
    }

    /// The score of the affected hemisphere, 10 when no region is affected.
    public var score: Int { affectedSide.map(score) ?? 10 }
}
