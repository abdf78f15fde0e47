import ImageCore
import Morphology

/// The box a whole-scan model sees: the head, not the scanner's field of view.
///
/// Hospital series frame the head in fields of view from about 180 to 300 mm, with the table and air
/// around it; a network that maps the whole scan box onto a fixed input grid would then see heads at
/// different scales depending on how the technologist set the field of view. Cropping every scan — in
/// training and in inference alike — to the largest connected region above `thresholdHU` (the head: the
/// table is usually a separate component, air never passes) plus a margin gives the network the same
/// framing whatever the acquisition.
public struct HeadCrop: Codable, Equatable, Sendable {
    /// HU above which a voxel counts as part of the head (skin is about -100 HU, air -1000).
    public var thresholdHU: Float = -300
    /// Margin kept around the head, mm.
    public var marginMM: Double = 8

    public init(thresholdHU: Float = -300, marginMM: Double = 8) {
        self.thresholdHU = thresholdHU
        self.marginMM = marginMM
    }

    enum CodingKeys: String, CodingKey { case thresholdHU = "threshold_hu", marginMM = "margin_mm" }

    /// The head's box in `ct` (HU), grown by the margin and clipped to the grid; the whole grid when no
    /// voxel is above the threshold (nothing to crop to, so nothing is cut away).
    public func box(in ct: Volume<Float>) -> IndexBox {
        let whole = IndexBox(lower: .zero, upper: ct.size &- 1)
        let head = ConnectedComponents.largest(ct.thresholded(lower: Double(thresholdHU)), connectivity: .six)
        guard let b = try? head.boundingBox() else { return whole }
        var lower = b.lower, upper = b.upper
        for a in 0..<3 {
            let m = Int((marginMM / ct.geometry.spacing[a]).rounded(.up))
            lower[a] = Swift.max(0, lower[a] - m)
            upper[a] = Swift.min(ct.size[a] - 1, upper[a] + m)
        }
        return IndexBox(lower: lower, upper: upper)
    }
}
