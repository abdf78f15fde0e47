import Foundation
import ImageCore
import NeuralEngine
import Segmentation
import XCTest

/// Reproduces ../shared/data/nn_fixture (PyTorch 2.15 + MONAI 1.6.1): eval logits, the train-mode
/// forward with PyTorch's dropout masks, DiceCE loss, every parameter gradient, one Adam step,
/// and the generalized Dice score — with the tolerances the fixture's README suggests.
final class FixtureParityTests: XCTestCase {
    struct Fixture {
        let dir: URL
        let model: SafeTensors, io: SafeTensors, after: SafeTensors
        let expected: [String: Any]
    }

    static let config = UNetConfig(inChannels: 1, classes: 11, baseChannels: 4, levels: 3, dropout: 0.2,
                                   squeezeExcite: true, norm: .batch)

    func loadFixture() throws -> Fixture {
        guard let data = DataPaths(environment: ProcessInfo.processInfo.environment).dataDirectory?.appendingPathComponent("nn_fixture"),
              FileManager.default.fileExists(atPath: data.appendingPathComponent("model.safetensors").path) else {
            throw XCTSkip("nn_fixture data folder not present")
        }
        let json = try JSONSerialization.jsonObject(with: Data(contentsOf: data.appendingPathComponent("expected.json")))
        return Fixture(dir: data,
                       model: try SafeTensors.read(data.appendingPathComponent("model.safetensors")),
                       io: try SafeTensors.read(data.appendingPathComponent("io.safetensors")),
                       after: try SafeTensors.read(data.appendingPathComponent("after_adam_step.safetensors")),
                       expected: json as! [String: Any])
    }

    /// Entries where the fixture's float32 values are themselves off by more than the README's
    /// tolerance: PyTorch re-run in float64 differs from the
    /// fixture there by 1.56e-4 and 1.34e-4 (gradient norms of a BatchNorm weight and of an
    /// upsampling bias that feeds a BatchNorm: both near-total cancellations) and 3.4e-5 (a 1-input-channel 1x1 conv ahead of BatchNorm, whose gradient is
    /// ~1e-9 for one element, so Adam's first step lr·g/(|g|+eps) amplifies rounding noise).
    /// Our values are within 1.5e-6, 4e-6 and 3.5e-5 of the float64 run. These entries get the fixture's own
    /// measured error plus the README tolerance; every other entry the README's tolerance.
    /// `test_fixture_training_step_float64_reference` in reference-tests/test_nn.py is that float64 run:
    /// it checks that exactly the two gradient-norm entries below exceed the tolerance.
    static let fixtureGradientNoise = ["decoder.ups.1.block.norm1.weight": 1.56e-4 + 1e-4,
                                       "decoder.ups.1.up.bias": 1.34e-4 + 1e-4]
    static let fixtureAfterStepNoise: [String: Float] = ["encoder.stages.0.skip_conv.weight": 3.4e-5 + 1e-5]

    func makeModel(_ f: Fixture) throws -> UNet3D {
        let net = try UNet3D(config: Self.config, seed: 99)
        try net.load(f.model)
        return net
    }

    func testStateDictNamesAndOrderMatchPyTorch() throws {
        let f = try loadFixture()
        let net = try makeModel(f)
        let entries = f.expected["state_dict_keys_in_order"] as! [[Any]]
        XCTAssertEqual(net.stateItems().map(\.0), entries.map { $0[0] as! String })
        for (item, entry) in zip(net.stateItems(), entries) {
            switch item.1 {
            case .tensor(let p): XCTAssertEqual(p.shape, entry[1] as! [Int], item.0)
            case .counter: XCTAssertEqual(entry[1] as! [Int], [], item.0)
            }
        }
        // Saving gives back the fixture's tensors bit for bit.
        let saved = net.stateDict()
        for name in f.model.names { XCTAssertEqual(saved[name]?.bytes, f.model[name]?.bytes, name) }
        XCTAssertEqual(net.parameterCount, f.expected["n_params"] as! Int)
    }

    func testEvalLogitsMatch() throws {
        let f = try loadFixture()
        let net = try makeModel(f)
        let logits = try net.forward(FeatureMap(try f.io.tensor("input")), training: false).tensor()
        let ref = try f.io.tensor("logits_eval")
        let diff = logits.maxAbsDifference(ref)
        print("fixture eval logits max |diff| = \(diff)")
        XCTAssertLessThanOrEqual(diff, 1e-5)
        let labels = try labelsOf(f)
        let gds = SegmentationMetrics.generalizedDice(SegmentationMetrics.argmax(logits), labels, classes: 11)
        let expected = (f.expected["generalized_dice_score_eval_argmax"] as! [Double])[0]
        XCTAssertEqual(gds, expected, accuracy: 1e-6)
    }

