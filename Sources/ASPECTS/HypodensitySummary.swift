import Foundation

/// The `hypodensity` object of `aspects.json` and the heat map's caption in report.html: what the
/// voxel-wise `HypodensityMap` found and with which parameters, so a reader can judge the evidence and
/// reproduce it. Per-region fractions sit in each region object (`hypodense_fraction`).
public struct HypodensitySummary: Encodable {
    public struct Volumes: Encodable { var right: Double; var left: Double }

    var hypodenseVolumeML: Volumes
    var thresholdHU: Double
    var sigmaMM: Double
    var tissueHU: [Double]
    var maskDilationMM: Double
    /// The fraction at which a region is called on its hypodense share; null when the score uses the mean rule only.
    var minimumHypodenseFraction: Nullable<Double>
    var midsagittalPoint: [Double]
    var midsagittalNormal: [Double]
    var file: String
    var description: String

    init(_ map: HypodensityMap, rule: EarlyIschemicChangeRule) {
        hypodenseVolumeML = Volumes(right: map.hypodenseVolumeML(.right), left: map.hypodenseVolumeML(.left))
        thresholdHU = map.options.thresholdHU
        sigmaMM = map.options.sigmaMM
        tissueHU = [map.options.tissueRange.lower, map.options.tissueRange.upper]
        maskDilationMM = map.options.maskDilationMM
        minimumHypodenseFraction = .init(rule.minimumHypodenseFraction)
        midsagittalPoint = [map.plane.point.x, map.plane.point.y, map.plane.point.z]
        midsagittalNormal = [map.plane.normal.x, map.plane.normal.y, map.plane.normal.z]
        file = "hypodensity.nii.gz"
        description = HypodensitySummary.describe(map.options)
    }

    static func describe(_ o: HypodensityMap.Options) -> String {
        String(format: "Voxel-wise hypodensity: for each tissue voxel (%.0f-%.0f HU, within the ASPECTS labels dilated by %.0f mm), the Gaussian-weighted (sigma %.1f mm) mean of the tissue on its own side of the midsagittal plane, subtracted from the same at the mirrored position; positive values only, in HU (on the CT grid; plane point and normal in LPS mm). Voxels at or above %.1f HU count as hypodense; volumes in mL per hemisphere, fractions of each region's tissue voxels.",
               o.tissueRange.lower, o.tissueRange.upper, o.maskDilationMM, o.sigmaMM, o.thresholdHU)
    }
}

extension ReportHTML {
    /// The figure caption's sentence about the heat map (empty without a map).
    static func heatCaption(_ result: ASPECTSResult) -> String {
        guard let map = result.hypodensity else { return "" }
        let t = map.options.thresholdHU
        return " Heat map: voxel-wise hypodensity, how much darker the tissue is than at the mirrored place in the other hemisphere (local means, sigma \(fmt(map.options.sigmaMM))&nbsp;mm), drawn where it reaches the hypodense threshold of \(fmt(t))&nbsp;HU, from yellow there to red at \(fmt(2 * t))&nbsp;HU and beyond. Hypodense volume: right \(fmt(map.hypodenseVolumeML(.right)))&nbsp;ml, left \(fmt(map.hypodenseVolumeML(.left)))&nbsp;ml."
    }
}
