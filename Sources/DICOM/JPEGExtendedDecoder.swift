import Foundation

/// Sequential Huffman DCT JPEG for one grayscale component at 8 or 12 bits (ITU T.81 processes 1, 2
/// and 4). It exists for the 12-bit frames of JPEG Extended (1.2.840.10008.1.2.4.51), which older CT
/// archives hold and which Debian's libjpeg-turbo 2.1 cannot decode; 8-bit frames still go through
/// libjpeg-turbo (`JPEGBaselineDecoder`), and decoding them here too is how the tests check this
/// decoder against an independent one. The inverse DCT is the exact separable transform in Float:
/// IJG-based decoders use an integer approximation, so samples may differ from theirs by one level.
enum JPEGExtendedDecoder {
    typealias Failure = JPEGEntropy.Failure

    static func decode(_ data: [UInt8], format: PixelFormat, file: String) throws -> [Int32] {
        do { return try decodeStream(data, format: format) } catch let f as Failure {
            throw DICOMError.decodeFailed(file: file, problem: "JPEG Extended: \(f.problem)")
        }
    }

    /// Natural (row-major) position of the k-th coefficient in zig-zag order.
    static let zigzag: [Int] = {
        var order: [Int] = []
        for s in 0..<15 {
            let cells = (0...s).map { i in (row: i, col: s - i) }.filter { $0.row < 8 && $0.col < 8 }
            // Anti-diagonals alternate direction, starting upwards (row decreasing) on even sums.
            let run = s % 2 == 0 ? cells.reversed() : cells
            order += run.map { $0.row * 8 + $0.col }
        }
        return order
    }()

    /// basis[x * 8 + u] = C(u)/2 cos((2x+1)uπ/16): one 1-D inverse DCT is out[x] = Σ_u basis[x,u] F[u].
    static let basis: [Float] = (0..<64).map { i in
        let x = Double(i / 8), u = Double(i % 8)
        let c = u == 0 ? (1.0 / 8.0).squareRoot() : 0.5
        return Float(c * cos((2 * x + 1) * u * Double.pi / 16))
    }

    struct Frame {
        var precision = 0, width = 0, height = 0
        var componentID = -1, quantTable = 0
    }

    static func decodeStream(_ d: [UInt8], format: PixelFormat) throws -> [Int32] {
        func u16(_ at: Int) -> Int { Int(d[at]) << 8 | Int(d[at + 1]) }
        var frame = Frame()
        var quant = [[Float]?](repeating: nil, count: 4)
        var tables = [[JPEGEntropy.HuffmanTable?]](repeating: [nil, nil, nil, nil], count: 2)
        var restartInterval = 0
        var scan: (start: Int, dc: JPEGEntropy.HuffmanTable, ac: JPEGEntropy.HuffmanTable)?
        try JPEGEntropy.walkHeader(d) { seg in
            let at = seg.payload.lowerBound, n = seg.payload.count
            switch seg.marker {
            case 0xC0, 0xC1:
                guard n >= 6 else { throw Failure(problem: "SOF too short") }
                frame.precision = Int(d[at])
                frame.height = u16(at + 1)
                frame.width = u16(at + 3)
                let nf = Int(d[at + 5])
                guard frame.precision == 8 || frame.precision == 12 else { throw Failure(problem: "sample precision \(frame.precision) (DCT JPEG has 8 or 12)") }
                guard nf == 1, n >= 9 else { throw Failure(problem: "\(nf) components: only grayscale 12-bit DCT JPEG is supported") }
                frame.componentID = Int(d[at + 6])
                frame.quantTable = Int(d[at + 8])
                guard frame.quantTable < 4 else { throw Failure(problem: "quantisation table \(frame.quantTable) out of range") }
            case 0xC2, 0xC3, 0xC5, 0xC6, 0xC7, 0xC9, 0xCA, 0xCB, 0xCD, 0xCE, 0xCF:
                let kind = seg.marker == 0xC2 ? "progressive" : seg.marker >= 0xC9 ? "arithmetic-coded" : "lossless or hierarchical"
                throw Failure(problem: "\(kind) JPEG (SOF marker 0xFF\(String(seg.marker, radix: 16, uppercase: true))) is not sequential Huffman DCT")
            case 0xDB:
                var q = at
                while q < seg.payload.upperBound {
                    let pq = Int(d[q] >> 4), tq = Int(d[q] & 15)
                    let size = pq == 0 ? 64 : 128
                    guard pq <= 1, tq < 4, q + 1 + size <= seg.payload.upperBound else { throw Failure(problem: "bad DQT segment") }
                    quant[tq] = (0..<64).map { k in Float(pq == 0 ? Int(d[q + 1 + k]) : u16(q + 1 + 2 * k)) }
                    q += 1 + size
                }
            case 0xC4:
                try JPEGEntropy.readDHT(d, seg, into: &tables, allowAC: true)
            case 0xDD:
                guard n >= 2 else { throw Failure(problem: "DRI too short") }
                restartInterval = u16(at)
            case 0xDA:
                guard frame.precision > 0, frame.width > 0, frame.height > 0 else { throw Failure(problem: "scan before a valid SOF0/SOF1 header") }
                guard n >= 6, Int(d[at]) == 1, Int(d[at + 1]) == frame.componentID else { throw Failure(problem: "scan does not cover the frame's one component") }
                let td = Int(d[at + 2] >> 4), ta = Int(d[at + 2] & 15)
                guard td < 4, ta < 4, let dc = tables[0][td], let ac = tables[1][ta] else { throw Failure(problem: "scan uses an undefined Huffman table") }
                guard d[at + 3] == 0, d[at + 4] == 63, d[at + 5] == 0 else { throw Failure(problem: "scan is not a full sequential scan (Ss 0, Se 63, Ah/Al 0)") }
                scan = (seg.payload.upperBound, dc, ac)
            default:
                break
            }
        }
        guard let sc = scan else { throw Failure(problem: "no SOS marker found") }
        guard frame.width == format.columns, frame.height == format.rows, format.samplesPerPixel == 1 else {
            throw Failure(problem: "JPEG frame is \(frame.width)x\(frame.height)x1, the DICOM header says \(format.columns)x\(format.rows)x\(format.samplesPerPixel)")
        }
        guard let q = quant[frame.quantTable] else { throw Failure(problem: "quantisation table \(frame.quantTable) is not defined") }
        return try decodeScan(d, start: sc.start, frame: frame, quant: q, dc: sc.dc, ac: sc.ac, restartInterval: restartInterval)
    }

