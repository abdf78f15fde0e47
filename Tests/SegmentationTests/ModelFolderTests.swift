import Foundation
import ImageCore
import NeuralEngine
import Segmentation
import XCTest

final class ModelFolderTests: XCTestCase {
    func tempDir() -> URL {
        let d = FileManager.default.temporaryDirectory.appendingPathComponent("model-\(UUID().uuidString)")
        addTeardownBlock { try? FileManager.default.removeItem(at: d) }
        return d
    }

    /// Save, load, save again: the weights file is byte-identical and the network computes the same.
    func testModelRoundTripsBitIdentically() throws {
        let cfg = UNetConfig(inChannels: 1, classes: 5, baseChannels: 4, levels: 3, norm: .instance)
        let m = try ModelFolder.initialize(config: cfg, preprocessing: Preprocessing(inputSize: [16, 16, 16]), seed: 3)
        let a = tempDir(), b = tempDir()
        try m.save(to: a)
        let loaded = try ModelFolder.load(a)
        XCTAssertEqual(loaded.config, cfg)
        XCTAssertEqual(loaded.preprocessing, m.preprocessing)
        try loaded.save(to: b)
        let fa = try Data(contentsOf: a.appendingPathComponent(ModelFolder.weightsName))
        let fb = try Data(contentsOf: b.appendingPathComponent(ModelFolder.weightsName))
        XCTAssertEqual(fa, fb)
        var rng = RandomSource(seed: 4)
        let x = Tensor(shape: [1, 1, 16, 16, 16], data: (0..<4096).map { _ in rng.uniform(-1, 1) })
        XCTAssertEqual(try m.network.forward(FeatureMap(x), training: false).tensor(),
                       try loaded.network.forward(FeatureMap(x), training: false).tensor())
    }

    func testBadConfigsAndFoldersAreErrors() throws {
        XCTAssertThrowsError(try UNet3D(config: UNetConfig(classes: 1)))
        XCTAssertThrowsError(try UNet3D(config: UNetConfig(levels: 0)))
        XCTAssertThrowsError(try UNet3D(config: UNetConfig(baseChannels: 6, norm: .group, groups: 4)))
        XCTAssertThrowsError(try ModelFolder.load(tempDir()))
        let net = try UNet3D(config: UNetConfig(baseChannels: 4, levels: 3))
        XCTAssertThrowsError(try net.forward(FeatureMap(n: 1, c: 1, d: 6, h: 8, w: 8), training: false), "size not divisible by 4")
        XCTAssertThrowsError(try net.forward(FeatureMap(n: 1, c: 2, d: 8, h: 8, w: 8), training: false), "wrong channel count")
        // A state dict of another shape is refused, and nothing is changed.
        let other = try UNet3D(config: UNetConfig(baseChannels: 8, levels: 3))
        let before = net.stateDict().serialized()
        XCTAssertThrowsError(try net.load(other.stateDict()))
        XCTAssertEqual(net.stateDict().serialized(), before)
    }

    func testConfigJSONUsesSnakeCaseAndDefaults() throws {
        let json = #"{"classes": 21, "base_channels": 16, "squeeze_excite": false, "norm": "group"}"#
        let c = try JSONDecoder().decode(UNetConfig.self, from: Data(json.utf8))
        XCTAssertEqual(c.classes, 21)
        XCTAssertEqual(c.baseChannels, 16)
        XCTAssertFalse(c.squeezeExcite)
        XCTAssertEqual(c.norm, .group)
        XCTAssertEqual(c.levels, 5)
        XCTAssertEqual(c.channels, [16, 32, 64, 128, 256])
        XCTAssertEqual(try JSONDecoder().decode(UNetConfig.self, from: c.jsonData()), c)
        XCTAssertEqual(Preprocessing.hemisphereSwap(classes: 21)?[3], 13)
        XCTAssertEqual(Preprocessing.hemisphereSwap(classes: 21)?[15], 5)
    }

    /// Sliding-window inference on a grid larger than the network input agrees with one pass on
    /// the whole grid where the network sees the same context (a constant image).
    func testSegmenterOnNativeGrid() throws {
        let cfg = UNetConfig(inChannels: 1, classes: 3, baseChannels: 4, levels: 2)
        var pre = Preprocessing(inputSize: [8, 8, 8])
        let m = try ModelFolder.initialize(config: cfg, preprocessing: pre, seed: 1)
        let g = Geometry(size: SIMD3(12, 10, 7), spacing: SIMD3(1, 1, 2))
        var rng = RandomSource(seed: 5)
        let ct = try Volume<Float>(geometry: g, data: (0..<g.voxelCount).map { _ in rng.uniform(-50, 150) })
        let out = try Segmenter(model: m).segment(ct, probabilities: true)
        XCTAssertEqual(out.labels.geometry, g)
        let p = try XCTUnwrap(out.probabilities)
        for v in 0..<g.voxelCount {
            var best = 0
            var sum: Float = 0
            for c in 0..<3 {
                sum += p.data[c * g.voxelCount + v]
                if p.data[c * g.voxelCount + v] > p.data[best * g.voxelCount + v] { best = c }
            }
            XCTAssertEqual(sum, 1, accuracy: 1e-4)
            XCTAssertEqual(Int(out.labels.data[v]), best)
        }
        // Sliding windows (spacing 1 mm -> a 12x10x14 grid, patches of 8): labels stay valid.
        pre.spacing = [1, 1, 1]
        let slid = try Segmenter(model: ModelFolder(config: cfg, preprocessing: pre, network: m.network), mirrorTTA: true).segment(ct)
        XCTAssertEqual(slid.labels.geometry, g)
        XCTAssertTrue(slid.labels.data.allSatisfy { $0 < 3 })
    }
}
