import ASPECTS
import DICOM
import Foundation

/// The 20 ASPECTS regions as DICOM SEG segments. Regions with an exact SNOMED CT concept (caudate,
/// internal capsule, insula) use it; the lentiform nucleus and the M1-M6 territories (cortex plus
/// subjacent white matter, defined by the ASPECTS convention rather than anatomy) use codes of the
/// private scheme `99DSTRK`. The side is a SNOMED laterality modifier.
public enum ASPECTSSegments {
    public static let category = SegmentationWriter.Code("91723000", "SCT", "Anatomical Structure")
    static let right = SegmentationWriter.Code("24028007", "SCT", "Right")
    static let left = SegmentationWriter.Code("7771000", "SCT", "Left")

    public static func type(of region: ASPECTSRegion) -> SegmentationWriter.Code {
        switch region.name {
        case "C": return .init("11000004", "SCT", "Caudate nucleus")
        case "IC": return .init("85637007", "SCT", "Internal capsule")
        case "I": return .init("36169008", "SCT", "Insula")
        default: return .init("ASPECTS-\(region.name)", "99DSTRK", "ASPECTS \(region.name) (\(region.fullName))")
        }
    }

    public static var all: [SegmentationWriter.Segment] {
        ASPECTSRegion.all.map { r in
            SegmentationWriter.Segment(labelValue: UInt8(r.code), label: "\(r.hemisphere == .right ? "R" : "L") \(r.name)",
                                       description: "\(r.hemisphere.rawValue) \(r.fullName), ASPECTS code \(r.code)",
                                       category: category, type: type(of: r), typeModifier: r.hemisphere == .right ? right : left)
        }
    }
}
