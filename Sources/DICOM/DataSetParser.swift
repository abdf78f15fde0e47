/// Walks the element stream of a dataset with every length checked against the bytes that remain.
///
/// Hospital archives contain files cut short by failed transfers and vendor files with private
/// sequences of every shape; a wrong length must give a clear error, never a read past the end,
/// an endless loop or a huge allocation. Every loop iteration consumes at least 8 bytes, so parsing
/// terminates, and nesting is capped at `maxDepth`.
struct DataSetParser {
    let store: ByteStore
    let file: String
    /// Stop at top-level Pixel Data, recording only its position (lazy listing).
    let stopAtPixelData: Bool
    static let maxDepth = 32
    var warnings: [String] = []

    init(store: ByteStore, file: String, stopAtPixelData: Bool) {
        self.store = store
        self.file = file
        self.stopAtPixelData = stopAtPixelData
    }

    private func fail(_ problem: String) -> DICOMError { .malformed(file: file, problem: problem) }

    private static let undefined: UInt32 = 0xFFFF_FFFF

    /// Parses elements in `start..<end`. With `untilItemDelimiter` the dataset is an undefined-length
    /// item and must end with an Item Delimitation. `stopBefore` ends the dataset before a tag
    /// (used to read the group-0002 meta header only). Returns the dataset and the offset after it.
    mutating func parseDataSet(start: Int, end: Int, explicit: Bool, bigEndian: Bool, depth: Int,
                               untilItemDelimiter: Bool = false, itemOffset: Int = -1,
                               stopBefore: ((DICOMTag) -> Bool)? = nil) throws -> (DataSet, Int) {
        var ds = DataSet(store: store, bigEndian: bigEndian, explicitVR: explicit, itemOffset: itemOffset)
        var p = start
        while p < end {
            let remaining = end - p
            if remaining < 8 {
                if depth == 0 && !untilItemDelimiter {
                    warnings.append("ignored \(remaining) trailing byte(s) at offset \(p)")
                    return (ds, end)
                }
                throw fail("element header at offset \(p) is cut off (\(remaining) bytes left)")
            }
            let tag = DICOMTag(store.u16(p, bigEndian: bigEndian), store.u16(p + 2, bigEndian: bigEndian))
            if let stop = stopBefore, stop(tag) { return (ds, p) }
            if tag == .itemDelimitation {
                if untilItemDelimiter { return (ds, p + 8) }
                warnings.append("stray Item Delimitation at offset \(p) ignored")
                p += 8
                continue
            }
            if tag == .item || tag == .sequenceDelimitation {
                throw fail("unexpected \(tag == .item ? "item" : "sequence delimiter") tag at offset \(p) outside a sequence")
            }
            var vr: VR
            var length: UInt32
            var header: Int
            if explicit {
                guard let v = VR(bytes: store.u8(p + 4), store.u8(p + 5)) else {
                    throw fail("element \(tag) at offset \(p) has an invalid VR (bytes 0x\(String(store.u8(p + 4), radix: 16)) 0x\(String(store.u8(p + 5), radix: 16)))")
                }
                vr = v
                if v.hasLongLength {
                    guard remaining >= 12 else { throw fail("element \(tag) header at offset \(p) is cut off") }
                    length = store.u32(p + 8, bigEndian: bigEndian)
                    header = 12
                } else {
                    length = UInt32(store.u16(p + 6, bigEndian: bigEndian))
                    header = 8
                }
            } else {
                vr = DataDictionary.vr(for: tag)
                length = store.u32(p + 4, bigEndian: bigEndian)
                header = 8
            }
            let valueStart = p + header
            if length == DataSetParser.undefined {
                if tag == Tag.pixelData {
                    if depth == 0 && stopAtPixelData {
                        ds.add(DataElement(tag: tag, vr: vr, headerOffset: p, valueRange: valueStart..<end,
                                           undefinedLength: true, items: [], fragments: nil))
                        return (ds, end)
                    }
                    let (frags, next) = try parseFragments(start: valueStart, end: end, depth: depth)
                    ds.add(DataElement(tag: tag, vr: vr, headerOffset: p, valueRange: valueStart..<next,
                                       undefinedLength: true, items: [], fragments: frags))
                    p = next
                    continue
                }
                guard vr == .SQ || vr == .UN || !explicit else {
                    throw fail("element \(tag) (VR \(vr.rawValue)) at offset \(p) has undefined length, which only sequences may have")
                }
                // UN with undefined length holds an Implicit VR Little Endian sequence (PS3.5 6.2.2).
                let itemsExplicit = vr == .SQ ? explicit : false
                let itemsBig = vr == .SQ ? bigEndian : false
                let (items, next) = try parseSequence(start: valueStart, end: end, definedLength: false,
                                                      explicit: itemsExplicit, bigEndian: itemsBig, depth: depth + 1, tag: tag)
                ds.add(DataElement(tag: tag, vr: .SQ, headerOffset: p, valueRange: valueStart..<next,
                                   undefinedLength: true, items: items, fragments: nil))
                p = next
                continue
            }
            let len = Int(length)
            guard len <= end - valueStart else {
                throw fail("element \(tag) at offset \(p) claims \(len) bytes but only \(end - valueStart) remain (file truncated or corrupt)")
            }
            if tag == Tag.pixelData && depth == 0 && stopAtPixelData {
                ds.add(DataElement(tag: tag, vr: vr, headerOffset: p, valueRange: valueStart..<(valueStart + len),
                                   undefinedLength: false, items: [], fragments: nil))
                return (ds, end)
            }
            if vr == .SQ {
                let (items, _) = try parseSequence(start: valueStart, end: valueStart + len, definedLength: true,
                                                   explicit: explicit, bigEndian: bigEndian, depth: depth + 1, tag: tag)
                ds.add(DataElement(tag: tag, vr: vr, headerOffset: p, valueRange: valueStart..<(valueStart + len),
                                   undefinedLength: false, items: items, fragments: nil))
            } else {
                ds.add(DataElement(tag: tag, vr: vr, headerOffset: p, valueRange: valueStart..<(valueStart + len),
                                   undefinedLength: false, items: [], fragments: nil))
            }
            p = valueStart + len
        }
        if untilItemDelimiter { throw fail("a sequence item that starts before offset \(start) has no Item Delimitation before the end of its data") }
        return (ds, p)
    }

