import Foundation

/// Decoding and encoding of the two on-disk header layouts.
///
/// The byte order is detected from `sizeof_hdr` (348 or 540, read either way round), which is how
/// every NIfTI reader does it: the header has no explicit byte-order flag.
extension NIfTIHeader {
    /// Which layout and byte order the first four bytes announce, or nil when they match none.
    static func detectLayout(_ first4: [UInt8]) -> (version: Int, endianness: Endianness)? {
        guard first4.count >= 4 else { return nil }
        let le = Int(first4[0]) | Int(first4[1]) << 8 | Int(first4[2]) << 16 | Int(first4[3]) << 24
        let be = Int(first4[3]) | Int(first4[2]) << 8 | Int(first4[1]) << 16 | Int(first4[0]) << 24
        switch (le, be) {
        case (348, _): return (1, .little)
        case (540, _): return (2, .little)
        case (_, 348): return (1, .big)
        case (_, 540): return (2, .big)
        default: return nil
        }
    }

    /// Decodes a complete header (348 or 540 bytes) and checks everything the reader relies on.
    static func decode(_ bytes: [UInt8], file: String) throws -> NIfTIHeader {
        guard let layout = detectLayout(Array(bytes.prefix(4))) else {
            let v = bytes.prefix(4).map { String(format: "%02x", $0) }.joined(separator: " ")
            throw NIfTIError(.notNIfTI, file: file, problem: "sizeof_hdr bytes [\(v)] are neither 348 (NIfTI-1) nor 540 (NIfTI-2) in either byte order")
        }
        var h = NIfTIHeader()
        h.version = layout.version
        h.endianness = layout.endianness
        guard bytes.count >= h.headerSize else {
            throw NIfTIError(.truncated, file: file, problem: "the file ends after \(bytes.count) bytes, inside the \(h.headerSize)-byte NIfTI-\(h.version) header")
        }
        let r = HeaderBytes(bytes: bytes, big: layout.endianness == .big)
        var datatypeCode = 0
        if h.version == 1 {
            let magic = r.raw(344, 4)
            guard magic == Array("n+1\0".utf8) else {
                if magic == Array("ni1\0".utf8) {
                    throw NIfTIError(.notNIfTI, file: file, problem: "this is the header of a two-file NIfTI pair (.hdr/.img); only single .nii/.nii.gz files are supported")
                }
                throw NIfTIError(.notNIfTI, file: file, problem: "magic is \(describeMagic(magic)), expected \"n+1\"")
            }
            h.dimInfo = r.u8(39)
            h.dim = (0..<8).map { Int(r.i16(40 + 2 * $0)) }
            h.intentP1 = Double(r.f32(56)); h.intentP2 = Double(r.f32(60)); h.intentP3 = Double(r.f32(64))
            h.intentCode = Int(r.i16(68))
            datatypeCode = Int(r.i16(70))
            h.bitpix = Int(r.i16(72))
            h.sliceStart = Int(r.i16(74))
            h.pixdim = (0..<8).map { Double(r.f32(76 + 4 * $0)) }
            let off = r.f32(108)
            guard off.isFinite, off >= 0, off < 1e12 else {
                throw NIfTIError(.invalidHeader, file: file, problem: "vox_offset \(off) is not a usable byte offset")
            }
            h.voxOffset = Int(off)
            h.sclSlope = Double(r.f32(112)); h.sclInter = Double(r.f32(116))
            h.sliceEnd = Int(r.i16(120))
            h.sliceCode = Int(r.u8(122)); h.xyztUnits = Int(r.u8(123))
            h.calMax = Double(r.f32(124)); h.calMin = Double(r.f32(128))
            h.sliceDuration = Double(r.f32(132)); h.toffset = Double(r.f32(136))
            h.descrip = r.string(148, 80); h.auxFile = r.string(228, 24)
            h.qformCode = Int(r.i16(252)); h.sformCode = Int(r.i16(254))
            h.quaternB = Double(r.f32(256)); h.quaternC = Double(r.f32(260)); h.quaternD = Double(r.f32(264))
            h.qoffsetX = Double(r.f32(268)); h.qoffsetY = Double(r.f32(272)); h.qoffsetZ = Double(r.f32(276))
            h.srowX = (0..<4).map { Double(r.f32(280 + 4 * $0)) }
            h.srowY = (0..<4).map { Double(r.f32(296 + 4 * $0)) }
            h.srowZ = (0..<4).map { Double(r.f32(312 + 4 * $0)) }
            h.intentName = r.string(328, 16)
        } else {
            let magic = r.raw(4, 4)
            guard magic == Array("n+2\0".utf8) else {
                if magic == Array("ni2\0".utf8) {
                    throw NIfTIError(.notNIfTI, file: file, problem: "this is the header of a two-file NIfTI-2 pair; only single .nii/.nii.gz files are supported")
                }
                throw NIfTIError(.notNIfTI, file: file, problem: "magic is \(describeMagic(magic)), expected \"n+2\"")
            }
            datatypeCode = Int(r.i16(12))
            h.bitpix = Int(r.i16(14))
            h.dim = (0..<8).map { Int(r.i64(16 + 8 * $0)) }
            h.intentP1 = r.f64(80); h.intentP2 = r.f64(88); h.intentP3 = r.f64(96)
            h.pixdim = (0..<8).map { r.f64(104 + 8 * $0) }
            let off = r.i64(168)
            guard off >= 0, off < 1_000_000_000_000 else {
                throw NIfTIError(.invalidHeader, file: file, problem: "vox_offset \(off) is not a usable byte offset")
            }
            h.voxOffset = Int(off)
            h.sclSlope = r.f64(176); h.sclInter = r.f64(184)
            h.calMax = r.f64(192); h.calMin = r.f64(200)
            h.sliceDuration = r.f64(208); h.toffset = r.f64(216)
            h.sliceStart = Int(r.i64(224)); h.sliceEnd = Int(r.i64(232))
            h.descrip = r.string(240, 80); h.auxFile = r.string(320, 24)
            h.qformCode = Int(r.i32(344)); h.sformCode = Int(r.i32(348))
            h.quaternB = r.f64(352); h.quaternC = r.f64(360); h.quaternD = r.f64(368)
            h.qoffsetX = r.f64(376); h.qoffsetY = r.f64(384); h.qoffsetZ = r.f64(392)
            h.srowX = (0..<4).map { r.f64(400 + 8 * $0) }
            h.srowY = (0..<4).map { r.f64(432 + 8 * $0) }
            h.srowZ = (0..<4).map { r.f64(464 + 8 * $0) }
            h.sliceCode = Int(r.i32(496)); h.xyztUnits = Int(r.i32(500)); h.intentCode = Int(r.i32(504))
            h.intentName = r.string(508, 16)
            h.dimInfo = r.u8(524)
        }
        guard let dt = NIfTIDatatype(rawValue: datatypeCode) else {
            throw NIfTIError(.invalidHeader, file: file, problem: "datatype code \(datatypeCode) is unknown or unsupported (supported: \(NIfTIDatatype.allCases.map { "\($0.name)=\($0.rawValue)" }.joined(separator: ", ")))")
        }
        h.datatype = dt
        // A single file's data cannot start inside the header; nibabel treats such offsets (usually 0,
        // "unset") as the minimum, and so do we.
        if h.voxOffset < h.minimumVoxOffset { h.voxOffset = h.minimumVoxOffset }
        try h.validateDimensions(file: file)
        if h.scaling != nil && !h.sclInter.isFinite {
            throw NIfTIError(.invalidHeader, file: file, problem: "scl_slope is \(h.sclSlope) but scl_inter is \(h.sclInter)")
        }
        return h
    }

