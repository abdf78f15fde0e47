import Foundation
import NeuralEngine
import Segmentation
import XCTest

final class LossAndMetricTests: XCTestCase {
    func randomCase(seed: UInt64, n: Int = 2, k: Int = 4, v: Int = 10) -> (Tensor, LabelMap) {
        var rng = RandomSource(seed: seed)
        let logits = Tensor(shape: [n, k, 1, 2, v / 2], data: (0..<(n * k * v)).map { _ in rng.uniform(-2, 2) })
        let labels = LabelMap(shape: [n, 1, 2, v / 2], data: (0..<(n * v)).map { _ in Int32(rng.next() % UInt64(k)) })
        return (logits, labels)
    }

    /// The loss value against a direct Float64 transcription of MONAI's formulas (Float32 rounding).
    func testLossValueMatchesDirectFormula() throws {
        let (z, y) = randomCase(seed: 1)
        for sigmoid in [true, false] {
            for background in [true, false] {
                let loss = DiceCELoss(probability: sigmoid ? .sigmoid : .softmax, includeBackground: background,
                                      lambdaDice: 0.7, lambdaCE: 0.3)
                let r = try loss(z, y)
                let N = 2, K = 4, V = 10
                var dice = 0.0, ce = 0.0, terms = 0.0
                for n in 0..<N {
                    var I = [Double](repeating: 0, count: K), P = I, G = I
                    for v in 0..<V {
                        let zz = (0..<K).map { Double(z.data[(n * K + $0) * V + v]) }
                        let m = zz.max()!
                        let e = zz.map { exp($0 - m) }, s = e.reduce(0, +)
                        let p = sigmoid ? zz.map { 1 / (1 + exp(-$0)) } : e.map { $0 / s }
                        let lab = Int(y.data[n * V + v])
                        ce += -(zz[lab] - m - log(s))
                        for k in 0..<K { P[k] += p[k]; if k == lab { I[k] += p[k]; G[k] += 1 } }
                    }
                    for k in (background ? 0 : 1)..<K { dice += 1 - (2 * I[k] + 1e-5) / (P[k] + G[k] + 1e-5); terms += 1 }
                }
                dice /= terms; ce /= Double(N * V)
                // The loss computes per voxel in Float32 (as PyTorch does), sums in Float64.
                XCTAssertEqual(r.dice, dice, accuracy: 1e-6)
                XCTAssertEqual(r.crossEntropy, ce, accuracy: 1e-6)
                XCTAssertEqual(r.total, 0.7 * dice + 0.3 * ce, accuracy: 1e-6)
            }
        }
    }

    func testLossGradientAgainstFiniteDifferences() throws {
        let (z, y) = randomCase(seed: 2)
        for sigmoid in [true, false] {
            let loss = DiceCELoss(probability: sigmoid ? .sigmoid : .softmax, includeBackground: !sigmoid, lambdaDice: 1, lambdaCE: 0.5)
            let g = try loss(z, y).gradient
            let h: Float = 1e-3
            var maxErr = 0.0, maxG = 0.0
            for i in 0..<z.count {
                var zp = z, zm = z
                zp.data[i] += h; zm.data[i] -= h
                let num = (try loss(zp, y).total - loss(zm, y).total) / Double(2 * h)
                maxErr = max(maxErr, abs(num - Double(g.data[i])))
                maxG = max(maxG, abs(num))
            }
            XCTAssertLessThan(maxErr, 1e-3 * maxG, "sigmoid \(sigmoid)")
        }
    }

    func testLabelsOutOfRangeAreRejected() {
        let (z, _) = randomCase(seed: 3)
        let bad = LabelMap(shape: [2, 1, 2, 5], data: [Int32](repeating: 7, count: 20))
        XCTAssertThrowsError(try DiceCELoss()(z, bad))
    }

    func testDiceMetricsClosedForm() {
        // Reference: classes 0,1,2 -> counts; prediction shifts some voxels.
        let ref = LabelMap(shape: [1, 1, 2, 4], data: [0, 0, 1, 1, 1, 2, 2, 0])
        let pred = LabelMap(shape: [1, 1, 2, 4], data: [0, 1, 1, 1, 2, 2, 0, 0])
        let d = SegmentationMetrics.perClassDice(pred, ref, classes: 4)
        // class 0: ref {0,1,7}, pred {0,6,7}: inter 2 -> 4/6; class 1: ref {2,3,4} pred {1,2,3}: 2 -> 4/6;
        // class 2: ref {5,6} pred {4,5}: 1 -> 2/4; class 3 absent.
        XCTAssertEqual(d[0]!, 4.0 / 6, accuracy: 1e-12)
        XCTAssertEqual(d[1]!, 4.0 / 6, accuracy: 1e-12)
        XCTAssertEqual(d[2]!, 0.5, accuracy: 1e-12)
        XCTAssertNil(d[3])
        XCTAssertEqual(SegmentationMetrics.meanDice(pred, ref, classes: 4), (4.0 / 6 + 0.5) / 2, accuracy: 1e-12)
        // Generalized Dice: w = 1/|G|^2 = 1/9, 1/9, 1/4; class 3 absent -> max weight 1/4.
        let w = [1.0 / 9, 1.0 / 9, 1.0 / 4, 1.0 / 4]
        let inter = [2.0, 2, 1, 0], sums = [6.0, 6, 4, 0]
        var num = 0.0, den = 0.0
        for k in 0..<4 { num += w[k] * inter[k]; den += w[k] * sums[k] }
        let expected = 2 * num / den
        XCTAssertEqual(SegmentationMetrics.generalizedDice(pred, ref, classes: 4), expected, accuracy: 1e-12)
        XCTAssertEqual(SegmentationMetrics.generalizedDice(ref, ref, classes: 4), 1, accuracy: 1e-12)
    }
}
