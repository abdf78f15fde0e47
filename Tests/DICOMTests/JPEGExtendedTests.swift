@testable import DICOM
import Foundation
import XCTest

/// 12-bit DCT JPEG (Extended, process 4) against an encoder written here from ITU T.81 (annex A, F.1)
/// with its own double-precision inverse DCT, and against libjpeg-turbo on the 8-bit sample.
final class JPEGExtendedTests: XCTestCase {
    struct Encoded {
        var jpeg: [UInt8]
        /// What an exact decoder must give: the inverse DCT (in Double) of the quantised coefficients.
        var expected: [Int32]
    }

    static let zigzag: [Int] = {
        // Walk the anti-diagonals the long way round: a cross-check of the decoder's table.
        var order: [Int] = [], r = 0, c = 0, up = true
        for _ in 0..<64 {
            order.append(r * 8 + c)
            if up {
                if c == 7 { r += 1; up = false } else if r == 0 { c += 1; up = false } else { r -= 1; c += 1 }
            } else {
                if r == 7 { c += 1; up = true } else if c == 0 { r += 1; up = true } else { r += 1; c -= 1 }
            }
        }
        return order
    }()

    static func cosine(_ x: Int, _ u: Int) -> Double {
        (u == 0 ? (1.0 / 8).squareRoot() : 0.5) * cos(Double(2 * x + 1) * Double(u) * .pi / 16)
    }

    /// One grayscale component; DC categories get 5-bit codes and every AC run/size symbol an 8-bit code.
    static func encode(_ px: [Int], width: Int, height: Int, precision: Int, quant: [Int], restartBlocks: Int = 0) -> Encoded {
        var out = JPEGTestWriter()
        func seg(_ marker: UInt8, _ body: [UInt8]) { out.segment(marker, body) }
        let sixteenBit = quant.contains { $0 > 255 }
        seg(0xDB, [sixteenBit ? 0x10 : 0x00] + (0..<64).flatMap { k -> [UInt8] in
            let q = quant[k]
            return sixteenBit ? [UInt8(q >> 8), UInt8(q & 0xFF)] : [UInt8(q)]
        })
        seg(0xC1, [UInt8(precision), UInt8(height >> 8), UInt8(height & 0xFF), UInt8(width >> 8), UInt8(width & 0xFF), 1, 7, 0x11, 0])
        var dcCounts = [UInt8](repeating: 0, count: 16); dcCounts[4] = 16
        seg(0xC4, [0x00] + dcCounts + (0..<16).map { UInt8($0) })
        let acSymbols: [UInt8] = [0x00, 0xF0] + (0..<16).flatMap { r in (1...14).map { UInt8(r << 4 | $0) } }
        var acCounts = [UInt8](repeating: 0, count: 16); acCounts[7] = UInt8(acSymbols.count)
        seg(0xC4, [0x10] + acCounts + acSymbols)
        if restartBlocks > 0 { seg(0xDD, [UInt8(restartBlocks >> 8), UInt8(restartBlocks & 0xFF)]) }
        seg(0xDA, [1, 7, 0x00, 0, 63, 0])

        func put(_ v: Int, _ len: Int) { out.put(v, len) }
        func category(_ v: Int) -> Int { v == 0 ? 0 : Int.bitWidth - abs(v).leadingZeroBitCount }
        func bits(_ v: Int, _ s: Int) -> Int { v > 0 ? v : (v - 1) & ((1 << s) - 1) }

        let shift = Double(1 << (precision - 1)), maxValue = Double((1 << precision) - 1)
        var expected = [Int32](repeating: 0, count: width * height)
        let bw = (width + 7) / 8, bh = (height + 7) / 8
        var pred = 0, block = 0
        for by in 0..<bh {
            for bx in 0..<bw {
                if restartBlocks > 0 && block > 0 && block % restartBlocks == 0 {
                    out.restart(); pred = 0
                }
                block += 1
                // Edge blocks repeat the last row and column, as encoders do.
                func sample(_ y: Int, _ x: Int) -> Double {
                    Double(px[min(by * 8 + y, height - 1) * width + min(bx * 8 + x, width - 1)]) - shift
                }
                var q = [Int](repeating: 0, count: 64)   // quantised, natural order
                for v in 0..<8 {
                    for u in 0..<8 {
                        var s = 0.0
                        for y in 0..<8 { for x in 0..<8 { s += cosine(y, v) * cosine(x, u) * sample(y, x) } }
                        q[v * 8 + u] = Int((s / Double(quant[zigzag.firstIndex(of: v * 8 + u)!])).rounded())
                    }
                }
                let dc = q[0] - pred; pred = q[0]
                let s = category(dc); put(s, 5); if s > 0 { put(bits(dc, s), s) }
                var run = 0
                for k in 1..<64 {
                    let v = q[zigzag[k]]
                    if v == 0 { run += 1; continue }
                    while run > 15 { put(Int(acSymbols.firstIndex(of: 0xF0)!), 8); run -= 16 }
                    let sz = category(v)
                    put(acSymbols.firstIndex(of: UInt8(run << 4 | sz))!, 8); put(bits(v, sz), sz)
                    run = 0
                }
                if run > 0 { put(0, 8) }   // EOB is symbol index 0
                for y in 0..<8 where by * 8 + y < height {
                    for x in 0..<8 where bx * 8 + x < width {
                        var s = 0.0
                        for v in 0..<8 { for u in 0..<8 {
                            s += cosine(y, v) * cosine(x, u) * Double(q[v * 8 + u] * quant[zigzag.firstIndex(of: v * 8 + u)!])
                        } }
                        expected[(by * 8 + y) * width + bx * 8 + x] = Int32(min(max((s + shift).rounded(), 0), maxValue))
                    }
                }
            }
        }
        return Encoded(jpeg: out.finish(), expected: expected)
    }

