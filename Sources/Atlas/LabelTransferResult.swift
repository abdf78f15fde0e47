import ImageCore

/// Everything a label transfer produced, in memory; `LabelTransferOutput` writes it.
public struct LabelTransferResult: Sendable {
    /// ASPECTS labels (20-label convention) on the scan's grid, zero outside the brain mask.
    public var labels: Volume<UInt8>
    /// The stripped scan (HU clamped to the tissue window, 0 outside) and its mask, on the scan's grid.
    public var brain: Volume<Float>
    public var brainMask: Volume<UInt8>
    /// The image the scan was registered to (atlas grid): the atlas template with skull stripped like
    /// the scan, or `template.nii.gz` (see `LabelTransferImages`).
    public var registrationTarget: Volume<Float>
    /// The stripped scan resampled onto the atlas grid through the final transforms.
    public var registeredScan: Volume<Float>
    /// The atlas labels within the registered brain mask, on the atlas grid.
    public var registeredLabels: Volume<UInt8>
    /// The final transforms (refined when the overlay refinement was applied).
    public var transforms: LabelTransferTransforms
    /// The image registration's transforms alone.
    public var imageOnlyTransforms: LabelTransferTransforms
    /// When an overlay was given: the labels through the image registration alone (identical to
    /// `labels` when the refinement was rejected), so both can be compared.
    public var imageOnlyLabels: Volume<UInt8>?
    public var report: LabelTransferReport
}