    /// Checks dim[0] and the sizes, and that the voxel count fits in memory arithmetic.
    func validateDimensions(file: String) throws {
        let n = dim[0]
        guard (1...7).contains(n) else {
            throw NIfTIError(.invalidHeader, file: file, problem: "dim[0] is \(n); it must be the number of dimensions, 1 to 7")
        }
        for d in 1...n where dim[d] <= 0 {
            throw NIfTIError(.invalidHeader, file: file, problem: "dim[\(d)] is \(dim[d]); every used dimension must be at least 1 (dim = \(Array(dim[0...n])))")
        }
        guard voxelDataByteCount != nil else {
            throw NIfTIError(.tooLarge, file: file, problem: "dimensions \(Array(dim[1...n])) of \(datatype.name) need more bytes than this machine can address")
        }
    }

    /// Total bytes of voxel data the header announces; nil when the product overflows.
    public var voxelDataByteCount: Int? {
        var total = datatype.bytesPerVoxel
        for d in 1...max(1, min(7, dim[0])) {
            let (p, overflow) = total.multipliedReportingOverflow(by: max(dim[d], 0))
            if overflow { return nil }
            total = p
        }
        return total
    }

    /// Encodes the header in its version's layout, little-endian, followed by the 4-byte extension
    /// flag (no extensions), i.e. exactly `minimumVoxOffset` bytes.
    func encode() -> [UInt8] {
        var w = HeaderWriter(count: minimumVoxOffset)
        w.i32(0, Int32(headerSize))
        if version == 1 {
            w.u8(38, UInt8(ascii: "r"))
            w.u8(39, dimInfo)
            for (n, d) in dim.enumerated() { w.i16(40 + 2 * n, Int16(clamping: d)) }
            w.f32(56, intentP1); w.f32(60, intentP2); w.f32(64, intentP3)
            w.i16(68, Int16(clamping: intentCode))
            w.i16(70, Int16(datatype.rawValue))
            w.i16(72, Int16(datatype.bitpix))
            w.i16(74, Int16(clamping: sliceStart))
            for (n, p) in pixdim.enumerated() { w.f32(76 + 4 * n, p) }
            w.f32(108, Double(voxOffset))
            w.f32(112, sclSlope); w.f32(116, sclInter)
            w.i16(120, Int16(clamping: sliceEnd))
            w.u8(122, UInt8(clamping: sliceCode)); w.u8(123, UInt8(clamping: xyztUnits))
            w.f32(124, calMax); w.f32(128, calMin); w.f32(132, sliceDuration); w.f32(136, toffset)
            w.string(148, 80, descrip); w.string(228, 24, auxFile)
            w.i16(252, Int16(clamping: qformCode)); w.i16(254, Int16(clamping: sformCode))
            w.f32(256, quaternB); w.f32(260, quaternC); w.f32(264, quaternD)
            w.f32(268, qoffsetX); w.f32(272, qoffsetY); w.f32(276, qoffsetZ)
            for c in 0..<4 { w.f32(280 + 4 * c, srowX[c]); w.f32(296 + 4 * c, srowY[c]); w.f32(312 + 4 * c, srowZ[c]) }
            w.string(328, 16, intentName)
            w.raw(344, Array("n+1\0".utf8))
        } else {
            w.raw(4, Array("n+2\0".utf8) + [0x0D, 0x0A, 0x1A, 0x0A])
            w.i16(12, Int16(datatype.rawValue))
            w.i16(14, Int16(datatype.bitpix))
            for (n, d) in dim.enumerated() { w.i64(16 + 8 * n, Int64(d)) }
            w.f64(80, intentP1); w.f64(88, intentP2); w.f64(96, intentP3)
            for (n, p) in pixdim.enumerated() { w.f64(104 + 8 * n, p) }
            w.i64(168, Int64(voxOffset))
            w.f64(176, sclSlope); w.f64(184, sclInter)
            w.f64(192, calMax); w.f64(200, calMin); w.f64(208, sliceDuration); w.f64(216, toffset)
            w.i64(224, Int64(sliceStart)); w.i64(232, Int64(sliceEnd))
            w.string(240, 80, descrip); w.string(320, 24, auxFile)
            w.i32(344, Int32(clamping: qformCode)); w.i32(348, Int32(clamping: sformCode))
            w.f64(352, quaternB); w.f64(360, quaternC); w.f64(368, quaternD)
            w.f64(376, qoffsetX); w.f64(384, qoffsetY); w.f64(392, qoffsetZ)
            for c in 0..<4 { w.f64(400 + 8 * c, srowX[c]); w.f64(432 + 8 * c, srowY[c]); w.f64(464 + 8 * c, srowZ[c]) }
            w.i32(496, Int32(clamping: sliceCode)); w.i32(500, Int32(clamping: xyztUnits))
            w.i32(504, Int32(clamping: intentCode))
            w.string(508, 16, intentName)
            w.u8(524, dimInfo)
        }
        return w.bytes
    }

