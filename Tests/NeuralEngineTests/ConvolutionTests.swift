import XCTest
import NeuralEngine

final class ConvolutionTests: XCTestCase {
    func testConv3dForwardMatchesNaiveReference() throws {
        var rng = RandomSource(seed: 1)
        for (cin, cout, k, s, p) in [(1, 4, 3, 1, 1), (4, 8, 3, 2, 1), (5, 11, 1, 1, 0), (8, 16, 1, 2, 0), (9, 3, 3, 1, 1)] {
            let conv = Conv3d(cin, cout, kernel: k, stride: s, padding: p, bias: true, rng: &rng)
            let x = rng.tensor([2, cin, 6, 5, 4])
            let y = try conv.forward(FeatureMap(x), training: false).tensor()
            let ref = Reference.conv3d(x, conv.weight.value, bias: conv.bias!.value, stride: s, padding: p)
            XCTAssertEqual(y.shape, ref.shape)
            XCTAssertLessThan(y.maxAbsDifference(ref), 1e-5, "conv \(cin)->\(cout) k\(k) s\(s)")
        }
    }

    func testConvTranspose3dForwardMatchesNaiveReference() throws {
        var rng = RandomSource(seed: 2)
        for (cin, cout) in [(16, 8), (4, 3), (8, 4)] {
            let up = ConvTranspose3d(cin, cout, rng: &rng)
            let x = rng.tensor([1, cin, 3, 4, 2])
            let y = try up.forward(FeatureMap(x), training: false).tensor()
            let ref = Reference.convTranspose3d(x, up.weight.value, bias: up.bias!.value, stride: 2)
            XCTAssertEqual(y.shape, ref.shape)
            XCTAssertLessThan(y.maxAbsDifference(ref), 1e-5, "deconv \(cin)->\(cout)")
        }
    }
}