    mutating func parseSequence(start: Int, end: Int, definedLength: Bool, explicit: Bool, bigEndian: Bool,
                                depth: Int, tag: DICOMTag) throws -> ([DataSet], Int) {
        guard depth <= DataSetParser.maxDepth else {
            throw fail("sequences nested deeper than \(DataSetParser.maxDepth) levels (at \(tag), offset \(start))")
        }
        var items: [DataSet] = []
        var p = start
        while true {
            if definedLength && p >= end { return (items, p) }
            guard end - p >= 8 else {
                throw fail(definedLength ? "sequence \(tag) has a cut-off item header at offset \(p)"
                                         : "sequence \(tag) has no Sequence Delimitation before the end of the data")
            }
            let t = DICOMTag(store.u16(p, bigEndian: bigEndian), store.u16(p + 2, bigEndian: bigEndian))
            let len = store.u32(p + 4, bigEndian: bigEndian)
            if t == .sequenceDelimitation {
                if !definedLength { return (items, p + 8) }
                warnings.append("Sequence Delimitation inside defined-length sequence \(tag) ignored")
                return (items, end)
            }
            guard t == .item else { throw fail("sequence \(tag): expected an item at offset \(p), found \(t)") }
            if len == DataSetParser.undefined {
                let (ds, next) = try parseDataSet(start: p + 8, end: end, explicit: explicit, bigEndian: bigEndian,
                                                  depth: depth, untilItemDelimiter: true, itemOffset: p)
                items.append(ds)
                p = next
            } else {
                var n = Int(len)
                if n > end - (p + 8) {
                    // Editing tools that drop elements sometimes forget to shrink the last item: read what
                    // is there (every element inside is still bounds-checked) and say so.
                    warnings.append("item at offset \(p) in sequence \(tag) claims \(n) bytes but only \(end - p - 8) remain; read the remaining bytes")
                    n = end - (p + 8)
                }
                let (ds, _) = try parseDataSet(start: p + 8, end: p + 8 + n, explicit: explicit, bigEndian: bigEndian,
                                               depth: depth, itemOffset: p)
                items.append(ds)
                p += 8 + n
            }
        }
    }

    /// Items of encapsulated Pixel Data. A file that ends right after a complete fragment without the
    /// Sequence Delimitation (seen in the wild) is accepted with a warning; a cut-off fragment is not.
    mutating func parseFragments(start: Int, end: Int, depth: Int) throws -> ([Range<Int>], Int) {
        var frags: [Range<Int>] = []
        var p = start
        while true {
            if end - p < 8 {
                if end == p || depth == 0 && end == store.count {
                    if frags.isEmpty { throw fail("encapsulated Pixel Data has no items") }
                    warnings.append("encapsulated Pixel Data ends without a Sequence Delimitation (file cut short after \(frags.count - 1) fragment(s))")
                    return (frags, end)
                }
                throw fail("encapsulated Pixel Data item header at offset \(p) is cut off")
            }
            let t = DICOMTag(store.u16(p, bigEndian: false), store.u16(p + 2, bigEndian: false))
            let len = store.u32(p + 4, bigEndian: false)
            if t == .sequenceDelimitation { return (frags, p + 8) }
            guard t == .item else { throw fail("encapsulated Pixel Data: expected an item at offset \(p), found \(t)") }
            guard len != DataSetParser.undefined, Int(len) <= end - (p + 8) else {
                throw fail("Pixel Data fragment at offset \(p) claims \(len == DataSetParser.undefined ? "undefined" : String(len)) bytes but only \(end - p - 8) remain (file truncated)")
            }
            frags.append((p + 8)..<(p + 8 + Int(len)))
            p += 8 + Int(len)
        }
    }
}
