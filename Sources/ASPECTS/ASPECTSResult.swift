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

/// A scored scan: per-region results, what the quality gates decided, and per-hemisphere ASPECTS.
public struct ASPECTSResult: Equatable, Sendable {
    /// The 20 regions in code order (right C ... M6, then left).
    public internal(set) var regions: [RegionResult]
    public let rule: EarlyIschemicChangeRule
    public let tissueRange: HURange
    /// The quality gates' findings (none: every region assessable as far as the scorer can tell).
    public var assessment: Assessment
    /// The voxel-wise evidence the regions' hypodense fractions come from (nil when not computed).
    public internal(set) var hypodensity: HypodensityMap? = nil

    public init(regions: [RegionResult], rule: EarlyIschemicChangeRule, tissueRange: HURange, assessment: Assessment = Assessment()) {
        self.regions = regions
        self.rule = rule
        self.tissueRange = tissueRange
        self.assessment = assessment
    }

    public func result(for code: Int) -> RegionResult? { regions.first { $0.region.code == code } }

    /// Why region `code` cannot be scored; empty when it can. A region whose left-right comparison
    /// could not be made (too little tissue on a side) is not assessable either.
    public func notAssessableReasons(_ code: Int) -> [String] {
        var reasons = assessment.refusals(for: code).map(\.message)
        if let r = result(for: code), !r.call.evaluable {
            reasons.append("too little brain tissue in \(r.region.description) or its mirror region to compare (fewer than \(rule.minimumVoxels) voxels of \(Int(tissueRange.lower))-\(Int(tissueRange.upper)) HU)")
        }
        return reasons
    }

    public func isAssessable(_ code: Int) -> Bool { notAssessableReasons(code).isEmpty }

    /// Affected regions among the assessable ones of a hemisphere.
    public func affectedRegions(_ side: Hemisphere) -> [RegionResult] {
        regions.filter { $0.region.hemisphere == side && $0.affected && isAssessable($0.region.code) }
    }

    /// ASPECTS of one hemisphere, 10 minus its affected regions; nil unless all ten regions are
    /// assessable (a region that cannot be judged is not "unaffected").
    public func score(_ side: Hemisphere) -> Int? {
        guard ASPECTSRegion.regions(of: side).allSatisfy({ isAssessable($0.code) }) else { return nil }
        return 10 - affectedRegions(side).count
    }

    public var status: AssessmentStatus {
        switch (score(.right), score(.left)) {
        case (.some, .some): return .scored
        case (nil, nil): return .notAssessable
        default: return .partial
        }
    }

    /// The hemisphere with more affected regions (ties: the larger summed hypodensity); nil when none
    /// is, or when a hemisphere has no score (then which side is worse is not known).
    public var affectedSide: Hemisphere? {
        guard status == .scored else { return nil }
        let r = affectedRegions(.right), l = affectedRegions(.left)
        if r.isEmpty && l.isEmpty { return nil }
        if r.count != l.count { return r.count > l.count ? .right : .left }
        let hr = r.reduce(0) { $0 + $1.call.hypodensityHU }, hl = l.reduce(0) { $0 + $1.call.hypodensityHU }
        return hr >= hl ? .right : .left
    }

    /// The score of the affected hemisphere, 10 when no region is affected; nil unless both
    /// hemispheres are scored.
    public var score: Int? {
        guard status == .scored else { return nil }
        return affectedSide.flatMap(score) ?? 10
    }
}
