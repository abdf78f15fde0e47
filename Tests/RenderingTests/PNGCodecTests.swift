import Foundation
import Rendering
import XCTest

final class PNGCodecTests: XCTestCase {
    /// Deterministic bytes with smooth and noisy rows so that every PNG filter wins somewhere.
    func pattern(width: Int, height: Int, channels: Int) -> [UInt8] {
        var state: UInt64 = 0x9E3779B97F4A7C15
        var out = [UInt8]()
        for y in 0..<height {
            for x in 0..<width {
                for c in 0..<channels {
                    state = state &* 6364136223846793005 &+ 1442695040888963407
                    let noise = UInt8(truncatingIfNeeded: state >> 56)
                    switch y % 4 {
                    case 0: out.append(noise)
                    case 1: out.append(UInt8(truncatingIfNeeded: x * 3 + c * 40))
                    case 2: out.append(UInt8(truncatingIfNeeded: y * 5 + c))
                    default: out.append(UInt8(truncatingIfNeeded: (x * y) / 3 + Int(noise % 4)))
                    }
                }
            }
        }
        return out
    }

    func testCRC32MatchesPublishedCheckValues() {
        // The standard CRC-32 check value and the CRC that closes every PNG (the IEND chunk).
        XCTAssertEqual(Zlib.crc32(Array("123456789".utf8)), 0xCBF4_3926)
        XCTAssertEqual(Zlib.crc32(Array("IEND".utf8)), 0xAE42_6082)
    }

    func testZlibRoundTripAndSizeCheck() throws {
        let bytes = pattern(width: 300, height: 7, channels: 1)
        let packed = try Zlib.deflate(bytes)
        XCTAssertEqual([packed[0] & 0x0F], [8], "zlib header must announce deflate")
        XCTAssertEqual(try Zlib.inflate(packed, expectedSize: bytes.count), bytes)
        XCTAssertThrowsError(try Zlib.inflate(packed, expectedSize: bytes.count - 1))
        XCTAssertThrowsError(try Zlib.inflate(packed, expectedSize: bytes.count + 1))
        XCTAssertThrowsError(try Zlib.inflate(Array(packed.dropLast(5)), expectedSize: bytes.count))
    }

    func testRoundTripGreyAndRGB() throws {
        for (ct, w, h) in [(PNGColorType.grey, 37, 23), (.rgb, 64, 41), (.rgb, 1, 1), (.grey, 1, 9)] {
            let px = pattern(width: w, height: h, channels: ct.channels)
            let png = try PNGEncoder.encode(pixels: px, width: w, height: h, colorType: ct)
            let back = try PNGDecoder.decode(png)
            XCTAssertEqual(back.width, w)
            XCTAssertEqual(back.height, h)
            XCTAssertEqual(back.colorType, ct)
            XCTAssertEqual(back.pixels, px, "\(ct) \(w)x\(h)")
        }
    }

    func testEncoderUsesSeveralFilters() throws {
        let w = 50, h = 16
        let png = [UInt8](try PNGEncoder.encode(pixels: pattern(width: w, height: h, channels: 3), width: w, height: h, colorType: .rgb))
        // Locate IDAT, inflate it ourselves and read the filter byte at the start of each row.
        var pos = 8, idat = [UInt8]()
        while pos < png.count {
            let len = Int(png[pos]) << 24 | Int(png[pos + 1]) << 16 | Int(png[pos + 2]) << 8 | Int(png[pos + 3])
            if String(decoding: png[(pos + 4)..<(pos + 8)], as: UTF8.self) == "IDAT" { idat += png[(pos + 8)..<(pos + 8 + len)] }
            pos += 12 + len
        }
        let raw = try Zlib.inflate(idat, expectedSize: (w * 3 + 1) * h)
        let filters = Set((0..<h).map { raw[$0 * (w * 3 + 1)] })
        XCTAssertGreaterThanOrEqual(filters.count, 2, "adaptive filtering should pick different filters for noise and gradients")
        XCTAssertTrue(filters.isSubset(of: [0, 1, 2, 3, 4]))
    }