    func decode(_ jpeg: [UInt8], width: Int, height: Int, bitsStored: Int = 12) throws -> [Int32] {
        var ds = TestFiles.imageDataSet(rows: height, columns: width, bitsStored: bitsStored, signed: false)
        ds.addEncapsulated(Tag.pixelData, fragments: [jpeg])
        let f = try TestFiles.parse(TestFiles.file(ds, syntax: TransferSyntax.forUID("1.2.840.10008.1.2.4.51")))
        return try PixelDataReader(file: f).frame(0)
    }

    /// A CT-like 12-bit image: ramps, a sharp edge, texture, and both ends of the range.
    static func image(width: Int, height: Int) -> [Int] {
        var v = [Int]()
        for y in 0..<height {
            for x in 0..<width {
                var s = 1000 + (x * 37 + y * 11) % 900 + (x > width / 2 ? 1400 : 0) + ((x * y) % 7) * 9
                if x < 3 && y < 3 { s = 0 }
                if x == width - 1 && y == height - 1 { s = 4095 }
                v.append(s)
            }
        }
        return v
    }

    static let typicalQuant: [Int] = (0..<64).map { k in 4 + k / 2 }

    func testMatchesExactInverseDCT() throws {
        XCTAssertEqual(Self.zigzag, JPEGExtendedDecoder.zigzag)
        let w = 37, h = 23
        let img = Self.image(width: w, height: h)
        for (quant, name) in [([Int](repeating: 1, count: 64), "unit"), (Self.typicalQuant, "typical"), (Self.typicalQuant.map { $0 * 40 }, "16-bit")] {
            for restart in [0, 1, 4] {
                let e = Self.encode(img, width: w, height: h, precision: 12, quant: quant, restartBlocks: restart)
                let got = try decode(e.jpeg, width: w, height: h)
                XCTAssertEqual(got.count, w * h)
                // Float against Double: only a sum within rounding of .5 may land on the other side.
                let off = zip(got, e.expected).filter { $0 != $1 }
                XCTAssertTrue(off.allSatisfy { abs($0 - $1) == 1 }, "\(name) restart \(restart): \(off.prefix(5))")
                XCTAssertLessThanOrEqual(off.count, 2, "\(name) restart \(restart)")
            }
        }
        // With unit quantisation the only loss is coefficient rounding: the image itself comes back.
        let e = Self.encode(img, width: w, height: h, precision: 12, quant: [Int](repeating: 1, count: 64))
        let got = try decode(e.jpeg, width: w, height: h)
        XCTAssertLessThanOrEqual(zip(got, img).map { abs(Int($0) - $1) }.max()!, 2)
    }

    func testCorruptStreamsFailCleanly() throws {
        let w = 16, h = 16
        let e = Self.encode(Self.image(width: w, height: h), width: w, height: h, precision: 12, quant: Self.typicalQuant)
        for cut in stride(from: 2, to: e.jpeg.count - 2, by: 5) {
            XCTAssertThrowsError(try decode(Array(e.jpeg[0..<cut]), width: w, height: h), "cut at \(cut)")
        }
        XCTAssertThrowsError(try decode(e.jpeg, width: w + 8, height: h)) { err in
            XCTAssertTrue("\(err)".contains("JPEG frame is 16x16"), "\(err)")
        }
        // A progressive frame header is named, not misread as sequential.
        var progressive = e.jpeg
        let sof = (0..<progressive.count - 1).first { progressive[$0] == 0xFF && progressive[$0 + 1] == 0xC1 }!
        progressive[sof + 1] = 0xC2
        XCTAssertThrowsError(try decode(progressive, width: w, height: h)) { err in
            XCTAssertTrue("\(err)".contains("progressive"), "\(err)")
        }
    }

    /// The 8-bit baseline sample, decoded here and by libjpeg-turbo (accurate integer IDCT): two
    /// independent decoders of the same stream may differ by one level where a sum sits near .5.
    func testAgreesWithLibjpegTurboOnTheBaselineSample() throws {
        let f = try DICOMFile.read(try SampleData.dicom("ct_transfer_syntaxes/CT_jpeg_baseline_p1.dcm"))
        let reader = try PixelDataReader(file: f)
        let stream = try reader.encapsulatedFrame(0)
        XCTAssertEqual(JPEGEntropy.dctPrecision(stream), 8)
        let turbo = try JPEGBaselineDecoder.decode(stream, format: reader.format, file: "sample")
        let ours = try JPEGExtendedDecoder.decode(stream, format: reader.format, file: "sample")
        XCTAssertEqual(ours.count, turbo.count)
        let diffs = zip(ours, turbo).map { abs($0 - $1) }
        XCTAssertLessThanOrEqual(diffs.max()!, 1)
        XCTAssertLessThan(Double(diffs.filter { $0 != 0 }.count) / Double(diffs.count), 0.02)
    }
}