    static func decodeScan(_ d: [UInt8], start: Int, frame: Frame, quant: [Float], dc: JPEGEntropy.HuffmanTable,
                           ac: JPEGEntropy.HuffmanTable, restartInterval: Int) throws -> [Int32] {
        let w = frame.width, h = frame.height
        let blocksX = (w + 7) / 8, blocksY = (h + 7) / 8
        // Each block costs at least two bits (a DC code and an end-of-block code).
        guard (d.count - start) * 8 >= blocksX * blocksY * 2 else {
            throw Failure(problem: "\(d.count - start) bytes of scan data cannot hold \(blocksX * blocksY) blocks")
        }
        let levelShift = Float(1 << (frame.precision - 1)), maxSample = Float((1 << frame.precision) - 1)
        var out = [Int32](repeating: 0, count: w * h)
        var r = JPEGEntropy.BitReader(data: d, pos: start)
        var coef = [Float](repeating: 0, count: 64)
        var rows = [Float](repeating: 0, count: 64)
        var predictor = 0
        var blocksLeft = restartInterval
        let zz = zigzag, cosines = basis
        try out.withUnsafeMutableBufferPointer { o in
            try coef.withUnsafeMutableBufferPointer { f in
                try rows.withUnsafeMutableBufferPointer { g in
                    try cosines.withUnsafeBufferPointer { c in
                        for by in 0..<blocksY {
                            for bx in 0..<blocksX {
                                if restartInterval > 0 {
                                    if blocksLeft == 0 { try r.restart(); blocksLeft = restartInterval; predictor = 0 }
                                    blocksLeft -= 1
                                }
                                for i in 0..<64 { f[i] = 0 }
                                let s = try JPEGEntropy.decodeSymbol(&r, dc)
                                guard s <= 15 else { throw Failure(problem: "DC difference category \(s) > 15") }
                                if s > 0 { predictor += JPEGEntropy.extend(r.read(s), s) }
                                f[0] = Float(predictor) * quant[0]
                                var k = 1
                                while k < 64 {
                                    let rs = try JPEGEntropy.decodeSymbol(&r, ac)
                                    let run = rs >> 4, size = rs & 15
                                    if size == 0 {
                                        if run == 15 { k += 16; continue }
                                        break
                                    }
                                    k += run
                                    guard k < 64 else { throw Failure(problem: "AC coefficients run past the block (row \(by * 8), column \(bx * 8))") }
                                    f[zz[k]] = Float(JPEGEntropy.extend(r.read(size), size)) * quant[k]
                                    k += 1
                                }
                                if r.overran { throw Failure(problem: "entropy-coded data ends early (row \(by * 8), column \(bx * 8))") }
                                // Rows of coefficients first (skipping empty ones, most of them), then columns.
                                for v in 0..<8 {
                                    var empty = true
                                    for u in 0..<8 where f[v * 8 + u] != 0 { empty = false; break }
                                    for x in 0..<8 {
                                        var acc: Float = 0
                                        if !empty { for u in 0..<8 { acc += c[x * 8 + u] * f[v * 8 + u] } }
                                        g[v * 8 + x] = acc
                                    }
                                }
                                for y in 0..<8 {
                                    let py = by * 8 + y
                                    guard py < h else { break }
                                    for x in 0..<8 {
                                        let px = bx * 8 + x
                                        guard px < w else { break }
                                        var acc: Float = 0
                                        for v in 0..<8 { acc += c[y * 8 + v] * g[v * 8 + x] }
                                        o[py * w + px] = Int32(Swift.min(Swift.max((acc + levelShift).rounded(), 0), maxSample))
                                    }
                                }
                            }
                        }
                    }
                }
            }
        }
        // A frame cut short can end in zero bits that still decode (zeros complete some code tables),
        // so the end of the frame must be there: an EOI marker after the scan.
        var p = r.pos
        while p + 1 < d.count && !(d[p] == 0xFF && d[p + 1] == 0xD9) { p += 1 }
        guard p + 1 < d.count else { throw Failure(problem: "no EOI marker after the scan: the frame is truncated") }
        return out
    }
}