    private static func describeMagic(_ m: [UInt8]) -> String {
        let printable = m.allSatisfy { $0 == 0 || (32..<127).contains($0) }
        if printable { return "\"" + String(decoding: m.filter { $0 != 0 }, as: UTF8.self) + "\"" }
        return "bytes [" + m.map { String(format: "%02x", $0) }.joined(separator: " ") + "]"
    }
}

/// Reads fixed-offset fields in either byte order.
private struct HeaderBytes {
    let bytes: [UInt8]
    let big: Bool

    func raw(_ at: Int, _ n: Int) -> [UInt8] { Array(bytes[at..<(at + n)]) }
    func u8(_ at: Int) -> UInt8 { bytes[at] }

    private func unsigned(_ at: Int, _ n: Int) -> UInt64 {
        var v: UInt64 = 0
        for k in 0..<n {
            let b = UInt64(bytes[at + (big ? k : n - 1 - k)])
            v = v << 8 | b
        }
        return v
    }

    func i16(_ at: Int) -> Int16 { Int16(bitPattern: UInt16(truncatingIfNeeded: unsigned(at, 2))) }
    func i32(_ at: Int) -> Int32 { Int32(bitPattern: UInt32(truncatingIfNeeded: unsigned(at, 4))) }
    func i64(_ at: Int) -> Int64 { Int64(bitPattern: unsigned(at, 8)) }
    func f32(_ at: Int) -> Float { Float(bitPattern: UInt32(truncatingIfNeeded: unsigned(at, 4))) }
    func f64(_ at: Int) -> Double { Double(bitPattern: unsigned(at, 8)) }

