import ASPECTS
import Atlas
import Foundation
import ImageCore
@testable import Pipeline
import Segmentation
import XCTest

/// The U-Net scan segmenter on a small randomly initialised model: output on the scan grid,
/// softmax that sums to one, labels that are the argmax with sides from the midline.
final class UNetScanSegmenterTests: XCTestCase {
    func testWholeScanInferenceOnTheScanGrid() throws {
        let dir = Fixtures.tempDir("model")
        defer { try? FileManager.default.removeItem(at: dir) }
        let config = UNetConfig(classes: 11, baseChannels: 4, levels: 2)
        let model = try ModelFolder.initialize(config: config, preprocessing: Preprocessing(inputSize: [16, 16, 8]), seed: 3)
        try model.save(to: dir)
        let segmenter = try UNetScanSegmenter(directory: dir)
        let scan = SyntheticBrainPhantom.generate(seed: 2, lesionCodes: [], depth: 0, options: Fixtures.phantomOptions).ct
        let out = try segmenter.segment(scan)
        XCTAssertEqual(out.labels.geometry, scan.geometry)
        // The side-less softmax comes back sided: 21 channels, each region's probability on the voxel's side.
        let p = try XCTUnwrap(out.probabilities)
        XCTAssertEqual(p.components, 21)
        let n = scan.geometry.voxelCount
        for v in stride(from: 0, to: n, by: 97) {
            let probs = (0..<21).map { p.data[$0 * n + v] }
            XCTAssertEqual(Double(probs.reduce(0, +)), 1, accuracy: 1e-4)
            let best = probs.indices.max { probs[$0] < probs[$1] }!
            XCTAssertEqual(Int(out.labels.data[v]), best)
        }
        XCTAssertLessThanOrEqual(Set(out.labels.data).max() ?? 0, 20)
    }

    /// A frame model (registered form): it needs its atlas, segments the affinely registered scan in the
    /// frame, and hands back native labels inside the brain mask with the registration's QA and no
    /// native-grid softmax.
    func testFrameModelRegistersSegmentsAndReturnsNativeLabels() throws {
        let root = Fixtures.tempDir("model-frame")
        defer { try? FileManager.default.removeItem(at: root) }
        let atlas = try Fixtures.makeAtlas(in: root.appendingPathComponent("atlas"))
        let frame = try AtlasFrame(atlas: atlas, divisor: 4)
        let size = [frame.box.size.x, frame.box.size.y, frame.box.size.z]
        var pre = Preprocessing(inputSize: size)
        pre.atlasFrame = .init(lower: [frame.box.lower.x, frame.box.lower.y, frame.box.lower.z], size: size)
        pre.mirroredLabels = Preprocessing.hemisphereSwap(classes: 21)
        let dir = root.appendingPathComponent("model")
        try ModelFolder.initialize(config: UNetConfig(classes: 21, baseChannels: 4, levels: 3), preprocessing: pre, seed: 5).save(to: dir)

        XCTAssertThrowsError(try UNetScanSegmenter(directory: dir)) { e in XCTAssertTrue("\(e)".contains("registered to its atlas"), "\(e)") }
        let segmenter = try UNetScanSegmenter(directory: dir, atlas: atlas)
        XCTAssertTrue(segmenter.name.contains("registered form"), segmenter.name)
        let scan = SyntheticBrainPhantom.generate(seed: 4, lesionCodes: [], depth: 0, options: Fixtures.phantomOptions).ct
        let out = try segmenter.segment(scan)
        XCTAssertEqual(out.labels.geometry, scan.geometry)
        XCTAssertNil(out.probabilities)
        let qa = try XCTUnwrap(out.qa)
        XCTAssertEqual(qa.affineScales?.count, 3)
        XCTAssertEqual(qa.fieldOfViewFractions?.count, 20)
        XCTAssertEqual(qa.expectedRegionVolumesML?.count, 20)
        XCTAssertGreaterThan(qa.brainVolumeML, 0)
        // Labels only inside the brain the registration found.
        let registered = try frame.register(scan, atlas: atlas)
        XCTAssertEqual((0..<scan.geometry.voxelCount).filter { out.labels.data[$0] != 0 && registered.brainMask.data[$0] == 0 }.count, 0)
        XCTAssertLessThanOrEqual(Set(out.labels.data).max() ?? 0, 20)
    }