    func labelsOf(_ f: Fixture) throws -> LabelMap {
        let l = try f.io.int64s("labels")
        return LabelMap(shape: [1, 32, 32, 32], data: l.map { Int32($0) })
    }

    func testTrainingStepMatches() throws {
        let f = try loadFixture()
        let net = try makeModel(f)
        for (name, drop) in net.dropoutLayers { drop.nextMask = try f.io.tensor("dropout_mask.\(name)") }
        let out = try net.forward(FeatureMap(try f.io.tensor("input")), training: true)
        let logits = out.tensor()
        let trainDiff = logits.maxAbsDifference(try f.io.tensor("logits_train"))
        print("fixture train logits max |diff| = \(trainDiff)")
        XCTAssertLessThanOrEqual(trainDiff, 1e-5)

        let loss = DiceCELoss(probability: .sigmoid, includeBackground: true, lambdaDice: 1, lambdaCE: 0.2)
        let r = try loss(logits, try labelsOf(f))
        let e = f.expected
        print("fixture loss total \(r.total) dice \(r.dice) ce \(r.crossEntropy)")
        XCTAssertEqual(r.total, e["loss_total"] as! Double, accuracy: 1e-5 * 1.35)
        XCTAssertEqual(r.dice, e["loss_dice_part"] as! Double, accuracy: 1e-5)
        XCTAssertEqual(r.crossEntropy, e["loss_ce_part"] as! Double, accuracy: 1e-5 * 2.5)

        net.zeroGrad()
        try net.backward(FeatureMap(r.gradient))
        let norms = e["grad_l2_norm"] as! [String: Double]
        var worst = 0.0, worstName = ""
        var global = 0.0
        for (name, p) in net.parameters() {
            let n = p.grad.l2Norm
            global += n * n
            let ref = norms[name]!
            let rel = abs(n - ref) / Swift.max(ref, 1e-12)
            XCTAssertLessThanOrEqual(rel, Self.fixtureGradientNoise[name] ?? 1e-4, "gradient norm of \(name)")
            if rel > worst, Self.fixtureGradientNoise[name] == nil { worst = rel; worstName = name }
        }
        print("fixture gradient norms: worst relative difference \(worst) at \(worstName) (outside the noisy entries)")
        XCTAssertEqual(global.squareRoot(), e["grad_global_l2_norm"] as! Double, accuracy: 1e-4 * 0.0423)
        let params = Dictionary(uniqueKeysWithValues: net.parameters())
        var checked = 0
        for name in f.io.names where name.hasPrefix("grad.") {
            let pname = String(name.dropFirst(5))
            let ref = try f.io.tensor(name)
            let err = relativeL2(params[pname]!.grad, ref)
            print("fixture full gradient \(pname): relative L2 error \(err)")
            XCTAssertLessThanOrEqual(err, 1e-4, pname)
            checked += 1
        }
        XCTAssertEqual(checked, 6)

        let adam = Adam(learningRate: 1e-3, beta1: 0.9, beta2: 0.999, eps: 1e-8)
        adam.update(net.parameters())
        var worstAfter: Float = 0, worstAfterName = ""
        for (name, item) in net.stateItems() {
            switch item {
            case .tensor(let p):
                let d = p.value.maxAbsDifference(try f.after.tensor(name))
                XCTAssertLessThanOrEqual(d, Self.fixtureAfterStepNoise[name] ?? 1e-5, "after-step \(name)")
                if d > worstAfter, Self.fixtureAfterStepNoise[name] == nil { worstAfter = d; worstAfterName = name }
            case .counter(let c):
                XCTAssertEqual(c.value, try f.after.int64s(name)[0], name)
            }
        }
        print("fixture after Adam: worst max |diff| \(worstAfter) at \(worstAfterName) (outside the noisy entries)")
    }

    func relativeL2(_ a: Tensor, _ b: Tensor) -> Double {
        var num = 0.0, den = 0.0
        for i in 0..<a.count {
            let d = Double(a.data[i]) - Double(b.data[i])
            num += d * d; den += Double(b.data[i]) * Double(b.data[i])
        }
        return (num / Swift.max(den, 1e-30)).squareRoot()
    }
}
