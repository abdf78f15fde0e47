import Foundation
import ImageCore

/// The U-Net path's one call: native scan in, 20-label map (and the softmax, for per-region confidence)
/// out, on the scan's grid. The Segmentation module's inference implements it; the end-to-end run only
/// knows this protocol, so it works unchanged when inference lands or changes.
public protocol ScanSegmenter: Sendable {
    var name: String { get }
    func segment(_ scan: Volume<Float>) throws -> SegmenterOutput
}

public struct SegmenterOutput: Sendable {
    /// 20-label ASPECTS map on the scan grid.
    public var labels: Volume<UInt8>
    /// Softmax on the scan grid (11 or 21 components), when the model gives one.
    public var probabilities: Volume<Float>?
    /// Quality figures, when the segmenter registered the scan to an atlas first (a frame model): the same
    /// gates then apply as to the atlas method (brain volume, affine stretch, field of view, region volumes).
    public var qa: LabelingQA?

    public init(labels: Volume<UInt8>, probabilities: Volume<Float>?, qa: LabelingQA? = nil) {
        self.labels = labels
        self.probabilities = probabilities
        self.qa = qa
    }
}
