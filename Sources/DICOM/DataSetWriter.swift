import Foundation

/// Serialises elements into Explicit or Implicit VR Little Endian, and whole Part 10 files.
///
/// Values are given already encoded (text padded, numbers little endian) through the typed helpers,
/// so the byte layout rules live in one place.
public struct DataSetWriter {
    public struct Element {
        public var tag: DICOMTag
        public var vr: VR
        public var value: [UInt8]
        /// For sequences: the items' elements. For encapsulated pixel data: fragments (offset table first).
        public var items: [[Element]]? = nil
        public var fragments: [[UInt8]]? = nil
    }

    public var elements: [Element] = []

    public init() {}

    public mutating func add(_ tag: DICOMTag, _ vr: VR, bytes: [UInt8]) {
        var b = bytes
        if b.count % 2 == 1 { b.append(vr == .UI || vr == .OB || vr == .UN ? 0 : (vr.isText ? 0x20 : 0)) }
        elements.append(Element(tag: tag, vr: vr, value: b))
    }

    public mutating func add(_ tag: DICOMTag, _ vr: VR, _ text: String) {
        add(tag, vr, bytes: Array(text.utf8))
    }

    public mutating func add(_ tag: DICOMTag, _ vr: VR, numbers: [Double]) {
        add(tag, vr, numbers.map(DataSetWriter.formatDS).joined(separator: "\\"))
    }

    public mutating func addUS(_ tag: DICOMTag, _ values: [Int]) {
        add(tag, .US, bytes: values.flatMap { v -> [UInt8] in let u = UInt16(truncatingIfNeeded: v); return [UInt8(u & 0xFF), UInt8(u >> 8)] })
    }

    public mutating func addSS(_ tag: DICOMTag, _ values: [Int]) {
        add(tag, .SS, bytes: values.flatMap { v -> [UInt8] in let u = UInt16(bitPattern: Int16(truncatingIfNeeded: v)); return [UInt8(u & 0xFF), UInt8(u >> 8)] })
    }

    public mutating func addUL(_ tag: DICOMTag, _ value: Int) {
        let u = UInt32(truncatingIfNeeded: value)
        add(tag, .UL, bytes: [UInt8(u & 0xFF), UInt8((u >> 8) & 0xFF), UInt8((u >> 16) & 0xFF), UInt8(u >> 24)])
    }

    public mutating func addSequence(_ tag: DICOMTag, items: [DataSetWriter]) {
        elements.append(Element(tag: tag, vr: .SQ, value: [], items: items.map { $0.elements }))
    }

    public mutating func addEncapsulated(_ tag: DICOMTag, fragments: [[UInt8]]) {
        elements.append(Element(tag: tag, vr: .OB, value: [], fragments: [[]] + fragments.map { $0.count % 2 == 1 ? $0 + [0] : $0 }))
    }

    /// DS values are at most 16 characters: the shortest exact form when it fits, else the most
    /// significant digits that fit. (No String(format:): it is not safe on Linux worker threads.)
    public static func formatDS(_ x: Double) -> String {
        guard x.isFinite else { return "0" }
        if x == x.rounded() && abs(x) < 1e15 { return String(Int64(x)) }
        let plain = "\(x)"
        if plain.count <= 16 { return plain }
        let e = (log10(abs(x))).rounded(.down)
        for p in stride(from: 15, through: 1, by: -1) {
            let scale = pow(10, Double(p - 1) - e)
            let r = (x * scale).rounded() / scale
            let t = r == r.rounded() && abs(r) < 1e15 ? String(Int64(r)) : "\(r)"
            if t.count <= 16 { return t }
        }
        return "0"
    }

    public func encode(explicit: Bool) -> [UInt8] {
        var out: [UInt8] = []
        DataSetWriter.encode(elements, explicit: explicit, into: &out)
        return out
    }

    static func put16(_ v: UInt16, _ out: inout [UInt8]) { out.append(UInt8(v & 0xFF)); out.append(UInt8(v >> 8)) }
    static func put32(_ v: UInt32, _ out: inout [UInt8]) { for k in 0..<4 { out.append(UInt8((v >> (8 * UInt32(k))) & 0xFF)) } }

    static func encode(_ elements: [Element], explicit: Bool, into out: inout [UInt8]) {
        for e in elements.sorted(by: { $0.tag < $1.tag }) {
            put16(e.tag.group, &out); put16(e.tag.element, &out)
            if let items = e.items {
                header(e.tag, .SQ, length: 0xFFFF_FFFF, explicit: explicit, &out)
                for item in items {
                    put16(0xFFFE, &out); put16(0xE000, &out); put32(0xFFFF_FFFF, &out)
                    encode(item, explicit: explicit, into: &out)
                    put16(0xFFFE, &out); put16(0xE00D, &out); put32(0, &out)
                }
                put16(0xFFFE, &out); put16(0xE0DD, &out); put32(0, &out)
            } else if let frags = e.fragments {
                header(e.tag, .OB, length: 0xFFFF_FFFF, explicit: true, &out)
                for f in frags {
                    put16(0xFFFE, &out); put16(0xE000, &out); put32(UInt32(f.count), &out)
                    out.append(contentsOf: f)
                }
                put16(0xFFFE, &out); put16(0xE0DD, &out); put32(0, &out)
            } else {
                header(e.tag, e.vr, length: UInt32(e.value.count), explicit: explicit, &out)
                out.append(contentsOf: e.value)
            }
        }
    }

    /// Writes VR and length after the tag (already written).
    static func header(_ tag: DICOMTag, _ vr: VR, length: UInt32, explicit: Bool, _ out: inout [UInt8]) {
        if explicit {
            out.append(contentsOf: Array(vr.rawValue.utf8))
            if vr.hasLongLength { put16(0, &out); put32(length, &out) } else { put16(UInt16(truncatingIfNeeded: length), &out) }
        } else {
            put32(length, &out)
        }
    }

    /// A Part 10 file: preamble, "DICM", meta group (Explicit VR LE) and the dataset in `syntax`.
    public static func part10(dataSet: DataSetWriter, sopClassUID: String, sopInstanceUID: String, syntax: TransferSyntax) -> [UInt8] {
        var meta = DataSetWriter()
        meta.add(Tag.fileMetaVersion, .OB, bytes: [0, 1])
        meta.add(Tag.mediaStorageSOPClassUID, .UI, sopClassUID)
        meta.add(Tag.mediaStorageSOPInstanceUID, .UI, sopInstanceUID)
        meta.add(Tag.transferSyntaxUID, .UI, syntax.uid)
        meta.add(Tag.implementationClassUID, .UI, "2.25.229071580434236423540937640426893407453")
        meta.add(Tag.implementationVersionName, .SH, "DEEPSTROKE")
        let metaBytes = meta.encode(explicit: true)
        var out = [UInt8](repeating: 0, count: 128) + Array("DICM".utf8)
        var group = DataSetWriter()
        group.addUL(Tag.fileMetaGroupLength, metaBytes.count)
        out += group.encode(explicit: true) + metaBytes
        out += dataSet.encode(explicit: syntax.explicitVR)
        return out
    }
}
