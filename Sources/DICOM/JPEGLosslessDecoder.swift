/// JPEG Lossless, non-hierarchical, Huffman coded (ITU T.81 process 14): the codec of most CT
/// archives. All seven predictors (selection values 1-7), point transform, restart intervals, 2-16 bit
/// precision and up to 4 interleaved components (each sampled 1x1) are supported.
enum JPEGLosslessDecoder {
    struct Failure: Error { let problem: String }

    struct Huffman {
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
    static func decodeSymbol(_ r: inout BitReader, _ h: Huffman) throws -> Int {
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

    static func decode(_ data: [UInt8], format: PixelFormat, file: String) throws -> [Int32] {
        do { return try decodeStream(data, format: format) } catch let f as Failure {
            throw DICOMError.decodeFailed(file: file, problem: "JPEG Lossless: \(f.problem)")
        }
    }

    static func decodeStream(_ d: [UInt8], format: PixelFormat) throws -> [Int32] {
        var p = 0
        func u16(_ at: Int) throws -> Int {
            guard at + 1 < d.count else { throw Failure(problem: "stream cut off in a marker segment") }
            return Int(d[at]) << 8 | Int(d[at + 1])
        }
        guard d.count >= 4, d[0] == 0xFF, d[1] == 0xD8 else { throw Failure(problem: "no SOI marker at the start of the frame") }
        p = 2
        var tables = [Huffman?](repeating: nil, count: 4)
        var precision = 0, width = 0, height = 0
        var compIDs: [Int] = []
        var restartInterval = 0
        while true {
            // Skip fill bytes between segments.
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
            let len = try u16(p)
            guard len >= 2, p + len <= d.count else { throw Failure(problem: "marker 0xFF\(String(marker, radix: 16)) segment length \(len) runs past the data") }
            let seg = p + 2, segEnd = p + len
            switch marker {
            case 0xC3:
                guard len >= 8 else { throw Failure(problem: "SOF3 too short") }
                precision = Int(d[seg])
                height = try u16(seg + 1)
                width = try u16(seg + 3)
                let nf = Int(d[seg + 5])
                guard nf >= 1, nf <= 4, len >= 8 + 3 * nf else { throw Failure(problem: "SOF3 declares \(nf) components") }
                for c in 0..<nf {
                    compIDs.append(Int(d[seg + 6 + 3 * c]))
                    guard d[seg + 7 + 3 * c] == 0x11 else { throw Failure(problem: "subsampled components are not supported") }
                }
            case 0xC0, 0xC1, 0xC2, 0xC5, 0xC6, 0xC7, 0xC9, 0xCA, 0xCB, 0xCD, 0xCE, 0xCF:
                throw Failure(problem: "frame is not JPEG Lossless process 14 (SOF marker 0xFF\(String(marker, radix: 16, uppercase: true)))")
            case 0xC4:
                var q = seg
                while q < segEnd {
                    let tc = Int(d[q] >> 4), th = Int(d[q] & 15)
                    guard tc == 0, th < 4, q + 17 <= segEnd else { throw Failure(problem: "bad DHT segment") }
                    let counts = (0..<16).map { Int(d[q + 1 + $0]) }
                    let total = counts.reduce(0, +)
                    guard total <= 256, q + 17 + total <= segEnd else { throw Failure(problem: "DHT table runs past its segment") }
                    tables[th] = try Huffman(counts: counts, values: Array(d[(q + 17)..<(q + 17 + total)]))
                    q += 17 + total
                }
            case 0xDD:
                restartInterval = try u16(seg)
            case 0xDA:
                guard precision >= 2, precision <= 16, width > 0, height > 0 else { throw Failure(problem: "scan before a valid SOF3 header") }
                guard width == format.columns, height == format.rows, compIDs.count == format.samplesPerPixel else {
                    throw Failure(problem: "JPEG frame is \(width)x\(height)x\(compIDs.count), the DICOM header says \(format.columns)x\(format.rows)x\(format.samplesPerPixel)")
                }
                let ns = Int(d[seg])
                guard ns == compIDs.count, len >= 6 + 2 * ns else { throw Failure(problem: "scan covers \(ns) of \(compIDs.count) components (non-interleaved scans are not supported)") }
                var compTables: [Huffman] = []
                var order: [Int] = []
                for c in 0..<ns {
                    let id = Int(d[seg + 1 + 2 * c])
                    guard let idx = compIDs.firstIndex(of: id) else { throw Failure(problem: "scan names unknown component \(id)") }
                    order.append(idx)
                    let td = Int(d[seg + 2 + 2 * c] >> 4)
                    guard td < 4, let t = tables[td] else { throw Failure(problem: "scan uses undefined Huffman table \(td)") }
                    compTables.append(t)
                }
                let predictor = Int(d[seg + 1 + 2 * ns])
                let pt = Int(d[seg + 3 + 2 * ns] & 15)
                guard predictor >= 1, predictor <= 7 else { throw Failure(problem: "selection value \(predictor) is not a lossless predictor (1-7)") }
                guard pt < precision else { throw Failure(problem: "point transform \(pt) >= precision \(precision)") }
                return try decodeScan(d, start: segEnd, width: width, height: height, tables: compTables, order: order,
                                      predictor: predictor, precision: precision, pt: pt, restartInterval: restartInterval)
            default:
                break
            }
            p = segEnd
        }
    }

    static func decodeScan(_ d: [UInt8], start: Int, width: Int, height: Int, tables: [Huffman], order: [Int],
                           predictor: Int, precision: Int, pt: Int, restartInterval: Int) throws -> [Int32] {
        let nc = order.count
        // Every sample costs at least one bit of entropy-coded data.
        guard (d.count - start) * 8 >= width * height * nc else { throw Failure(problem: "\(d.count - start) bytes of scan data cannot hold \(width * height * nc) samples") }
        var out = [Int32](repeating: 0, count: width * height * nc)
        var r = BitReader(data: d, pos: start)
        let initial = 1 << (precision - pt - 1)
        let mask = 0xFFFF
        var mcusLeft = restartInterval
        // True for the row that follows the start of the image or of a restart interval (1-D prediction).
        var firstRow = true
        var resetAt = 0   // column of the first pixel after a restart (predicted by `initial`)
        try out.withUnsafeMutableBufferPointer { o in
            for y in 0..<height {
                for x in 0..<width {
                    if restartInterval > 0 {
                        if mcusLeft == 0 {
                            try r.restart()
                            mcusLeft = restartInterval
                            firstRow = true
                            resetAt = x
                        }
                        mcusLeft -= 1
                    }
                    let rowBase = y * width
                    for c in 0..<nc {
                        let comp = order[c]
                        let s = try decodeSymbol(&r, tables[c])
                        var diff: Int
                        if s == 0 { diff = 0 } else if s == 16 { diff = 32768 } else {
                            guard s < 16 else { throw Failure(problem: "difference category \(s) > 16") }
                            let v = r.read(s)
                            diff = v < (1 << (s - 1)) ? v - (1 << s) + 1 : v
                        }
                        let idx = (rowBase + x) * nc + comp
                        var pred: Int
                        if firstRow {
                            pred = x == resetAt ? initial : Int(o[idx - nc])
                        } else if x == 0 {
                            pred = Int(o[idx - width * nc])
                        } else {
                            let ra = Int(o[idx - nc]), rb = Int(o[idx - width * nc]), rc = Int(o[idx - width * nc - nc])
                            switch predictor {
                            case 1: pred = ra
                            case 2: pred = rb
                            case 3: pred = rc
                            case 4: pred = ra + rb - rc
                            case 5: pred = ra + ((rb - rc) >> 1)
                            case 6: pred = rb + ((ra - rc) >> 1)
                            default: pred = (ra + rb) >> 1
                            }
                        }
                        o[idx] = Int32((pred + diff) & mask)
                    }
                    if r.overran { throw Failure(problem: "entropy-coded data ends early (at row \(y), column \(x))") }
                }
                firstRow = false
                resetAt = 0
            }
            if pt > 0 { for n in 0..<o.count { o[n] = Int32((Int(o[n]) << pt) & mask) } }
        }
        return out
    }
}
