import ImageCore
import Rendering
import XCTest

final class CanvasTests: XCTestCase {
    func testCTWindowRamp() {
        let w = CTWindow(level: 40, width: 80)
        XCTAssertEqual(w.grey(0), 0)
        XCTAssertEqual(w.grey(-1000), 0)
        XCTAssertEqual(w.grey(80), 255)
        XCTAssertEqual(w.grey(3000), 255)
        XCTAssertEqual(w.grey(40), 128)  // 127.5 rounds up
        XCTAssertEqual(w.grey(20), 64)   // 63.75
        XCTAssertEqual(w.grey(.nan), 0)
    }

    func testBlendAndHex() {
        XCTAssertEqual(RGBColor(200, 100, 0).over(RGBColor(0, 0, 100), alpha: 0.5), RGBColor(100, 50, 50))
        XCTAssertEqual(RGBColor(200, 100, 0).over(.black, alpha: 0), .black)
        XCTAssertEqual(RGBColor(255, 16, 1).hex, "#ff1001")
    }

    func testOutlinesTraceOnlyTheBoundary() throws {
        // An 11x11 image with a 5x5 square of label 3 at (3..7, 3..7).
        let w = 11
        var labels = [UInt8](repeating: 0, count: w * w)
        for y in 3...7 { for x in 3...7 { labels[y * w + x] = 3 } }
        var img = RGBImage(width: w, height: w, fill: RGBColor(grey: 50))
        try img.drawOutlines(labels: labels) { $0 == 3 ? .red : nil }
        var lit = 0
        for y in 0..<w {
            for x in 0..<w where img[x, y] == .red {
                lit += 1
                XCTAssertTrue(x == 3 || x == 7 || y == 3 || y == 7, "(\(x),\(y)) is not on the square's border")
            }
        }
        XCTAssertEqual(lit, 16)  // perimeter of a 5x5 square
        XCTAssertEqual(img[5, 5], RGBColor(grey: 50))

        try img.fillLabels(labels: labels, color: RGBColor(250, 0, 0), alpha: 0.4) { $0 == 3 }
        XCTAssertEqual(img[5, 5], RGBColor(130, 30, 30))  // 0.4*250 + 0.6*50, 0.6*50
        XCTAssertEqual(img[0, 0], RGBColor(grey: 50))
        XCTAssertThrowsError(try img.drawOutlines(labels: [UInt8](repeating: 0, count: 5)) { _ in .red })
    }

    func testLabelAnchorsSitInsideTheirRegion() {
        // A C-shaped region whose centroid lies outside it: the anchor must still be on a labelled pixel.
        let w = 20
        var labels = [Int](repeating: 0, count: w * w)
        for y in 2..<18 { for x in 2..<5 { labels[y * w + x] = 1 } }
        for x in 2..<16 { for y in 2..<5 { labels[y * w + x] = 1 }; for y in 15..<18 { labels[y * w + x] = 1 } }
        let anchors = LabelAnchor.anchors(labels: labels, width: w)
        XCTAssertEqual(anchors.count, 1)
        XCTAssertEqual(labels[anchors[0].y * w + anchors[0].x], 1)
        XCTAssertEqual(anchors[0].pixelCount, labels.filter { $0 == 1 }.count)
    }

    func testFontDrawsGlyphBits() {
        var img = RGBImage(width: 40, height: 20)
        BitmapFont.draw("1", on: &img, x: 2, y: 3, scale: 2, color: .white, shadow: nil)
        let lit = img.pixels.enumerated().filter { $0.offset % 3 == 0 && $0.element == 255 }.count
        let bits = BitmapFont.glyph("1").reduce(0) { $0 + $1.nonzeroBitCount }
        XCTAssertEqual(lit, bits * 4)  // each glyph pixel is a 2x2 block
        XCTAssertEqual(img[2 + 2 * 2, 3], .white)  // top of the "1" stem (0x04 -> column 2)
        XCTAssertEqual(BitmapFont.size(of: "M1", scale: 3).width, (2 * 6 - 1) * 3)
        XCTAssertEqual(BitmapFont.glyph("m"), BitmapFont.glyph("M"))
        XCTAssertEqual(BitmapFont.glyph("§"), BitmapFont.glyph("?"))
    }

    func testMontageLayout() throws {
        let a = RGBImage(width: 10, height: 6, fill: .red)
        let b = RGBImage(width: 4, height: 4, fill: .white)
        let m = try Montage.grid([a, b, a], columns: 2, gap: 2, background: RGBColor(0, 0, 255))
        XCTAssertEqual(m.width, 2 * 10 + 3 * 2)
        XCTAssertEqual(m.height, 2 * 6 + 3 * 2)
        XCTAssertEqual(m[2, 2], .red)
        XCTAssertEqual(m[2 + 10 + 2 + 3, 2 + 1], .white)  // b centred in its 10x6 cell
        XCTAssertEqual(m[2 + 10 + 2, 2], RGBColor(0, 0, 255))
        XCTAssertEqual(m[2, 2 + 6 + 2], .red)
        XCTAssertThrowsError(try Montage.grid([], columns: 2))
    }

    func testAxialSliceMontage() throws {
        // Slice k holds the value 10 k; 4 evenly spaced tiles are slices 1, 3, 5, 7 (centres of 4 equal parts),
        // shown through a window mapping 0-80 HU to 0-255.
        let g = Geometry(size: SIMD3(16, 8, 8), spacing: SIMD3(1, 2, 3))
        var v = Volume<Float>(geometry: g)
        for k in 0..<8 { for j in 0..<8 { for i in 0..<16 { v[i, j, k] = Float(10 * k) } } }
        var labels = Volume<UInt8>(geometry: g)
        for k in 0..<8 { for j in 2..<6 { for i in 4..<12 { labels[i, j, k] = 1 } } }
        let m = try Montage.axialSlices(v, window: CTWindow(level: 40, width: 80), count: 4, columns: 2, tileWidth: 16,
                                        labels: labels) { _ in .red }
        // Tiles are 16 x 16 (8 rows of 2 mm at 1 mm pixels), gap 4.
        XCTAssertEqual(m.width, 2 * 16 + 3 * 4)
        XCTAssertEqual(m.height, 2 * 16 + 3 * 4)
        let expected: [UInt8] = [32, 96, 159, 223]  // 10, 30, 50, 70 HU
        for (t, grey) in expected.enumerated() {
            let x0 = 4 + (t % 2) * 20, y0 = 4 + (t / 2) * 20
            XCTAssertEqual(m[x0 + 15, y0 + 15], RGBColor(grey: grey), "tile \(t)")
            XCTAssertEqual(m[x0 + 11, y0 + 11], .red, "outline corner of tile \(t)")  // top-left holds the caption
            XCTAssertEqual(m[x0 + 8, y0 + 10], RGBColor(grey: grey), "inside the label, tile \(t)")
        }
        XCTAssertThrowsError(try Montage.axialSlices(v, window: .brain, labels: Volume<UInt8>(geometry: Geometry(size: SIMD3(2, 2, 2)))))
    }
}
