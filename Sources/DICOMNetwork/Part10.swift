/// The DICOM file format wrapper (PS3.10): a 128-byte preamble, "DICM" and the file meta group
/// (0002), Explicit VR Little Endian, before the data set in its own transfer syntax. A received data
/// set is stored as it came, behind a meta group built here; a file to send is split back into the
/// two parts without parsing the data set.
public enum Part10 {
    /// What the meta group says about a file to send.
    public struct Meta: Equatable, Sendable {
        public var sopClassUID: String
        public var sopInstanceUID: String
        public var transferSyntaxUID: String
        /// Offset of the data set in the file.
        public var dataSetOffset: Int
    }

    /// Preamble, "DICM" and the meta group for a data set received over the network.
    public static func header(sopClassUID: String, sopInstanceUID: String, transferSyntaxUID: String,
                              sourceAE: String) -> [UInt8] {
        var meta: [UInt8] = []
        element(&meta, 0x0001, "OB", [0x00, 0x01])
        element(&meta, 0x0002, "UI", uid(sopClassUID))
        element(&meta, 0x0003, "UI", uid(sopInstanceUID))
        element(&meta, 0x0010, "UI", uid(transferSyntaxUID))
        element(&meta, 0x0012, "UI", uid(Implementation.classUID))
        element(&meta, 0x0013, "SH", text(Implementation.versionName))
        if !sourceAE.isEmpty { element(&meta, 0x0016, "AE", text(sourceAE)) }
        var out = [UInt8](repeating: 0, count: 128)
        out += Array("DICM".utf8)
        let n = UInt32(meta.count)
        element(&out, 0x0000, "UL", [UInt8(n & 0xFF), UInt8((n >> 8) & 0xFF), UInt8((n >> 16) & 0xFF), UInt8(n >> 24)])
        return out + meta
    }

    private static func uid(_ s: String) -> [UInt8] {
        var b = Array(s.utf8)
        if b.count % 2 == 1 { b.append(0) }
        return b
    }

    private static func text(_ s: String) -> [UInt8] {
        var b = Array(s.utf8)
        if b.count % 2 == 1 { b.append(0x20) }
        return b
    }

    private static func element(_ b: inout [UInt8], _ element: UInt16, _ vr: String, _ value: [UInt8]) {
        b += [0x02, 0x00, UInt8(element & 0xFF), UInt8(element >> 8)]
        b += Array(vr.utf8)
        if vr == "OB" {
            let n = UInt32(value.count)
            b += [0, 0, UInt8(n & 0xFF), UInt8((n >> 8) & 0xFF), UInt8((n >> 16) & 0xFF), UInt8(n >> 24)]
        } else {
            b += [UInt8(value.count & 0xFF), UInt8(value.count >> 8)]
        }
        b += value
    }

    /// Reads the meta group of a Part 10 file (preamble required) and where its data set starts.
    public static func meta(of bytes: UnsafeRawBufferPointer, name: String) throws -> Meta {
        guard bytes.count >= 132, bytes[128] == 0x44, bytes[129] == 0x49, bytes[130] == 0x43, bytes[131] == 0x4D else {
            throw NetworkError.malformedCommand("\(name) is not a DICOM Part 10 file (no DICM after the preamble)")
        }
        var p = 132
        var values: [UInt16: String] = [:]
        func u16(_ i: Int) -> Int { Int(bytes[i]) | Int(bytes[i + 1]) << 8 }
        while p + 8 <= bytes.count, u16(p) == 0x0002 {
            let element = UInt16(u16(p + 2))
            let vr = String(decoding: [bytes[p + 4], bytes[p + 5]], as: UTF8.self)
            var len: Int
            if ["OB", "OW", "OF", "SQ", "UT", "UN", "UC", "UR", "OD", "OL", "OV"].contains(vr) {
                guard p + 12 <= bytes.count else { break }
                len = u16(p + 8) | u16(p + 10) << 16
                p += 12
            } else {
                len = u16(p + 6)
                p += 8
            }
            guard len >= 0, p + len <= bytes.count else {
                throw NetworkError.malformedCommand("\(name): meta element (0002,\(String(element, radix: 16))) runs past the end")
            }
            if vr == "UI" { values[element] = ByteReader.text(UnsafeRawBufferPointer(rebasing: bytes[p..<p + len])) }
            p += len
        }
        guard let cls = values[0x0002], let inst = values[0x0003], let ts = values[0x0010] else {
            throw NetworkError.malformedCommand("\(name): the meta group lacks the SOP class, instance or transfer syntax")
        }
        return Meta(sopClassUID: cls, sopInstanceUID: inst, transferSyntaxUID: ts, dataSetOffset: p)
    }
}
