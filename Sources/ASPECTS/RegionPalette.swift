import Rendering

/// Display colours of the ten ASPECTS regions (the same in both hemispheres, so a left-right difference
/// in the picture is a difference in the brain, not in the colours). Chosen to stay apart from each
/// other and from the red used for affected regions.
public enum RegionPalette {
    static let colours: [RGBColor] = [
        RGBColor(255, 215, 0),    // C
        RGBColor(0, 200, 255),    // L
        RGBColor(255, 140, 0),    // IC
        RGBColor(190, 110, 255),  // I
        RGBColor(0, 220, 100),    // M1
        RGBColor(255, 100, 210),  // M2
        RGBColor(80, 140, 255),   // M3
        RGBColor(170, 255, 60),   // M4
        RGBColor(255, 190, 140),  // M5
        RGBColor(0, 255, 210),    // M6
    ]
    /// Fill of regions with early ischaemic change.
    public static let affected = RGBColor(255, 30, 30)

    public static func colour(of region: ASPECTSRegion) -> RGBColor { colours[region.classIndex - 1] }

    /// Colour for a label value; nil for background and unknown labels.
    public static func colour(ofLabel code: Int) -> RGBColor? { ASPECTSRegion(code: code).map(colour(of:)) }
}
