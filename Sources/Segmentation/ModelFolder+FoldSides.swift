import Foundation
import NeuralEngine

extension ModelFolder {
    /// Which hemisphere's output channels a folded model keeps.
    public enum KeptSide: String, CaseIterable, Sendable { case right, left }

    /// An 11-class (side-less) model made from a 21-class one (0 background, 1-10 right, 11-20 left):
    /// every weight is kept and the head keeps background plus one hemisphere's ten region channels.
    ///
    /// Why: trained with left-right flips, a 21-class network must tell the sides apart from context
    /// alone, and one side's channels often never win early on and die (the first frame model learned
    /// its left regions at Dice 0.6-0.8 while most right ones stayed at 0). The regions look alike on
    /// both sides, so a side-less model learns each from twice the examples, and the side comes from the
    /// midsagittal plane at inference (`UNetScanSegmenter`). Folding keeps what the 21-class network
    /// learned as the starting point; train it further on side-less labels (`train --fold-sides`).
    public func foldingSides(keep side: KeptSide) throws -> ModelFolder {
        guard config.classes == 21 else {
            throw SegmentationError.invalidConfig("folding sides needs a 21-class model (background, 10 right, 10 left), this one has \(config.classes) classes")
        }
        var st = network.stateDict()
        let rows = [0] + (side == .right ? Array(1...10) : Array(11...20))
        for name in ["head.weight", "head.bias"] {
            let t = try st.tensor(name)
            let per = t.data.count / 21
            var data: [Float] = []
            data.reserveCapacity(per * rows.count)
            for r in rows { data.append(contentsOf: t.data[(r * per)..<((r + 1) * per)]) }
            st.set(name, Tensor(shape: [rows.count] + Array(t.shape.dropFirst()), data: data))
        }
        var folded = config
        folded.classes = 11
        var pre = preprocessing
        // Side-less labels mirror onto themselves.
        pre.mirroredLabels = pre.mirroredLabels.map { _ in Array(0..<11) }
        let net = try UNet3D(config: folded, seed: 0)
        try net.load(st)
        try pre.validate(classes: 11)
        return ModelFolder(config: folded, preprocessing: pre, network: net)
    }
}
