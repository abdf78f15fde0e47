import ASPECTS
import Foundation
import ImageCore
import Pipeline
import Segmentation
import XCTest

/// The U-Net scan segmenter on a small randomly initialised model: output on the scan grid,
/// softmax that sums to one, labels that are the argmax with sides from the midline.
final class UNetScanSegmenterTests: XCTestCase {
    /// Single-threaded loops: an intermittent heap corruption in multi-threaded code under these tests is
    /// still open (docs/pipeline.md, known issue).
    override func setUp() {
        super.setUp()
        Parallelism.threadCount = 1
    }

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
        let p = try XCTUnwrap(out.probabilities)
        XCTAssertEqual(p.components, 11)
        let n = scan.geometry.voxelCount
        for v in stride(from: 0, to: n, by: 97) {
            let probs = (0..<11).map { p.data[$0 * n + v] }
            XCTAssertEqual(Double(probs.reduce(0, +)), 1, accuracy: 1e-4)
            let best = probs.indices.max { probs[$0] < probs[$1] }!
            let label = Int(out.labels.data[v])
            XCTAssertEqual(label == 0 ? 0 : (label - 1) % 10 + 1, best)
        }
        XCTAssertLessThanOrEqual(Set(out.labels.data).max() ?? 0, 20)
    }

    /// A sliding-window model (preprocessing spacing) runs too, and the adapter hands back exactly what
    /// the Segmentation module's `Segmenter` computes for a 21-class model (no side logic on top).
    func testSlidingWindowModelMatchesTheSegmenter() throws {
        let dir = Fixtures.tempDir("model-sw")
        defer { try? FileManager.default.removeItem(at: dir) }
        let model = try ModelFolder.initialize(config: UNetConfig(classes: 21, baseChannels: 4, levels: 2),
                                               preprocessing: Preprocessing(inputSize: [16, 16, 8], spacing: [4, 4, 5]), seed: 1)
        try model.save(to: dir)
        let scan = SyntheticBrainPhantom.generate(seed: 3, lesionCodes: [], depth: 0, options: Fixtures.phantomOptions).ct
        let out = try UNetScanSegmenter(directory: dir).segment(scan)
        let direct = try Segmenter(model: try ModelFolder.load(dir)).segment(scan, probabilities: true)
        XCTAssertEqual(out.labels.geometry, scan.geometry)
        XCTAssertEqual(out.labels.data, direct.labels.data)
        XCTAssertEqual(out.probabilities?.data, direct.probabilities?.data)
        XCTAssertEqual(out.probabilities?.components, 21)
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
