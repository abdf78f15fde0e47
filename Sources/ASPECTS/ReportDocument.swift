import Foundation

/// The `aspects.json` schema. Keys are snake_case; measurements that do not exist (an empty region, a
/// comparison without tissue) are `null` rather than missing, so every region object has the same keys.
public struct ReportDocument: Encodable {
    public struct Scores: Encodable { public var right: Nullable<Int>; public var left: Nullable<Int> }
    public struct Rule: Encodable {
        var thresholdHU: Double
        var minimumZ: Double
        var nullSpreadHU: Double
        var minimumVoxels: Int
        var tissueHU: [Double]
        var description: String
    }
    public struct Tissue: Encodable {
        var labelVoxels: Int
        var volumeML: Double
        var tissueVoxels: Int
        var tissueVolumeML: Double
        var excludedFraction: Double
        var meanHU, medianHU, p10HU, p25HU, p75HU, p90HU, sdHU, minHU, maxHU: Nullable<Double>
        var lagCorrelation: [Double]
        var effectiveN: Double

        init(_ s: RegionStatistics) {
            let t = s.tissue
            labelVoxels = s.labelVoxels
            volumeML = s.volumeML
            tissueVoxels = t.count
            tissueVolumeML = s.tissueVolumeML
            excludedFraction = s.excludedFraction
            meanHU = .init(t.mean); medianHU = .init(t.median); p10HU = .init(t.p10); p25HU = .init(t.p25)
            p75HU = .init(t.p75); p90HU = .init(t.p90); sdHU = .init(t.standardDeviation)
            minHU = .init(t.minimum); maxHU = .init(t.maximum)
            lagCorrelation = s.effectiveSampleSize.lagCorrelation
            effectiveN = s.effectiveSampleSize.value
        }
    }
    public struct AsymmetryEntry: Encodable {
        var differenceHU, ratio, z, standardErrorHU: Nullable<Double>
    }
    public struct Descriptors: Encodable {
        var volumeML, surfaceAreaMM2, sphericity: Nullable<Double>
        var histogramMean, histogramVariance, skewness, excessKurtosis, entropyBits, uniformity: Nullable<Double>
        var glcmContrast, glcmHomogeneity: Nullable<Double>
        var glcmPairs: Int

        init(_ d: RegionDescriptors) {
            volumeML = .init(d.shape.volumeML); surfaceAreaMM2 = .init(d.shape.surfaceAreaMM2); sphericity = .init(d.shape.sphericity)
            histogramMean = .init(d.histogram.mean); histogramVariance = .init(d.histogram.variance)
            skewness = .init(d.histogram.skewness); excessKurtosis = .init(d.histogram.excessKurtosis)
            entropyBits = .init(d.histogram.entropyBits); uniformity = .init(d.histogram.uniformity)
            glcmContrast = .init(d.texture.contrast); glcmHomogeneity = .init(d.texture.homogeneity); glcmPairs = d.texture.pairs
        }
    }
    public struct Region: Encodable {
        var code: Int
        var name: String
        var fullName: String
        var side: String
        var mirrorCode: Int
        var level: String
        /// "scored" or "not_assessable"; `affected` is null for a region that is not assessable.
        var status: String
        var notAssessableReasons: [String]
        var affected: Nullable<Bool>
        /// Called on its hypodense fraction while its mean alone would not be.
        var byHypodenseFraction: Bool
        /// Called on its core (`RegionCore`) while its whole-region mean would not be.
        var byCore: Bool
        /// "anterior" or "posterior": called on that half (`RegionHalves`) alone.
        var byHalf: Nullable<String>
        var evaluable: Bool
        var confidence: Double
        var callConfidence: Double
        var segmentationProbability: Nullable<Double>
        var hypodensityHU: Nullable<Double>
        var marginHU: Nullable<Double>
        var stats: Tissue
        var mirror: Tissue
        var asymmetry: Nullable<AsymmetryEntry>
        var descriptors: Nullable<Descriptors>
        var hypodenseFraction: Nullable<Double>

