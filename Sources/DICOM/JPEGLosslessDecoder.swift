/// JPEG Lossless, non-hierarchical, Huffman coded (ITU T.81 process 14): the codec of most CT
/// archives. All seven predictors (selection values 1-7), point transform, restart intervals, 2-16 bit
/// precision and up to 4 interleaved components (each sampled 1x1) are supported.
enum JPEGLosslessDecoder {
    typealias Failure = JPEGEntropy.Failure

    static func decode(_ data: [UInt8], format: PixelFormat, file: String) throws -> [Int32] {
        do { return try decodeStream(data, format: format) } catch let f as Failure {
            throw DICOMError.decodeFailed(file: file, problem: "JPEG Lossless: \(f.problem)")
        }
    }

    static func decodeStream(_ d: [UInt8], format: PixelFormat) throws -> [Int32] {
        func u16(_ at: Int) -> Int { Int(d[at]) << 8 | Int(d[at + 1]) }
        var tables = [[JPEGEntropy.HuffmanTable?]](repeating: [nil, nil, nil, nil], count: 2)
        var precision = 0, width = 0, height = 0
        var compIDs: [Int] = []
        var restartInterval = 0
        var scan: (start: Int, tables: [JPEGEntropy.HuffmanTable], order: [Int], predictor: Int, pt: Int)?
        try JPEGEntropy.walkHeader(d) { seg in
            let at = seg.payload.lowerBound, n = seg.payload.count
            switch seg.marker {
            case 0xC3:
                guard n >= 6 else { throw Failure(problem: "SOF3 too short") }
                precision = Int(d[at])
                height = u16(at + 1)
                width = u16(at + 3)
                let nf = Int(d[at + 5])
                guard nf >= 1, nf <= 4, n >= 6 + 3 * nf else { throw Failure(problem: "SOF3 declares \(nf) components") }
                for c in 0..<nf {
                    compIDs.append(Int(d[at + 6 + 3 * c]))
                    guard d[at + 7 + 3 * c] == 0x11 else { throw Failure(problem: "subsampled components are not supported") }
                }
            case 0xC0, 0xC1, 0xC2, 0xC5, 0xC6, 0xC7, 0xC9, 0xCA, 0xCB, 0xCD, 0xCE, 0xCF:
                throw Failure(problem: "frame is not JPEG Lossless process 14 (SOF marker 0xFF\(String(seg.marker, radix: 16, uppercase: true)))")
            case 0xC4:
                try JPEGEntropy.readDHT(d, seg, into: &tables, allowAC: false)
            case 0xDD:
                guard n >= 2 else { throw Failure(problem: "DRI too short") }
                restartInterval = u16(at)
            case 0xDA:
                guard precision >= 2, precision <= 16, width > 0, height > 0 else { throw Failure(problem: "scan before a valid SOF3 header") }
                guard width == format.columns, height == format.rows, compIDs.count == format.samplesPerPixel else {
                    throw Failure(problem: "JPEG frame is \(width)x\(height)x\(compIDs.count), the DICOM header says \(format.columns)x\(format.rows)x\(format.samplesPerPixel)")
                }
                let ns = n >= 1 ? Int(d[at]) : 0
                guard ns == compIDs.count, n >= 4 + 2 * ns else { throw Failure(problem: "scan covers \(ns) of \(compIDs.count) components (non-interleaved scans are not supported)") }
                var compTables: [JPEGEntropy.HuffmanTable] = []
                var order: [Int] = []
                for c in 0..<ns {
                    let id = Int(d[at + 1 + 2 * c])
                    guard let idx = compIDs.firstIndex(of: id) else { throw Failure(problem: "scan names unknown component \(id)") }
                    order.append(idx)
                    let td = Int(d[at + 2 + 2 * c] >> 4)
                    guard td < 4, let t = tables[0][td] else { throw Failure(problem: "scan uses undefined Huffman table \(td)") }
                    compTables.append(t)
                }
                let predictor = Int(d[at + 1 + 2 * ns])
                let pt = Int(d[at + 3 + 2 * ns] & 15)
                guard predictor >= 1, predictor <= 7 else { throw Failure(problem: "selection value \(predictor) is not a lossless predictor (1-7)") }
                guard pt < precision else { throw Failure(problem: "point transform \(pt) >= precision \(precision)") }
                scan = (seg.payload.upperBound, compTables, order, predictor, pt)
            default:
                break
            }
        }
        guard let sc = scan else { throw Failure(problem: "no SOS marker found") }
        return try decodeScan(d, start: sc.start, width: width, height: height, tables: sc.tables, order: sc.order,
                              predictor: sc.predictor, precision: precision, pt: sc.pt, restartInterval: restartInterval)
    }

    static func decodeScan(_ d: [UInt8], start: Int, width: Int, height: Int, tables: [JPEGEntropy.HuffmanTable], order: [Int],
                           predictor: Int, precision: Int, pt: Int, restartInterval: Int) throws -> [Int32] {
        let nc = order.count
        // Every sample costs at least one bit of entropy-coded data.
        guard (d.count - start) * 8 >= width * height * nc else { throw Failure(problem: "\(d.count - start) bytes of scan data cannot hold \(width * height * nc) samples") }
        var out = [Int32](repeating: 0, count: width * height * nc)
        var r = JPEGEntropy.BitReader(data: d, pos: start)
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
                        let s = try JPEGEntropy.decodeSymbol(&r, tables[c])
                        var diff: Int
                        if s == 0 { diff = 0 } else if s == 16 { diff = 32768 } else {
                            guard s < 16 else { throw Failure(problem: "difference category \(s) > 16") }
                            diff = JPEGEntropy.extend(r.read(s), s)
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