    /// A sliding-window model (preprocessing spacing) runs too. A 21-class model keeps the Segmenter's
    /// region for every voxel, takes the side from the plane, and its softmax moves with it (a region's
    /// two channels summed onto the voxel's side).
    func testSlidingWindowModelKeepsTheSegmentersRegions() throws {
        let dir = Fixtures.tempDir("model-sw")
        defer { try? FileManager.default.removeItem(at: dir) }
        let model = try ModelFolder.initialize(config: UNetConfig(classes: 21, baseChannels: 4, levels: 2),
                                               preprocessing: Preprocessing(inputSize: [16, 16, 8], spacing: [4, 4, 5]), seed: 1)
        try model.save(to: dir)
        let scan = SyntheticBrainPhantom.generate(seed: 3, lesionCodes: [], depth: 0, options: Fixtures.phantomOptions).ct
        let out = try UNetScanSegmenter(directory: dir).segment(scan)
        let direct = try Segmenter(model: try ModelFolder.load(dir)).segment(scan, probabilities: true)
        XCTAssertEqual(out.labels.geometry, scan.geometry)
        let p = try XCTUnwrap(out.probabilities), q = try XCTUnwrap(direct.probabilities)
        XCTAssertEqual(p.components, 21)
        let n = scan.geometry.voxelCount
        for v in stride(from: 0, to: n, by: 13) {
            let a = Int(out.labels.data[v]), b = Int(direct.labels.data[v])
            XCTAssertEqual(a == 0, b == 0)
            if a > 0 { XCTAssertEqual((a - 1) % 10, (b - 1) % 10) }
            XCTAssertEqual(p.data[v], q.data[v])
            for r in 1...10 {
                let here = p.data[r * n + v] + p.data[(r + 10) * n + v]
                XCTAssertEqual(here, q.data[r * n + v] + q.data[(r + 10) * n + v], accuracy: 1e-6)
                XCTAssertTrue(p.data[r * n + v] == 0 || p.data[(r + 10) * n + v] == 0, "one side per voxel")
            }
            if a > 0 { XCTAssertEqual(p.data[a * n + v], q.data[((a - 1) % 10 + 1) * n + v] + q.data[((a - 1) % 10 + 11) * n + v], accuracy: 1e-6) }
        }
    }

    /// A head turned 30 degrees on the table: the midsagittal plane from the network's lateral regions
    /// turns with it, so a region beside the midline gets the side of the plane, not of LPS x.
    func testSidesFollowATurnedMidline() throws {
        let g = Geometry(size: SIMD3(60, 60, 3), spacing: SIMD3(1, 1, 1))
        var labels = Volume<UInt8>(geometry: g)
        let c = SIMD3<Double>(30, 30, 1), t = 30.0 * .pi / 180
        let axis = SIMD3<Double>(cos(t), sin(t), 0)
        for k in 0..<3 { for j in 0..<60 { for i in 0..<60 {
            let p = SIMD3(Double(i), Double(j), Double(k))
            let dr = p - (c - 15 * axis), dl = p - (c + 15 * axis)
            if (dr * dr).sum() <= 16 { labels[i, j, k] = 5 }      // right M1 (the network is sure of its side)
            if (dl * dl).sum() <= 16 { labels[i, j, k] = 15 }     // left M1
        } } }
        // A caudate voxel the network called right, left of the turned plane but at x below its centre.
        labels[29, 34, 1] = 1
        XCTAssertGreaterThan(((SIMD3<Double>(29, 34, 1) - c) * axis).sum(), 0)
        let plane = UNetScanSegmenter.midsagittalPlane(labels, sided: true)
        XCTAssertEqual(plane.normal.x, cos(t), accuracy: 0.02)
        XCTAssertEqual(plane.normal.y, sin(t), accuracy: 0.02)
        let sided = UNetScanSegmenter.sided(labels, by: plane)
        XCTAssertEqual(sided[29, 34, 1], 11)
        XCTAssertEqual(sided[Int(c.x - 15 * axis.x), Int(c.y - 15 * axis.y), 1], 5)
        XCTAssertEqual(sided[Int((c.x + 15 * axis.x).rounded()), Int((c.y + 15 * axis.y).rounded()), 1], 15)
    }

    func testModelWithUnsupportedClassCountIsRefusedClearly() throws {
        let dir = Fixtures.tempDir("model-bad")
        defer { try? FileManager.default.removeItem(at: dir) }
        let model = try ModelFolder.initialize(config: UNetConfig(classes: 5, baseChannels: 4, levels: 2),
                                               preprocessing: Preprocessing(inputSize: [16, 16, 8]), seed: 1)
        try model.save(to: dir)
        XCTAssertThrowsError(try UNetScanSegmenter(directory: dir)) { e in XCTAssertTrue("\(e)".contains("11 or 21 classes"), "\(e)") }
    }
}
