import Foundation
import ImageCore

/// What `deepstroke info` reports about a file, rendered as text or JSON. Lives in the library so the
/// CLI stays a thin shell and other tools (tests, reports) get the same numbers.
public struct NIfTISummary {
    public let file: String
    public let image: NIfTIImage

    public init(file: String, image: NIfTIImage) {
        self.file = file
        self.image = image
    }

    private var h: NIfTIHeader { image.header }
    private var usedDims: [Int] { Array(h.dim[1...h.dimensionCount]) }
    private var affineRows: [[Double]] { (0..<4).map { r in (0..<4).map { image.affineRAS[r, $0] } } }

    public var text: String {
        let g = image.geometry
        let range = image.valueRange
        func num(_ d: Double) -> String { formatNumber(d) }
        var lines = [
            "file:         \(file)",
            "format:       NIfTI-\(h.version), \(image.compressed ? "gzip" : "uncompressed"), \(h.endianness.rawValue)-endian",
            "dimensions:   \(usedDims.map(String.init).joined(separator: " x "))" + (image.components > 1 ? "  (\(image.components) components)" : ""),
            "spacing:      \((0..<3).map { num(g.spacing[$0]) }.joined(separator: " x ")) mm",
            "datatype:     \(h.datatype.name) (code \(h.datatype.rawValue), \(h.bitpix) bits)",
            "orientation:  \(g.orientationCode)",
            "transform:    \(image.affineSource.rawValue) (sform_code \(h.sformCode), qform_code \(h.qformCode))",
            "scaling:      " + (h.scaling.map { "slope \(num($0.slope)), intercept \(num($0.intercept))" } ?? "none"),
            "intent:       \(h.intentDescription) (\(h.intentCode))" + (h.intentName.isEmpty ? "" : " \"\(h.intentName)\""),
            "value range:  " + (range.map { "\(num($0.min)) .. \(num($0.max))" } ?? "no values"),
        ]
        if !h.descrip.isEmpty { lines.append("description:  \(h.descrip)") }
        lines.append("affine (voxel -> RAS+ mm):")
        for row in affineRows {
            lines.append("  " + row.map { String(format: "%12.6f", $0) }.joined(separator: " "))
        }
        return lines.joined(separator: "\n")
    }

    /// Numbers are printed in shortest round-trip form so a Python reader gets the exact Double.
    public var json: String {
        let g = image.geometry
        let range = image.valueRange
        func arr(_ a: [Double]) -> String { "[" + a.map(jsonNumber).joined(separator: ", ") + "]" }
        let fields: [(String, String)] = [
            ("file", JSONText.quoted(file)),
            ("version", "\(h.version)"),
            ("compressed", image.compressed ? "true" : "false"),
            ("endianness", JSONText.quoted(h.endianness.rawValue)),
            ("dim", "[" + h.dim.map(String.init).joined(separator: ", ") + "]"),
            ("shape", "[" + usedDims.map(String.init).joined(separator: ", ") + "]"),
            ("components", "\(image.components)"),
            ("pixdim", arr(h.pixdim)),
            ("spacing", arr([g.spacing.x, g.spacing.y, g.spacing.z])),
            ("datatype", JSONText.quoted(h.datatype.name)),
            ("datatype_code", "\(h.datatype.rawValue)"),
            ("bitpix", "\(h.bitpix)"),
            ("orientation", JSONText.quoted(g.orientationCode)),
            ("affine", "[" + affineRows.map(arr).joined(separator: ", ") + "]"),
            ("affine_source", JSONText.quoted(image.affineSource.rawValue)),
            ("sform_code", "\(h.sformCode)"),
            ("qform_code", "\(h.qformCode)"),
            ("scl_slope", jsonNumber(h.sclSlope)),
            ("scl_inter", jsonNumber(h.sclInter)),
            ("intent_code", "\(h.intentCode)"),
            ("intent", JSONText.quoted(h.intentDescription)),
            ("intent_name", JSONText.quoted(h.intentName)),
            ("descrip", JSONText.quoted(h.descrip)),
            ("xyzt_units", "\(h.xyztUnits)"),
            ("vox_offset", "\(h.voxOffset)"),
            ("min", range.map { jsonNumber($0.min) } ?? "null"),
            ("max", range.map { jsonNumber($0.max) } ?? "null"),
        ]
        return "{\n" + fields.map { "  \(JSONText.quoted($0.0)): \($0.1)" }.joined(separator: ",\n") + "\n}"
    }
}

private func formatNumber(_ d: Double) -> String {
    if d == d.rounded() && abs(d) < 1e15 { return String(Int64(d)) }
    return "\(d)"
}

/// JSON has no NaN or infinity: they become null.
private func jsonNumber(_ d: Double) -> String { d.isFinite ? "\(d)" : "null" }
