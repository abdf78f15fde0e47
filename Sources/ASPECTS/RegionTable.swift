import Foundation

/// `regions.csv`: one row per region with its call, tissue statistics, asymmetry and descriptors, for
/// researchers who want more than the score. Empty cells mean "not measurable" (no tissue, no mirror).
public enum RegionTable {
    public static let columns = [
        "code", "name", "side", "affected", "evaluable", "confidence", "call_confidence", "segmentation_probability",
        "hypodensity_hu", "margin_hu", "label_voxels", "volume_ml", "tissue_voxels", "tissue_volume_ml", "excluded_fraction",
        "mean_hu", "median_hu", "p10_hu", "p25_hu", "p75_hu", "p90_hu", "sd_hu", "min_hu", "max_hu", "effective_n",
        "mirror_mean_hu", "mirror_median_hu", "mirror_sd_hu", "difference_hu", "ratio", "z", "standard_error_hu",
        "surface_area_mm2", "sphericity", "histogram_variance", "skewness", "excess_kurtosis", "entropy_bits", "uniformity",
        "glcm_contrast", "glcm_homogeneity", "hypodense_fraction", "core_voxels", "core_mean_hu", "core_difference_hu", "core_z",
        "anterior_half_difference_hu", "anterior_half_z", "posterior_half_difference_hu", "posterior_half_z", "called_by_half",
    ]

    public static func csv(_ result: ASPECTSResult) -> String {
        var lines = [columns.joined(separator: ",")]
        for r in result.regions {
            let s = r.statistics, t = s.tissue, m = r.mirrorStatistics.tissue, a = r.asymmetry, d = r.descriptors
            let cells: [String] = [
                "\(r.region.code)", r.region.name, r.region.hemisphere.rawValue, "\(r.affected)", "\(r.call.evaluable)",
                num(r.confidence), num(r.call.confidence), num(r.segmentationProbability),
                num(r.call.hypodensityHU), num(r.call.marginHU), "\(s.labelVoxels)", num(s.volumeML), "\(t.count)",
                num(s.tissueVolumeML), num(s.excludedFraction),
                num(t.mean), num(t.median), num(t.p10), num(t.p25), num(t.p75), num(t.p90), num(t.standardDeviation),
                num(t.minimum), num(t.maximum), num(s.effectiveSampleSize.value),
                num(m.mean), num(m.median), num(m.standardDeviation),
                num(a?.differenceHU), num(a?.ratio), num(a?.zScore), num(a?.standardErrorHU),
                num(d?.shape.surfaceAreaMM2), num(d?.shape.sphericity), num(d?.histogram.variance), num(d?.histogram.skewness),
                num(d?.histogram.excessKurtosis), num(d?.histogram.entropyBits), num(d?.histogram.uniformity),
                num(d?.texture.contrast), num(d?.texture.homogeneity), num(r.hypodenseFraction),
                s.core.map { "\($0.count)" } ?? "", num(s.core?.mean), num(a?.core?.differenceHU), num(a?.core?.zScore),
                num(a?.halves.first??.differenceHU), num(a?.halves.first??.zScore),
                num(a?.halves.last??.differenceHU), num(a?.halves.last??.zScore), r.call.byHalf ?? "",
            ]
            lines.append(cells.joined(separator: ","))
        }
        return lines.joined(separator: "\n") + "\n"
    }

    /// Up to 6 significant decimals, no locale, empty for missing or non-finite values.
    static func num(_ v: Double?) -> String {
        guard let v = v, v.isFinite else { return "" }
        return String(format: "%.6g", v)
    }
}
