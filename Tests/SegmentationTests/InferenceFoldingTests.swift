import NeuralEngine
import Segmentation
import XCTest

/// Evaluation folds each batch norm into its convolution, fuses ReLU into the first one and does gate,
/// residual and ReLU in place. It must give the logits of the layer-by-layer evaluation.
final class InferenceFoldingTests: XCTestCase {
    func randomMap(_ shape: [Int], seed: UInt64) throws -> FeatureMap {
        var rng = RandomSource(seed: seed)
        return try FeatureMap(Tensor(shape: shape, data: (0..<shape.reduce(1, *)).map { _ in rng.uniform(-1, 2) }))
    }

    func testFoldedEvaluationMatchesLayerByLayer() throws {
        for squeezeExcite in [true, false] {
            let config = UNetConfig(inChannels: 2, classes: 5, baseChannels: 6, levels: 3, dropout: 0.2,
                                    squeezeExcite: squeezeExcite, norm: .batch)
            let net = try UNet3D(config: config, seed: 3)
            // Training passes move the running statistics away from (0, 1), so the fold is not trivial;
            // BN weights and biases get random values for the same reason.
            for s in 0..<3 { _ = try net.forward(randomMap([2, 2, 16, 12, 8], seed: UInt64(s)), training: true) }
            var rng = RandomSource(seed: 7)
            for (name, item) in net.stateItems() where name.contains("norm") && (name.hasSuffix("weight") || name.hasSuffix("bias")) {
                if case .tensor(let p) = item {
                    for i in 0..<p.value.count { p.value.data[i] = name.hasSuffix("weight") ? rng.uniform(0.5, 1.5) : rng.uniform(-0.5, 0.5) }
                }
            }
            let x = try randomMap([1, 2, 16, 12, 8], seed: 11)
            let folded = try net.forward(x, training: false).tensor()
            net.residualBlocks.forEach { $0.foldsNormalization = false }
            let reference = try net.forward(x, training: false).tensor()
            XCTAssertEqual(folded.shape, reference.shape)
            var maxDiff: Float = 0, maxAbs: Float = 0
            for i in 0..<folded.count {
                XCTAssertFalse(folded.data[i].isNaN)
                maxDiff = max(maxDiff, abs(folded.data[i] - reference.data[i]))
                maxAbs = max(maxAbs, abs(reference.data[i]))
            }
            XCTAssertGreaterThan(maxAbs, 0.1, "logits should not be trivially small")
            XCTAssertLessThan(maxDiff, 1e-5 * max(1, maxAbs), "SE \(squeezeExcite): folded vs layer-by-layer")
        }
    }

    func testInstanceNormIsNotFoldedAndStillEvaluates() throws {
        let config = UNetConfig(inChannels: 1, classes: 3, baseChannels: 4, levels: 2, norm: .instance)
        let net = try UNet3D(config: config, seed: 1)
        let x = try randomMap([1, 1, 8, 8, 8], seed: 2)
        let a = try net.forward(x, training: false).tensor()
        net.residualBlocks.forEach { $0.foldsNormalization = false }
        let b = try net.forward(x, training: false).tensor()
        XCTAssertEqual(a.data, b.data)
    }
}
