import DICOM
import Foundation
import XCTest

/// JPEG Lossless (process 14) against an independent encoder written here from ITU T.81 (H.1):
/// every predictor, point transform, restart intervals, 12- and 16-bit precision.
final class JPEGLosslessTests: XCTestCase {
    /// Minimal encoder: one component, one Huffman table giving every category a 5-bit code.
    static func encode(_ px: [Int], width: Int, height: Int, precision: Int, predictor: Int, pt: Int, restartRows: Int = 0) -> [UInt8] {
        var out = JPEGTestWriter()
        func seg(_ marker: UInt8, _ body: [UInt8]) { out.segment(marker, body) }
        seg(0xC3, [UInt8(precision), UInt8(height >> 8), UInt8(height & 0xFF), UInt8(width >> 8), UInt8(width & 0xFF), 1, 1, 0x11, 0])
        var bits = [UInt8](repeating: 0, count: 16); bits[4] = 17
        seg(0xC4, [0x00] + bits + (0...16).map { UInt8($0) })
        let ri = restartRows * width
        if ri > 0 { seg(0xDD, [UInt8(ri >> 8), UInt8(ri & 0xFF)]) }
        seg(0xDA, [1, 1, 0x00, UInt8(predictor), 0, UInt8(pt)])
        func put(_ v: Int, _ len: Int) { out.put(v, len) }
        let x = px.map { $0 >> pt }
        var rowStart = 0   // first row of the current restart interval
        for y in 0..<height {
            if ri > 0 && y > 0 && y % restartRows == 0 {
                out.restart(); rowStart = y
            }
            for c in 0..<width {
                let i = y * width + c
                let pred: Int
                if y == rowStart { pred = c == 0 ? 1 << (precision - pt - 1) : x[i - 1] }
                else if c == 0 { pred = x[i - width] }
                else {
                    let a = x[i - 1], b = x[i - width], cc = x[i - width - 1]
                    switch predictor {
                    case 1: pred = a
                    case 2: pred = b
                    case 3: pred = cc
                    case 4: pred = a + b - cc
                    case 5: pred = a + ((b - cc) >> 1)
                    case 6: pred = b + ((a - cc) >> 1)
                    default: pred = (a + b) >> 1
                    }
                }
                var d = (x[i] - pred) & 0xFFFF
                if d >= 32768 { d -= 65536 }
                if d == 0 { put(0, 5) } else if d == -32768 { put(16, 5) } else {
                    let ssss = Int.bitWidth - abs(d).leadingZeroBitCount
                    put(ssss, 5)
                    put(d > 0 ? d : (d - 1) & ((1 << ssss) - 1), ssss)
                }
            }
        }
        return out.finish()
    }

    func decode(_ jpeg: [UInt8], width: Int, height: Int, bitsStored: Int, signed: Bool, syntax: String) throws -> [Int32] {
        var ds = TestFiles.imageDataSet(rows: height, columns: width, bitsStored: bitsStored, signed: signed)
        ds.addEncapsulated(Tag.pixelData, fragments: [jpeg])
        let f = try TestFiles.parse(TestFiles.file(ds, syntax: TransferSyntax.forUID(syntax)))
        return try PixelDataReader(file: f).frame(0)
    }

    /// A CT-like signed image: smooth ramps, an edge, and extremes that force large differences.
    static func image(width: Int, height: Int, bits: Int) -> [Int] {
        var v = [Int]()
        for y in 0..<height {
            for x in 0..<width {
                var s = (x * 37 + y * 11) % 900 - 1000 + (x > width / 2 ? 1400 : 0) + ((x * y) % 7)
                if x == 3 && y == 2 { s = -(1 << (bits - 1)) }
                if x == 4 && y == 2 { s = (1 << (bits - 1)) - 1 }
                v.append(s)
            }
        }
        return v
    }

    func testAllPredictorsAndPointTransforms() throws {
        let w = 37, h = 23
        for (bits, signed) in [(16, true), (12, false)] {
            let img = Self.image(width: w, height: h, bits: bits).map { signed ? $0 : $0 + (1 << (bits - 1)) }
            let raw = img.map { $0 & ((1 << bits) - 1) }   // stored bit patterns
            for predictor in 1...7 {
                for pt in [0, 2] {
                    for restartRows in [0, 5] {
                        let jpeg = Self.encode(raw, width: w, height: h, precision: bits, predictor: predictor, pt: pt, restartRows: restartRows)
                        let uid = predictor == 1 && pt == 0 ? "1.2.840.10008.1.2.4.70" : "1.2.840.10008.1.2.4.57"
                        let got = try decode(jpeg, width: w, height: h, bitsStored: bits, signed: signed, syntax: uid)
                        let fmt = PixelFormat(rows: h, columns: w, bitsAllocated: 16, bitsStored: bits, isSigned: signed)
                        let want = raw.map { fmt.storedValue(Int32(($0 >> pt) << pt)) }
                        XCTAssertEqual(got, want, "bits \(bits) predictor \(predictor) pt \(pt) restart \(restartRows)")
                    }
                }
            }
        }
    }

    func testCorruptStreamsFailCleanly() throws {
        let w = 16, h = 8
        let raw = Self.image(width: w, height: h, bits: 16).map { $0 & 0xFFFF }
        let jpeg = Self.encode(raw, width: w, height: h, precision: 16, predictor: 1, pt: 0)
        for cut in stride(from: 0, to: jpeg.count - 2, by: 7) {
            XCTAssertThrowsError(try decode(Array(jpeg[0..<cut]), width: w, height: h, bitsStored: 16, signed: true,
                                            syntax: "1.2.840.10008.1.2.4.70"), "cut at \(cut)")
        }
        XCTAssertThrowsError(try decode(jpeg, width: w + 1, height: h, bitsStored: 16, signed: true, syntax: "1.2.840.10008.1.2.4.70")) { e in
            XCTAssertTrue("\(e)".contains("JPEG frame is 16x8"), "\(e)")
        }
    }
}
