/// DICOM RLE Lossless (PS3.5 Annex G): a 64-byte header of segment offsets, then one PackBits
/// segment per byte plane, most significant byte first.
enum RLEDecoder {
    static func decode(_ data: [UInt8], format: PixelFormat, file: String) throws -> [Int32] {
        func bad(_ s: String) -> DICOMError { .decodeFailed(file: file, problem: "RLE: \(s)") }
        guard data.count >= 64 else { throw bad("frame shorter than its 64-byte header") }
        func u32(_ p: Int) -> Int {
            Int(data[p]) | Int(data[p + 1]) << 8 | Int(data[p + 2]) << 16 | Int(data[p + 3]) << 24
        }
        let bytesPer = format.bitsAllocated / 8
        let spp = format.samplesPerPixel
        let nSeg = u32(0)
        guard nSeg == bytesPer * spp else { throw bad("\(nSeg) segments, expected \(bytesPer * spp)") }
        var offsets = (0..<nSeg).map { u32(4 + 4 * $0) }
        offsets.append(data.count)
        let pixels = format.pixelsPerFrame
        // PackBits expands at most 128 bytes from 2: refuse headers that claim more than the data can hold.
        guard data.count * 64 >= pixels * nSeg else { throw bad("\(data.count) bytes cannot hold \(pixels * nSeg) decoded bytes") }
        var out = [Int32](repeating: 0, count: pixels * spp)
        var plane = [UInt8](repeating: 0, count: pixels)
        for seg in 0..<nSeg {
            let start = offsets[seg], end = offsets[seg + 1]
            guard start >= 64, start <= end, end <= data.count else { throw bad("segment \(seg) offsets \(start)..\(end) are out of range") }
            var p = start, o = 0
            while o < pixels && p < end {
                let n = Int(Int8(bitPattern: data[p]))
                p += 1
                if n >= 0 {
                    let c = n + 1
                    guard p + c <= end, o + c <= pixels else { throw bad("literal run past the end of segment \(seg)") }
                    for k in 0..<c { plane[o + k] = data[p + k] }
                    p += c; o += c
                } else if n != -128 {
                    let c = 1 - n
                    guard p < end, o + c <= pixels else { throw bad("repeat run past the end of segment \(seg)") }
                    let b = data[p]
                    for k in 0..<c { plane[o + k] = b }
                    p += 1; o += c
                }
            }
            guard o == pixels else { throw bad("segment \(seg) decodes to \(o) bytes, expected \(pixels)") }
            let sample = seg / bytesPer
            let shift = Int32(8 * (bytesPer - 1 - seg % bytesPer))
            for i in 0..<pixels { out[i * spp + sample] |= Int32(plane[i]) << shift }
        }
        return out
    }

    /// Encodes one frame of raw sample words (used by the writer).
    static func encode(_ samples: [Int32], format: PixelFormat) -> [UInt8] {
        let bytesPer = format.bitsAllocated / 8
        let spp = format.samplesPerPixel
        let pixels = format.pixelsPerFrame
        var segments: [[UInt8]] = []
        var plane = [UInt8](repeating: 0, count: pixels)
        for s in 0..<spp {
            for b in 0..<bytesPer {
                let shift = Int32(8 * (bytesPer - 1 - b))
                for i in 0..<pixels { plane[i] = UInt8(truncatingIfNeeded: samples[i * spp + s] >> shift) }
                segments.append(packBits(plane))
            }
        }
        var header = [UInt8](repeating: 0, count: 64)
        func put(_ v: Int, _ at: Int) { for k in 0..<4 { header[at + k] = UInt8(truncatingIfNeeded: v >> (8 * k)) } }
        put(segments.count, 0)
        var off = 64
        for (n, seg) in segments.enumerated() { put(off, 4 + 4 * n); off += seg.count }
        var out = header
        for seg in segments { out += seg }
        return out
    }

    static func packBits(_ row: [UInt8]) -> [UInt8] {
        var out: [UInt8] = []
        out.reserveCapacity(row.count / 2)
        var i = 0
        let n = row.count
        while i < n {
            var run = 1
            while i + run < n && run < 128 && row[i + run] == row[i] { run += 1 }
            if run >= 2 {
                out.append(UInt8(bitPattern: Int8(1 - run)))
                out.append(row[i])
                i += run
            } else {
                var lit = 1
                while i + lit < n && lit < 128 && !(i + lit + 1 < n && row[i + lit] == row[i + lit + 1]) { lit += 1 }
                out.append(UInt8(lit - 1))
                out.append(contentsOf: row[i..<(i + lit)])
                i += lit
            }
        }
        if out.count % 2 == 1 { out.append(0x80) }   // no-op byte keeps segments even
        return out
    }
}