    /// A NUL-terminated (or full-width) text field; bytes that are not UTF-8 are replaced, not fatal.
    func string(_ at: Int, _ n: Int) -> String {
        let field = bytes[at..<(at + n)]
        let end = field.firstIndex(of: 0) ?? field.endIndex
        return String(decoding: field[field.startIndex..<end], as: UTF8.self)
    }
}

/// Writes fixed-offset little-endian fields into a zeroed buffer.
private struct HeaderWriter {
    var bytes: [UInt8]
    init(count: Int) { bytes = [UInt8](repeating: 0, count: count) }

    mutating func raw(_ at: Int, _ v: [UInt8]) { bytes.replaceSubrange(at..<(at + v.count), with: v) }
    mutating func u8(_ at: Int, _ v: UInt8) { bytes[at] = v }
    private mutating func little(_ at: Int, _ v: UInt64, _ n: Int) {
        for k in 0..<n { bytes[at + k] = UInt8(truncatingIfNeeded: v >> (8 * UInt64(k))) }
    }
    mutating func i16(_ at: Int, _ v: Int16) { little(at, UInt64(UInt16(bitPattern: v)), 2) }
    mutating func i32(_ at: Int, _ v: Int32) { little(at, UInt64(UInt32(bitPattern: v)), 4) }
    mutating func i64(_ at: Int, _ v: Int64) { little(at, UInt64(bitPattern: v), 8) }
    mutating func f32(_ at: Int, _ v: Double) { little(at, UInt64(Float(v).bitPattern), 4) }
    mutating func f64(_ at: Int, _ v: Double) { little(at, v.bitPattern, 8) }
    /// Text truncated to the field width on a UTF-8 character boundary, NUL-padded.
    mutating func string(_ at: Int, _ n: Int, _ s: String) {
        let utf8 = Array(s.utf8)
        var cut = min(n, utf8.count)
        if cut < utf8.count {
            while cut > 0 && (utf8[cut] & 0xC0) == 0x80 { cut -= 1 }  // do not split a character
        }
        raw(at, Array(utf8[0..<cut]))
    }
}
