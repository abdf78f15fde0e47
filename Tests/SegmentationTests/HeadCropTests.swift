import Foundation
import ImageCore
import NIfTI
import Segmentation
import XCTest

/// The head crop shared by training and inference: it keeps the head (plus margin), leaves out a
/// separate table, and the segmenter puts the cropped result back into the scan grid.
final class HeadCropTests: XCTestCase {
    /// Air, a head ellipsoid (skin -50 HU, brain 35 HU) and a table slab below it, not touching.
    static func headOnTable() -> (Volume<Float>, head: IndexBox) {
        let g = Geometry(size: SIMD3(60, 70, 30), spacing: SIMD3(2, 2, 4))
        var v = Volume<Float>(geometry: g, repeating: -1000)
        var lo = SIMD3(Int.max, Int.max, Int.max), hi = SIMD3(Int.min, Int.min, Int.min)
        for k in 0..<30 { for j in 0..<70 { for i in 0..<60 {
            let d = pow((Double(i) - 28) / 18, 2) + pow((Double(j) - 30) / 22, 2) + pow((Double(k) - 15) / 10, 2)
            if d <= 1 {
                v[i, j, k] = d > 0.8 ? -50 : 35
                lo = pointwiseMin(lo, SIMD3(i, j, k)); hi = pointwiseMax(hi, SIMD3(i, j, k))
            } else if j >= 60 && j <= 62 {
                v[i, j, k] = 100   // table: whole width and length, 4 voxels below the head
            }
        } } }
        return (v, IndexBox(lower: lo, upper: hi))
    }

    func testBoxIsTheHeadPlusMarginWithoutTheTable() {
        let (ct, head) = Self.headOnTable()
        let box = HeadCrop(thresholdHU: -300, marginMM: 4).box(in: ct)
        // 4 mm margin: 2 voxels in-plane, 1 slice.
        XCTAssertEqual(box.lower, pointwiseMax(head.lower &- SIMD3(2, 2, 1), .zero))
        XCTAssertEqual(box.upper, pointwiseMin(head.upper &+ SIMD3(2, 2, 1), ct.size &- 1))
        XCTAssertLessThan(box.upper.y, 60, "the table is not part of the head")
    }

    func testNothingAboveThresholdKeepsTheWholeGrid() {
        let g = Geometry(size: SIMD3(8, 9, 10), spacing: SIMD3(1, 1, 1))
        let box = HeadCrop().box(in: Volume<Float>(geometry: g, repeating: -1000))
        XCTAssertEqual(box, IndexBox(lower: .zero, upper: SIMD3(7, 8, 9)))
    }

    func testBadHeadCropSettingsAreRefused() {
        var pre = Preprocessing(inputSize: [8, 8, 8], headCrop: HeadCrop(thresholdHU: .nan, marginMM: 2))
        XCTAssertThrowsError(try pre.validate())
        pre.headCrop = HeadCrop(thresholdHU: -300, marginMM: -1)
        XCTAssertThrowsError(try pre.validate())
    }

    /// With a head crop the segmenter's output inside the box is what segmenting the cropped scan gives,
    /// and outside it is background with probability 1.
    func testSegmenterPutsTheCroppedResultBackInPlace() throws {
        let (ct, _) = Self.headOnTable()
        let crop = HeadCrop(thresholdHU: -300, marginMM: 4)
        let pre = Preprocessing(inputSize: [16, 16, 8], headCrop: crop)
        let cfg = UNetConfig(inChannels: 1, classes: 3, baseChannels: 4, levels: 2)
        let m = try ModelFolder.initialize(config: cfg, preprocessing: pre, seed: 2)
        let out = try Segmenter(model: m).segment(ct, probabilities: true)
        XCTAssertEqual(out.labels.geometry, ct.geometry)
        let box = crop.box(in: ct)
        var plain = pre
        plain.headCrop = nil
        let inner = try Segmenter(model: ModelFolder(config: cfg, preprocessing: plain, network: m.network))
            .segment(try ct.cropped(to: box), probabilities: true)
        let p = try XCTUnwrap(out.probabilities), ip = try XCTUnwrap(inner.probabilities)
        let n = ct.geometry.voxelCount, bn = inner.labels.geometry.voxelCount
        var inside = 0
        for k in 0..<ct.size.z { for j in 0..<ct.size.y { for i in 0..<ct.size.x {
            let v = ct.linearIndex(i, j, k)
            let q = SIMD3(i, j, k) &- box.lower
            if all(q .>= .zero) && all(q .< box.size) {
                inside += 1
                let w = inner.labels.linearIndex(q.x, q.y, q.z)
                XCTAssertEqual(out.labels.data[v], inner.labels.data[w])
                for c in 0..<3 { XCTAssertEqual(p.data[c * n + v], ip.data[c * bn + w]) }
            } else {
                XCTAssertEqual(out.labels.data[v], 0)
                XCTAssertEqual(p.data[v], 1)
                XCTAssertEqual(p.data[n + v], 0)
            }
        } } }
        XCTAssertEqual(inside, bn)
    }

    /// Training samples get the same crop as inference.
    func testDatasetSamplesAreCroppedAlike() throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("deepstroke-headcrop-\(UUID().uuidString.prefix(8))")
        defer { try? FileManager.default.removeItem(at: dir) }
        try FileManager.default.createDirectory(at: dir.appendingPathComponent("images"), withIntermediateDirectories: true)
        try FileManager.default.createDirectory(at: dir.appendingPathComponent("labels"), withIntermediateDirectories: true)
        let (ct, _) = Self.headOnTable()
        var labels = Volume<UInt8>(geometry: ct.geometry)
        for v in 0..<ct.geometry.voxelCount where ct.data[v] == 35 { labels.data[v] = 1 }
        try NIfTIFile.write(ct, to: dir.appendingPathComponent("images/a.nii.gz"))
        try NIfTIFile.write(labels, to: dir.appendingPathComponent("labels/a.nii.gz"))
        let pre = Preprocessing(inputSize: [16, 16, 8], headCrop: HeadCrop(thresholdHU: -300, marginMM: 4))
        let samples = try SegmentationDataset.load(try SegmentationDataset.pairs(dir), preprocessing: pre, classes: 2)
        let box = pre.cropBox(ct)
        XCTAssertEqual(samples[0].size, box.size)
        XCTAssertEqual(samples[0].labels.reduce(0, +), Int32(labels.nonzeroCount))
    }
}
