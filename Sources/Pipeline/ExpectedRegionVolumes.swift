/// Typical ASPECTS region volumes, for the region-volume gate when no atlas registration gives a
/// scan's own expected volumes (the U-Net method alone).
///
/// The figures are the default atlas's region volumes (built from the public CT template with the
/// atlas builder's rules) and its brain volume; `QualityGatesTests` checks them against an atlas built
/// from the template, so they cannot drift from the rules in the code. A scan's expected volume is the
/// typical one scaled by its brain volume over the template's.
public enum ExpectedRegionVolumes {
    /// Brain volume of the template's stripped brain, mL.
    public static let templateBrainML = 1466.296
    /// Region volumes (mL) by code 0...20 (0 unused): right C, L, IC, I, M1-M6, then left.
    public static let regionML: [Double] = [0,
        1.792, 5.824, 4.992, 4.528, 12.896, 19.952, 17.368, 6.512, 16.488, 12.68,
        1.92, 5.968, 4.528, 4.784, 13.168, 22.0, 19.376, 6.176, 17.736, 13.632]

    /// Expected volume of each region (by code) in a brain of `brainML` millilitres.
    public static func scaled(toBrainML brainML: Double) -> [Double] {
        let f = templateBrainML > 0 ? brainML / templateBrainML : 1
        return regionML.map { $0 * f }
    }
}
