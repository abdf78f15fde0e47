import Foundation

/// A parsed (possibly partial) DICOM dataset with typed accessors.
///
/// Accessors return nil for absent or unparsable values instead of throwing: which attributes are
/// required depends on the caller (listing tolerates much more than volume assembly).
public struct DataSet: Sendable {
    public let store: ByteStore
    public let bigEndian: Bool
    public let explicitVR: Bool
    /// Absolute offset of the item tag that introduced this dataset (sequence items), else -1.
    public let itemOffset: Int
    public private(set) var elements: [DICOMTag: DataElement] = [:]
    /// Tags in stream order (for dumps).
    public private(set) var order: [DICOMTag] = []

    init(store: ByteStore, bigEndian: Bool, explicitVR: Bool, itemOffset: Int) {
        self.store = store
        self.bigEndian = bigEndian
        self.explicitVR = explicitVR
        self.itemOffset = itemOffset
    }

    mutating func add(_ e: DataElement) {
        if elements.updateValue(e, forKey: e.tag) == nil { order.append(e.tag) }
    }

    public subscript(_ tag: DICOMTag) -> DataElement? { elements[tag] }
    public func contains(_ tag: DICOMTag) -> Bool { elements[tag] != nil }

    public func bytes(_ tag: DICOMTag) -> UnsafeRawBufferPointer? {
        guard let e = elements[tag] else { return nil }
        return store.slice(e.valueRange)
    }

    /// Whole text value with surrounding spaces and NULs removed.
    public func string(_ tag: DICOMTag) -> String? {
        guard let e = elements[tag], e.items.isEmpty, e.fragments == nil else { return nil }
        let s = DataSet.decodeText(store.slice(e.valueRange))
        return s
    }

    /// Backslash-separated text values, each trimmed.
    public func strings(_ tag: DICOMTag) -> [String] {
        guard let s = string(tag) else { return [] }
        return s.split(separator: "\\", omittingEmptySubsequences: false).map { DataSet.trim(Substring($0)) }
    }

    /// Numbers from DS/IS text or from binary US/SS/UL/SL/FL/FD values.
    public func doubles(_ tag: DICOMTag) -> [Double] {
        guard let e = elements[tag], e.items.isEmpty else { return [] }
        let vr = e.vr
        if vr.isText || vr == .UN && DataDictionary.entry(tag)?.vr.isText == true {
            return strings(tag).compactMap { Double($0) }
        }
        let effective: VR = vr == .UN ? (DataDictionary.entry(tag)?.vr ?? .UN) : vr
        let b = store.slice(e.valueRange)
        var out: [Double] = []
        func each(_ w: Int, _ f: (Int) -> Double) {
            var p = 0
            while p + w <= b.count { out.append(f(e.valueRange.lowerBound + p)); p += w }
        }
        switch effective {
        case .US: each(2) { Double(store.u16($0, bigEndian: bigEndian)) }
        case .SS: each(2) { Double(Int16(bitPattern: store.u16($0, bigEndian: bigEndian))) }
        case .UL: each(4) { Double(store.u32($0, bigEndian: bigEndian)) }
        case .SL: each(4) { Double(Int32(bitPattern: store.u32($0, bigEndian: bigEndian))) }
        case .FL: each(4) { Double(Float(bitPattern: store.u32($0, bigEndian: bigEndian))) }
        case .FD: each(8) { Double(bitPattern: store.u64($0, bigEndian: bigEndian)) }
        default: break
        }
        return out
    }

    public func double(_ tag: DICOMTag) -> Double? { doubles(tag).first.flatMap { $0.isFinite ? $0 : nil } }

    public func int(_ tag: DICOMTag) -> Int? {
        guard let d = double(tag), abs(d) < 1e15 else { return nil }
        return Int(d.rounded())
    }

    /// Items of a sequence attribute (empty when absent).
    public func items(_ tag: DICOMTag) -> [DataSet] { elements[tag]?.items ?? [] }

    static func trim(_ s: Substring) -> String {
        var t = s
        while let f = t.first, f == " " || f == "\0" { t = t.dropFirst() }
        while let l = t.last, l == " " || l == "\0" { t = t.dropLast() }
        return String(t)
    }

    static func decodeText(_ b: UnsafeRawBufferPointer) -> String {
        // Latin-1 fallback keeps every byte printable even when a vendor ignores SpecificCharacterSet.
        if let s = String(validating: b, as: UTF8.self) { return trim(Substring(s)) }
        return trim(Substring(String(b.map { Character(Unicode.Scalar($0)) })))
    }
}
