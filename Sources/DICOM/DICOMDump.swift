/// Human-readable listing of every element of a file, for debugging odd vendor files.
/// Patient-identifying values are masked unless `showIdentifiers` is set.
public enum DICOMDump {
    static let identifying: Set<DICOMTag> = [Tag.patientName, Tag.patientID, Tag.patientBirthDate,
                                             DICOMTag(0x0010, 0x1000), DICOMTag(0x0010, 0x1001), DICOMTag(0x0010, 0x1040),
                                             DICOMTag(0x0010, 0x2154), Tag.accessionNumber, Tag.referringPhysicianName,
                                             Tag.institutionName, DICOMTag(0x0008, 0x1050), DICOMTag(0x0008, 0x1070)]

    public static func render(_ file: DICOMFile, showIdentifiers: Bool = false) -> String {
        var lines: [String] = []
        lines.append("# \(file.name)")
        lines.append("# transfer syntax: \(file.transferSyntax)\(file.hasPreamble ? "" : ", no preamble")")
        for w in file.warnings { lines.append("# warning: \(w)") }
        if let m = file.meta { render(m, depth: 0, show: showIdentifiers, into: &lines) }
        render(file.dataSet, depth: 0, show: showIdentifiers, into: &lines)
        return lines.joined(separator: "\n")
    }

    static func render(_ ds: DataSet, depth: Int, show: Bool, into lines: inout [String]) {
        let indent = String(repeating: "  ", count: depth)
        for tag in ds.order {
            guard let e = ds[tag] else { continue }
            let kw = DataDictionary.keyword(for: tag)
            let len = e.undefinedLength ? "undefined" : String(e.length)
            var value: String
            if e.vr == .SQ || !e.items.isEmpty {
                lines.append("\(indent)\(tag) SQ \(kw) (\(e.items.count) item(s), length \(len))")
                for (n, item) in e.items.enumerated() {
                    lines.append("\(indent)  > item \(n + 1)")
                    render(item, depth: depth + 2, show: show, into: &lines)
                }
                continue
            } else if let frags = e.fragments {
                value = "encapsulated: offset table \(frags.first?.count ?? 0) bytes, \(max(0, frags.count - 1)) fragment(s)"
            } else if tag == Tag.pixelData && e.undefinedLength {
                value = "encapsulated (not indexed)"
            } else if !show && identifying.contains(tag) {
                value = "<hidden>"
            } else if e.vr.isText || (e.vr == .UN && DataDictionary.entry(tag)?.vr.isText == true) {
                value = ds.string(tag) ?? ""
                if value.count > 80 { value = String(value.prefix(77)) + "..." }
                value = "[\(value)]"
            } else if e.vr.binaryWidth != nil && e.vr != .OW && e.vr != .OF && e.vr != .OD && e.vr != .OL && e.vr != .OV {
                let v = ds.doubles(tag)
                value = v.prefix(8).map { $0 == $0.rounded() && abs($0) < 1e15 ? String(Int64($0)) : String($0) }.joined(separator: "\\")
                if v.count > 8 { value += "\\..." }
            } else {
                let b = ds.bytes(tag) ?? UnsafeRawBufferPointer(start: nil, count: 0)
                value = b.prefix(16).map { String(format2($0)) }.joined(separator: " ") + (b.count > 16 ? " ..." : "")
            }
            lines.append("\(indent)\(tag) \(e.vr.rawValue) \(kw) (\(len)) \(value)")
        }
    }

    static func format2(_ b: UInt8) -> String {
        let s = String(b, radix: 16)
        return s.count == 1 ? "0" + s : s
    }
}