        init(_ r: RegionResult, reasons: [String]) {
            code = r.region.code
            name = r.region.name
            fullName = r.region.fullName
            side = r.region.hemisphere.rawValue
            mirrorCode = r.region.mirrorCode
            level = (r.region.isSupraganglionic ? ReportLevel.supraganglionic : .ganglionic).rawValue
            status = reasons.isEmpty ? "scored" : "not_assessable"
            notAssessableReasons = reasons
            affected = Nullable(reasons.isEmpty ? r.affected : nil)
            byHypodenseFraction = r.call.byHypodenseFraction
            byCore = r.call.byCore
            byHalf = Nullable(r.call.byHalf)
            evaluable = r.call.evaluable
            confidence = r.confidence
            callConfidence = r.call.confidence
            segmentationProbability = .init(r.segmentationProbability)
            hypodensityHU = .init(r.call.hypodensityHU)
            marginHU = .init(r.call.marginHU)
            stats = Tissue(r.statistics)
            mirror = Tissue(r.mirrorStatistics)
            asymmetry = Nullable(r.asymmetry.map {
                AsymmetryEntry(differenceHU: .init($0.differenceHU), ratio: .init($0.ratio), z: .init($0.zScore),
                               standardErrorHU: .init($0.standardErrorHU))
            })
            descriptors = Nullable(r.descriptors.map(Descriptors.init))
            hypodenseFraction = .init(r.hypodenseFraction)
        }
    }

    // What every aspects.json holds, a refused scan's (`NotAssessableReport`) too.
    var software: String
    var note: String
    var inputs: [String: String]
    /// "scored", "partially_assessable" or "not_assessable"; with the reasons a reader can check.
    var status: String
    var notAssessableReasons: [String]
    var gates: [GateFinding]
    var aspects: Scores
    var score: Nullable<Int>
    // What only a measured scan has: nil leaves the key out of a refused scan's document.
    var warnings: [String]?
    var affectedSide: Nullable<String>?
    var affectedRegions: [String]?
    var levels: [String: Int]?
    var rule: Rule?
    var regions: [Region]?
    var hypodensity: Nullable<HypodensitySummary>?

    /// The document of a scan refused before any region was measured: no score, no regions.
    init(refused reasons: [GateFinding], inputs: [String: String], software: String) {
        self.software = software
        note = ASPECTSReport.disclaimer
        self.inputs = inputs
        status = AssessmentStatus.notAssessable.rawValue
        notAssessableReasons = reasons.map(\.message)
        gates = reasons
        aspects = Scores(right: Nullable(nil), left: Nullable(nil))
        score = Nullable(nil)
    }

    public init(result: ASPECTSResult, inputs: [String: String], levels: [String: Int], software: String) {
        self.software = software
        note = ASPECTSReport.disclaimer
        self.inputs = inputs
        status = result.status.rawValue
        notAssessableReasons = ReportDocument.reasons(result)
        warnings = result.assessment.warnings.map(\.message)
        gates = result.assessment.findings
        aspects = Scores(right: Nullable(result.score(.right)), left: Nullable(result.score(.left)))
        affectedSide = Nullable(result.affectedSide?.rawValue)
        score = Nullable(result.score)
        affectedRegions = Hemisphere.allCases.filter { result.score($0) != nil }
            .flatMap { result.affectedRegions($0) }.map(\.region.description)
        self.levels = levels
        rule = Rule(thresholdHU: result.rule.thresholdHU, minimumZ: result.rule.minimumZ, nullSpreadHU: result.rule.nullSpreadHU,
                    minimumVoxels: result.rule.minimumVoxels, tissueHU: [result.tissueRange.lower, result.tissueRange.upper],
                    description: ASPECTSReport.ruleDescription(result.rule))
        regions = result.regions.map { Region($0, reasons: result.notAssessableReasons($0.region.code)) }
        hypodensity = Nullable(result.hypodensity.map { HypodensitySummary($0, rule: result.rule) })
    }

    /// The reasons behind every hemisphere without a score (each gate message names what it concerns),
    /// whole-scan refusals first, without repeats.
    static func reasons(_ result: ASPECTSResult) -> [String] {
        var out = result.assessment.scanRefusals.map(\.message)
        for side in Hemisphere.allCases where result.score(side) == nil {
            for region in ASPECTSRegion.regions(of: side) { out += result.notAssessableReasons(region.code) }
        }
        var seen = Set<String>()
        return out.filter { seen.insert($0).inserted }
    }

    public func jsonData() throws -> Data {
        let e = JSONEncoder()
        e.keyEncodingStrategy = .convertToSnakeCase
        e.outputFormatting = [.prettyPrinted, .sortedKeys]
        return try e.encode(self)
    }
}

/// Encodes nil (and non-finite numbers) as JSON `null` instead of dropping the key.
public struct Nullable<T: Encodable>: Encodable {
    var value: T?

    init(_ value: T?) { self.value = value }

    public func encode(to encoder: Encoder) throws {
        var c = encoder.singleValueContainer()
        if let v = value { try c.encode(v) } else { try c.encodeNil() }
    }
}

extension Nullable where T == Double {
    init(_ value: Double?) { self.value = value.flatMap { $0.isFinite ? $0 : nil } }
}