    func testRejectsBadInput() throws {
        XCTAssertThrowsError(try PNGEncoder.encode(pixels: [1, 2, 3], width: 2, height: 2, colorType: .grey))
        XCTAssertThrowsError(try PNGEncoder.encode(pixels: [], width: 0, height: 0, colorType: .grey))
        let png = try PNGEncoder.encode(pixels: [10, 20, 30, 40], width: 2, height: 2, colorType: .grey)
        var corrupt = [UInt8](png)
        corrupt[20] ^= 0x01  // inside IHDR: the CRC no longer matches
        XCTAssertThrowsError(try PNGDecoder.decode(Data(corrupt)))
        XCTAssertThrowsError(try PNGDecoder.decode(Data(png.prefix(30))))
        XCTAssertThrowsError(try PNGDecoder.decode(Data("not a png".utf8)))
    }
}

/// PNG row unfiltering written out independently of the codec (PNG spec 9.2-9.4), to check the encoder's
/// IDAT without going through `PNGDecoder`.
final class PNGIndependentDecodeTests: XCTestCase {
    func unfilter(_ raw: [UInt8], width: Int, height: Int, bpp: Int) -> [UInt8] {
        let stride = width * bpp
        var out = [UInt8](), prev = [Int](repeating: 0, count: stride)
        for y in 0..<height {
            let f = raw[y * (stride + 1)]
            var cur = [Int](repeating: 0, count: stride)
            for x in 0..<stride {
                let v = Int(raw[y * (stride + 1) + 1 + x])
                let a = x >= bpp ? cur[x - bpp] : 0, b = prev[x], c = x >= bpp ? prev[x - bpp] : 0
                let p = a + b - c
                let paeth = abs(p - a) <= abs(p - b) && abs(p - a) <= abs(p - c) ? a : (abs(p - b) <= abs(p - c) ? b : c)
                let pred = [0, a, b, (a + b) / 2, paeth][Int(f)]
                cur[x] = (v + pred) & 0xFF
            }
            out += cur.map { UInt8($0) }
            prev = cur
        }
        return out
    }

    func testIDATUnfiltersToThePixels() throws {
        for (ct, w, h) in [(PNGColorType.grey, 33, 17), (.rgb, 21, 12)] {
            var rng: UInt64 = 12345
            let px: [UInt8] = (0..<(w * h * ct.channels)).map { n in
                rng = rng &* 6364136223846793005 &+ 1442695040888963407
                return n / (w * ct.channels) % 3 == 0 ? UInt8(truncatingIfNeeded: rng >> 58) : UInt8(truncatingIfNeeded: n * 7 / 5)
            }
            let png = [UInt8](try PNGEncoder.encode(pixels: px, width: w, height: h, colorType: ct))
            XCTAssertEqual(Array(png[12..<16]), Array("IHDR".utf8))
            XCTAssertEqual(png[24], 8)
            XCTAssertEqual(png[25], ct.rawValue)
            var pos = 8, idat = [UInt8]()
            while pos < png.count {
                let len = Int(png[pos]) << 24 | Int(png[pos + 1]) << 16 | Int(png[pos + 2]) << 8 | Int(png[pos + 3])
                let crc = UInt32(png[pos + 8 + len]) << 24 | UInt32(png[pos + 9 + len]) << 16 | UInt32(png[pos + 10 + len]) << 8 | UInt32(png[pos + 11 + len])
                XCTAssertEqual(crc, Zlib.crc32(Array(png[(pos + 4)..<(pos + 8 + len)])))
                if String(decoding: png[(pos + 4)..<(pos + 8)], as: UTF8.self) == "IDAT" { idat += png[(pos + 8)..<(pos + 8 + len)] }
                pos += 12 + len
            }
            let raw = try Zlib.inflate(idat, expectedSize: (w * ct.channels + 1) * h)
            XCTAssertEqual(unfilter(raw, width: w, height: h, bpp: ct.channels), px, "\(ct)")
        }
    }
}
