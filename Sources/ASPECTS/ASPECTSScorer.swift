import ImageCore

/// Scores ASPECTS from a CT in Hounsfield units and a 20-label ASPECTS map on the same grid.
///
/// Steps: gather each region's voxels; keep tissue within `tissueRange`; summarise HU per region; compare
/// each region with its mirror (`Asymmetry`); apply `rule`; count affected regions per hemisphere.
/// Descriptors (shape, histogram, texture) are optional because they are for research tables, not the score.
public struct ASPECTSScorer: Sendable {
    public var rule: EarlyIschemicChangeRule
    public var tissueRange: HURange
    public var computeDescriptors: Bool
    public var histogramBinWidth: Double
    public var glcmLevels: Int
    /// Options of the voxel-wise `HypodensityMap` (nil: no map, no hypodense fractions). Its tissue range
    /// is replaced by `tissueRange` so the fractions count the same voxels as the region statistics.
    public var hypodensity: HypodensityMap.Options?
    /// Margin of the region cores that `Asymmetry` compares (`RegionCore`), mm; nil compares whole regions.
    public var coreMarginMM: Double?

    /// 1.5 mm: measured on generated patients (docs/aspects.md, "The region core").
    public static let defaultCoreMarginMM = 1.5

    public init(rule: EarlyIschemicChangeRule = .calibrated, tissueRange: HURange = .tissue,
                computeDescriptors: Bool = true, histogramBinWidth: Double = 2.5, glcmLevels: Int = 16,
                hypodensity: HypodensityMap.Options? = .calibrated, coreMarginMM: Double? = defaultCoreMarginMM) {
        self.coreMarginMM = coreMarginMM
        self.rule = rule
        self.tissueRange = tissueRange
        self.computeDescriptors = computeDescriptors
        self.histogramBinWidth = histogramBinWidth
        self.glcmLevels = glcmLevels
        self.hypodensity = hypodensity
    }

    /// `probabilities`, when given, is the segmentation's softmax output on the same grid: 11 components
    /// (background + 10 side-less regions, see `ASPECTSRegion.classIndex`) or 21 (background + 20 labels).
    public func score(ct: Volume<Float>, labels: Volume<UInt8>, probabilities: Volume<Float>? = nil) throws -> ASPECTSResult {
        guard ct.components == 1, labels.components == 1 else {
            throw ASPECTSError.invalidArgument("the CT and the label map must be scalar images")
        }
        guard ct.geometry.isClose(to: labels.geometry, tolerance: 1e-3) else {
            throw ASPECTSError.gridMismatch("CT grid \(ct.size) and label grid \(labels.size) differ in size or position; resample the labels onto the CT first")
        }
        if let p = probabilities {
            guard p.geometry.isClose(to: ct.geometry, tolerance: 1e-3) else {
                throw ASPECTSError.gridMismatch("the probability map is not on the CT grid")
            }
            guard p.components == 11 || p.components == 21 else {
                throw ASPECTSError.invalidArgument("the probability map has \(p.components) components; expected 11 or 21")
            }
        }
        let voxels = RegionVoxels(ct: ct, labels: labels, range: tissueRange, coreMarginMM: coreMarginMM)
        guard (1...20).contains(where: { !voxels.members[$0].isEmpty }) else {
            throw ASPECTSError.noRegions("the label map contains no voxel labelled 1-20")
        }

        var stats = [RegionStatistics?](repeating: nil, count: 21)
        var descriptors = [RegionDescriptors?](repeating: nil, count: 21)
        let neighbourhood = GLCMDescriptors.Neighbourhood.suited(to: ct.geometry.spacing)
        // Regions are independent: measure them in parallel (two per core keeps the load even).
        stats.withUnsafeMutableBufferPointer { sbuf in
            descriptors.withUnsafeMutableBufferPointer { dbuf in
                let s = sbuf, d = dbuf
                parallelFor(20) { idx in
                    let region = ASPECTSRegion.all[idx]
                    s[region.code] = RegionStatistics.measure(region, in: voxels, ct: ct)
                    if computeDescriptors {
                        d[region.code] = describe(region, voxels: voxels, ct: ct, labels: labels, neighbourhood: neighbourhood)
                    }
                }
            }
        }

        // Voxel-wise evidence. A label map with one hemisphere only has no midline: no map then, as the
        // regions are not evaluable either.
        let map: HypodensityMap? = try hypodensity.flatMap { o in
            var options = o
            options.tissueRange = tissueRange
            do { return try HypodensityMap(ct: ct, labels: labels, options: options) } catch ASPECTSError.noRegions { return nil }
        }

        let results: [RegionResult] = ASPECTSRegion.all.map { region in
            let own = stats[region.code]!, mirror = stats[region.mirrorCode]!
            let asym = Asymmetry(region: own, mirror: mirror, minimumVoxels: rule.minimumVoxels)
            let fraction = map?.hypodenseFraction(of: region.code)
            let call = rule.call(asym, hypodenseFraction: fraction, mirrorHypodenseFraction: map?.hypodenseFraction(of: region.mirrorCode))
            let prob = probabilities.map { meanProbability($0, region: region, voxels: voxels.members[region.code]) }
            let p = prob ?? nil
            var r = RegionResult(region: region, statistics: own, mirrorStatistics: mirror, asymmetry: asym, call: call,
                                 segmentationProbability: p, confidence: call.confidence * (p ?? 1),
                                 descriptors: descriptors[region.code])
            r.hypodenseFraction = fraction
            return r
        }
        var result = ASPECTSResult(regions: results, rule: rule, tissueRange: tissueRange)
        result.hypodensity = map
        return result
    }

    func describe(_ region: ASPECTSRegion, voxels: RegionVoxels, ct: Volume<Float>, labels: Volume<UInt8>,
                  neighbourhood: GLCMDescriptors.Neighbourhood) -> RegionDescriptors {
        let members = voxels.members[region.code]
        let label = UInt8(region.code)
        return RegionDescriptors(
            shape: ShapeDescriptors.measure(labels: labels, label: label, voxels: members),
            histogram: HistogramDescriptors(values: voxels.tissue[region.code].map { ct.data[$0] }, range: tissueRange,
                                            binWidth: histogramBinWidth),
            texture: GLCMDescriptors.measure(ct: ct, labels: labels, label: label, range: tissueRange, levels: glcmLevels,
                                             neighbourhood: neighbourhood, voxels: members))
    }

    func meanProbability(_ p: Volume<Float>, region: ASPECTSRegion, voxels: [Int]) -> Double? {
        guard !voxels.isEmpty else { return nil }
        let c = p.components == 11 ? region.classIndex : region.code
        let base = c * p.voxelCount
        var sum = 0.0
        for n in voxels { sum += Double(p.data[base + n]) }
        return sum / Double(voxels.count)
    }
}
