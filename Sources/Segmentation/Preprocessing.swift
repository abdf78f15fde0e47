import Foundation
import ImageCore

/// What a model expects of its input, stored as `preprocessing.json` in the model folder so that
/// training and inference prepare scans identically.
///
/// Intensities: HU are clipped to `window` and mapped linearly to [0, 1]. Geometry: every scan is first
/// brought to LPS voxel order (`AxisReorientation`, no resampling) and, with `headCrop`, cut to the
/// head's box; then, with
/// `spacing == nil` the scan's whole box is resampled to `inputSize` voxels (fixed size); with a
/// spacing the scan is resampled to it and the network runs on `inputSize` patches by sliding
/// window.
public struct Preprocessing: Codable, Equatable, Sendable {
    /// Network input size in voxels along i, j, k.
    public var inputSize: [Int] = [128, 128, 128]
    /// HU window mapped to [0, 1].
    public var window: [Float] = [-20, 100]
    /// Target spacing (mm) for sliding-window inference; nil resamples the whole scan to `inputSize`.
    public var spacing: [Double]? = nil
    /// Fraction of a patch shared with its neighbour in sliding-window inference.
    public var overlap: Double = 0.25
    /// Label map applied when a scan is mirrored left-right (index = label, value = mirrored label);
    /// nil means labels carry no side (identity).
    public var mirroredLabels: [Int]? = nil
    /// When set, scans are cropped to the head (`HeadCrop`) before anything else, in training and in
    /// inference; nil uses the scan's whole grid.
    public var headCrop: HeadCrop? = nil
    /// When set, the model reads scans in the registered form (the Atlas module's `AtlasFrame`): skull
    /// stripped, registered to the atlas by an affine and cut to this box of the atlas grid, which is then
    /// the network grid (`inputSize` equals its size). The end-to-end run does that preparation; the
    /// trainer and `Segmenter` see the frame's images as they are.
    public var atlasFrame: AtlasFrameBox? = nil

    /// A box of the atlas grid, in voxels.
    public struct AtlasFrameBox: Codable, Equatable, Sendable {
        public var lower: [Int]
        public var size: [Int]
        public init(lower: [Int], size: [Int]) { self.lower = lower; self.size = size }
    }

    public init(inputSize: [Int] = [128, 128, 128], window: [Float] = [-20, 100], spacing: [Double]? = nil,
                overlap: Double = 0.25, mirroredLabels: [Int]? = nil, headCrop: HeadCrop? = nil) {
        self.inputSize = inputSize; self.window = window; self.spacing = spacing
        self.overlap = overlap; self.mirroredLabels = mirroredLabels; self.headCrop = headCrop
    }

    enum CodingKeys: String, CodingKey {
        case inputSize = "input_size", window, spacing, overlap, mirroredLabels = "mirrored_labels", headCrop = "head_crop"
        case atlasFrame = "atlas_frame"
    }

    /// The part of a scan (HU) the network sees: the head box when `headCrop` is set, else all of it.
    public func cropBox(_ ct: Volume<Float>) -> IndexBox {
        headCrop?.box(in: ct) ?? IndexBox(lower: .zero, upper: ct.size &- 1)
    }

    public func validate(classes: Int? = nil) throws {
        guard inputSize.count == 3, inputSize.allSatisfy({ $0 > 0 }) else {
            throw SegmentationError.invalidConfig("input_size must be three positive numbers, got \(inputSize)")
        }
        guard window.count == 2, window[1] > window[0] else {
            throw SegmentationError.invalidConfig("window must be [low, high] with high > low, got \(window)")
        }
        if let s = spacing, s.count != 3 || s.contains(where: { !($0 > 0) }) {
            throw SegmentationError.invalidConfig("spacing must be three positive numbers, got \(s)")
        }
        guard overlap >= 0, overlap < 1 else { throw SegmentationError.invalidConfig("overlap must be in [0, 1)") }
        if let c = headCrop, !c.thresholdHU.isFinite || !(c.marginMM >= 0) || !c.marginMM.isFinite {
            throw SegmentationError.invalidConfig("head_crop needs a finite threshold_hu and a margin_mm >= 0")
        }
        if let f = atlasFrame {
            guard f.lower.count == 3, f.size.count == 3, f.lower.allSatisfy({ $0 >= 0 }), f.size == inputSize,
                  spacing == nil, headCrop == nil else {
                throw SegmentationError.invalidConfig("atlas_frame needs lower (3 numbers >= 0) and size equal to input_size \(inputSize), and no spacing or head_crop")
            }
        }
        if let m = mirroredLabels, let k = classes {
            guard m.count == k, m.allSatisfy({ $0 >= 0 && $0 < k }) else {
                throw SegmentationError.invalidConfig("mirrored_labels must list \(k) labels in 0..<\(k)")
            }
        }
    }

    /// Maps HU to the network's [0, 1] range (values outside the window are clipped).
    public func normalize(_ hu: [Float]) -> [Float] {
        let lo = window[0], scale = 1 / (window[1] - window[0])
        return hu.map { Swift.min(1, Swift.max(0, ($0 - lo) * scale)) }
    }

    /// The mirrored-label table for an 11-class (side-less) or 21-class (right 1-10 / left 11-20) map.
    public static func hemisphereSwap(classes: Int) -> [Int]? {
        guard classes == 21 else { return nil }
        return (0..<21).map { $0 == 0 ? 0 : ($0 <= 10 ? $0 + 10 : $0 - 10) }
    }
}
