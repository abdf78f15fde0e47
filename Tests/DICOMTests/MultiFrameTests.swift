import DICOM
import Foundation
import ImageCore
import XCTest

/// Enhanced multi-frame geometry (per-frame positions in functional groups) and multi-frame overlays.
final class MultiFrameTests: XCTestCase {
    func testPerFramePositionsAndOverlayFrames() throws {
        let rows = 4, cols = 5, frames = 3
        var ds = TestFiles.imageDataSet(rows: rows, columns: cols, frames: frames)
        ds.add(Tag.rescaleIntercept, .DS, numbers: [-1024])
        ds.add(Tag.rescaleSlope, .DS, numbers: [1])
        // Shared: orientation and pixel spacing; per frame: positions given out of spatial order.
        var orient = DataSetWriter(); orient.add(Tag.imageOrientationPatient, .DS, numbers: [1, 0, 0, 0, 1, 0])
        var measures = DataSetWriter(); measures.add(Tag.pixelSpacing, .DS, numbers: [0.5, 0.25]); measures.add(Tag.sliceThickness, .DS, numbers: [2])
        var shared = DataSetWriter()
        shared.addSequence(Tag.planeOrientationSequence, items: [orient])
        shared.addSequence(Tag.pixelMeasuresSequence, items: [measures])
        ds.addSequence(Tag.sharedFunctionalGroups, items: [shared])
        let z = [10.0, 6.0, 8.0]
        ds.addSequence(Tag.perFrameFunctionalGroups, items: z.map { zz in
            var pos = DataSetWriter(); pos.add(Tag.imagePositionPatient, .DS, numbers: [-3, 7, zz])
            var item = DataSetWriter(); item.addSequence(Tag.planePositionSequence, items: [pos])
            return item
        })
        // Overlay on frames 2 and 3 (1-based), one bit each at (row 1, col 2) and (row 3, col 4).
        ds.addUS(Tag.overlayRows, [rows]); ds.addUS(Tag.overlayColumns, [cols])
        ds.add(Tag.numberOfFramesInOverlay, .IS, "2"); ds.addUS(Tag.imageFrameOrigin, [2])
        ds.add(Tag.overlayType, .CS, "G"); ds.addSS(Tag.overlayOrigin, [1, 1])
        ds.addUS(Tag.overlayBitsAllocated, [1]); ds.addUS(Tag.overlayBitPosition, [0])
        var bits = [UInt8](repeating: 0, count: 6)
        for n in [1 * cols + 2, rows * cols + 3 * cols + 4] { bits[n >> 3] |= 1 << UInt8(n & 7) }
        ds.add(Tag.overlayData, .OW, bytes: bits)
        var px = [UInt8]()
        for f in 0..<frames { for n in 0..<(rows * cols) { px += TestFiles.le16(1024 + 100 * f + n) } }
        ds.add(Tag.pixelData, .OW, bytes: px)
        let dir = SynthVolumes.tempDir("mf")
        defer { try? FileManager.default.removeItem(at: dir) }
        try Data(TestFiles.file(ds)).write(to: dir.appendingPathComponent("mf.dcm"))

        let parts = try SynthVolumes.readBack(dir)
        XCTAssertEqual(parts.count, 1)
        let v = parts[0].data.asFloat, g = v.geometry
        XCTAssertEqual(g.size, SIMD3(cols, rows, 3))
        XCTAssertEqual(g.spacing.z, 2, accuracy: 1e-9)
        // k follows z: frames in spatial order are 2 (z 6), 3 (z 8), 1 (z 10).
        let frameAtK = [1, 2, 0]
        for k in 0..<3 { for r in 0..<rows { for c in 0..<cols {
            XCTAssertEqual(v[c, rows - 1 - r, k], Float(100 * frameAtK[k] + r * cols + c))
        } } }
        let origin = g.worldLPS(SIMD3(0, Double(rows - 1), 0))
        XCTAssertEqual(origin.x, -3, accuracy: 1e-9); XCTAssertEqual(origin.y, 7, accuracy: 1e-9); XCTAssertEqual(origin.z, 6, accuracy: 1e-9)
        let m = try XCTUnwrap(parts[0].overlay)
        // Overlay frame 1 -> image frame 2 (k 0), overlay frame 2 -> image frame 3 (k 1); frame 1 (k 2) has none.
        XCTAssertEqual(m[2, rows - 1 - 1, 0], 1)
        XCTAssertEqual(m[4, rows - 1 - 3, 1], 1)
        XCTAssertEqual(m.data.reduce(0) { $0 + Int($1) }, 2)
        XCTAssertEqual(parts[0].overlaySlices, 2)
    }
}
