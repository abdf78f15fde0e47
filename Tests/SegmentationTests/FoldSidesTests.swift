import NeuralEngine
@testable import Segmentation
import XCTest

/// A 21-class model folded to 11 side-less classes keeps every weight, and its head keeps background
/// plus the chosen hemisphere's channels, in region order.
final class FoldSidesTests: XCTestCase {
    func testFoldingKeepsWeightsAndTheChosenSidesHeadRows() throws {
        var pre = Preprocessing(inputSize: [16, 16, 16])
        pre.mirroredLabels = Preprocessing.hemisphereSwap(classes: 21)
        let model = try ModelFolder.initialize(config: UNetConfig(classes: 21, baseChannels: 4, levels: 2), preprocessing: pre, seed: 9)
        let before = model.network.stateDict()
        for side in ModelFolder.KeptSide.allCases {
            let folded = try model.foldingSides(keep: side)
            XCTAssertEqual(folded.config.classes, 11)
            XCTAssertEqual(folded.preprocessing.mirroredLabels, Array(0..<11))
            let after = folded.network.stateDict()
            XCTAssertEqual(Set(after.names), Set(before.names))
            for name in before.names where !name.hasPrefix("head.") {
                XCTAssertEqual(after[name]?.bytes, before[name]?.bytes, name)
            }
            let rows = [0] + (side == .right ? Array(1...10) : Array(11...20))
            for name in ["head.weight", "head.bias"] {
                let a = try after.tensor(name), b = try before.tensor(name)
                let per = b.data.count / 21
                XCTAssertEqual(a.shape, [11] + Array(b.shape.dropFirst()))
                for (k, r) in rows.enumerated() {
                    XCTAssertEqual(Array(a.data[(k * per)..<((k + 1) * per)]), Array(b.data[(r * per)..<((r + 1) * per)]), "\(name) row \(k)")
                }
            }
        }
        // Only 21-class models fold.
        let small = try ModelFolder.initialize(config: UNetConfig(classes: 11, baseChannels: 4, levels: 2), preprocessing: Preprocessing(inputSize: [16, 16, 16]), seed: 1)
        XCTAssertThrowsError(try small.foldingSides(keep: .left))
    }
}
