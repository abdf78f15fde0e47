/// The entropy-coding layer that the Huffman JPEG processes share (ITU T.81 annex C and F.2.2): code
/// tables from DHT segments, an MSB-first bit reader over byte-stuffed data, and symbol decoding. The
/// lossless (process 14) and the 12-bit DCT (process 4) decoders both sit on it.
enum JPEGEntropy {
    struct Failure: Error { let problem: String }

    struct HuffmanTable {
        /// 9-bit lookup: (code length << 8) | symbol, 0 when the code is longer than 9 bits.
        var fast = [UInt16](repeating: 0, count: 512)
        var maxCode = [Int](repeating: -1, count: 18)
        var valPtr = [Int](repeating: 0, count: 17)
        var minCode = [Int](repeating: 0, count: 17)
        var values: [UInt8] = []

        init(counts: [Int], values: [UInt8]) throws {
            self.values = values
            var code = 0, k = 0
            for len in 1...16 {
                valPtr[len] = k
                minCode[len] = code
                for _ in 0..<counts[len - 1] {
                    if len <= 9 {
                        let shift = 9 - len
                        let base = code << shift
                        for f in 0..<(1 << shift) { fast[base + f] = UInt16(len << 8) | UInt16(values[k]) }
                    }
                    code += 1; k += 1
                }
                maxCode[len] = counts[len - 1] > 0 ? code - 1 : -1
                guard code <= (1 << len) else { throw Failure(problem: "Huffman table has too many codes of length \(len)") }
                code <<= 1
            }
            maxCode[17] = Int.max
        }
    }

    /// MSB-first bit reader over entropy-coded data with 0xFF00 unstuffing. At a marker it feeds zero
    /// bits and counts them, so a truncated stream ends in an error rather than a read past the end.
    struct BitReader {
        let data: [UInt8]
        var pos: Int
        var acc: UInt64 = 0
        var bits = 0
        var padding = 0
        var atMarker = false

        init(data: [UInt8], pos: Int) { self.data = data; self.pos = pos }

        @inline(__always) mutating func fill() {
            while bits <= 56 {
                var b: UInt8 = 0
                if !atMarker && pos < data.count {
                    b = data[pos]
                    if b == 0xFF {
                        let next = pos + 1 < data.count ? data[pos + 1] : 0xD9
                        if next == 0x00 { pos += 2 } else { atMarker = true; b = 0 ; padding += 8 }
                    } else { pos += 1 }
                } else { padding += 8 }
                acc |= UInt64(b) << UInt64(56 - bits)
                bits += 8
            }
        }

        @inline(__always) mutating func peek(_ n: Int) -> Int {
            if bits < n { fill() }
            return Int(acc >> UInt64(64 - n))
        }

        @inline(__always) mutating func skip(_ n: Int) { acc <<= UInt64(n); bits -= n }

        @inline(__always) mutating func read(_ n: Int) -> Int {
            if n == 0 { return 0 }
            let v = peek(n)
            skip(n)
            return v
        }

        /// Discards buffered bits and moves past the RSTn marker of a restart interval.
        mutating func restart() throws {
            acc = 0; bits = 0; padding = 0; atMarker = false
            while pos + 1 < data.count && !(data[pos] == 0xFF && data[pos + 1] >= 0xD0 && data[pos + 1] <= 0xD7) { pos += 1 }
            guard pos + 1 < data.count else { throw Failure(problem: "restart marker missing") }
            pos += 2
        }

        /// Zero bits invented past the end of the entropy-coded data were consumed: the stream is short.
        var overran: Bool { padding > bits }
    }

    @inline(__always)
    static func decodeSymbol(_ r: inout BitReader, _ h: HuffmanTable) throws -> Int {
        let f = h.fast[r.peek(9)]
        if f != 0 {
            r.skip(Int(f >> 8))
            return Int(f & 0xFF)
        }
        var len = 10
        let code = r.peek(16)
        while len <= 16 {
            let c = code >> (16 - len)
            if c <= h.maxCode[len] {
                r.skip(len)
                let idx = h.valPtr[len] + c - h.minCode[len]
                guard idx >= 0, idx < h.values.count else { throw Failure(problem: "Huffman code out of table") }
                return Int(h.values[idx])
            }
            len += 1
        }
        throw Failure(problem: "invalid Huffman code")
    }

    /// The value of a `size`-bit magnitude category (T.81 F.2.2.1 EXTEND): codes with a leading 0 bit
    /// are negative.
    @inline(__always)
    static func extend(_ v: Int, _ size: Int) -> Int {
        v < (1 << (size - 1)) ? v - (1 << size) + 1 : v
    }

    /// A marker segment: its marker byte and the byte range of its payload (after the length field).
    struct Segment {
        let marker: UInt8
        let payload: Range<Int>
    }

    /// Walks the marker segments of a JPEG stream from SOI up to and including the first SOS, calling
    /// `body` for each; a segment that claims to run past the data is an error, not a read past the end.
    static func walkHeader(_ d: [UInt8], _ body: (Segment) throws -> Void) throws {
        guard d.count >= 4, d[0] == 0xFF, d[1] == 0xD8 else { throw Failure(problem: "no SOI marker at the start of the frame") }
        var p = 2
        while true {
            // Fill bytes may sit between segments.
            while p < d.count && d[p] != 0xFF { p += 1 }
            while p + 1 < d.count && d[p + 1] == 0xFF { p += 1 }
            guard p + 1 < d.count else { throw Failure(problem: "no SOS marker found") }
            let marker = d[p + 1]
            p += 2
            switch marker {
            case 0xD8, 0x01, 0xD0...0xD7: continue
            case 0xD9: throw Failure(problem: "EOI before any scan")
            default: break
            }
            guard p + 1 < d.count else { throw Failure(problem: "stream cut off in a marker segment") }
            let len = Int(d[p]) << 8 | Int(d[p + 1])
            guard len >= 2, p + len <= d.count else {
                throw Failure(problem: "marker 0xFF\(String(marker, radix: 16, uppercase: true)) segment length \(len) runs past the data")
            }
            try body(Segment(marker: marker, payload: (p + 2)..<(p + len)))
            if marker == 0xDA { return }
            p += len
        }
    }

    /// Huffman tables of a DHT segment, stored by class (0 DC or lossless, 1 AC) and destination 0-3.
    static func readDHT(_ d: [UInt8], _ seg: Segment, into tables: inout [[HuffmanTable?]], allowAC: Bool) throws {
        var q = seg.payload.lowerBound
        let end = seg.payload.upperBound
        while q < end {
            let tc = Int(d[q] >> 4), th = Int(d[q] & 15)
            guard tc == 0 || (allowAC && tc == 1), th < 4, q + 17 <= end else { throw Failure(problem: "bad DHT segment") }
            let counts = (0..<16).map { Int(d[q + 1 + $0]) }
            let total = counts.reduce(0, +)
            guard total <= 256, q + 17 + total <= end else { throw Failure(problem: "DHT table runs past its segment") }
            tables[tc][th] = try HuffmanTable(counts: counts, values: Array(d[(q + 17)..<(q + 17 + total)]))
            q += 17 + total
        }
    }

    /// Sample precision from the first DCT frame header (SOF0, SOF1 or SOF2), if there is one.
    static func dctPrecision(_ d: [UInt8]) -> Int? {
        var precision: Int?
        try? walkHeader(d) { seg in
            if precision == nil, [0xC0, 0xC1, 0xC2].contains(seg.marker), seg.payload.count >= 1 {
                precision = Int(d[seg.payload.lowerBound])
            }
        }
        return precision
    }
}
