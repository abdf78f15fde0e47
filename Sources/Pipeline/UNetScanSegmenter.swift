import Atlas
import Foundation
import ImageCore
import Segmentation

/// The U-Net path of the end-to-end run: the Segmentation module's `Segmenter` on a model folder, its
/// output brought to the 20-label convention. Inference goes through `Segmenter` so that a scan is
/// prepared exactly as the trainer prepared its samples (`BoxSampler`'s box map, the model's HU
/// window); a second copy of that sampling here would drift from training.
public final class UNetScanSegmenter: ScanSegmenter, @unchecked Sendable {
    public let model: ModelFolder
    public let directory: URL
    /// The network's layers keep per-call state, so one segmentation at a time per model.
    private let lock = NSLock()

    public init(directory: URL) throws {
        self.directory = directory
        model = try ModelFolder.load(directory)
        guard model.config.inChannels == 1, model.config.classes == 11 || model.config.classes == 21 else {
            throw PipelineError.unavailable("\(directory.path): need a 1-channel model with 11 or 21 classes, got \(model.config.inChannels) in, \(model.config.classes) classes")
        }
    }

    public var name: String {
        let p = model.preprocessing
        let grid = p.spacing.map { "sliding windows of \(p.inputSize.map(String.init).joined(separator: "x")) at \($0.map { String($0) }.joined(separator: "x")) mm" }
            ?? "whole-scan \(p.inputSize.map(String.init).joined(separator: "x"))"
        return "U-Net \(directory.lastPathComponent) (\(model.config.classes) classes, \(grid))"
    }

    public func segment(_ scan: Volume<Float>) throws -> SegmenterOutput {
        lock.lock()
        defer { lock.unlock() }
        let out = try Segmenter(model: model).segment(scan, probabilities: true)
        var labels = out.labels
        if model.config.classes == 11 {
            // A side-less model: the side of each voxel comes from the midline, taken as the x centre of
            // mass of the labelled voxels (the regions are placed symmetrically about it).
            let g = scan.geometry
            let a = g.affineLPS
            var sum = 0.0, count = 0
            for k in 0..<g.size.z { for j in 0..<g.size.y { for i in 0..<g.size.x where labels[i, j, k] != 0 {
                sum += a.apply(SIMD3(Double(i), Double(j), Double(k))).x
                count += 1
            } } }
            labels = ASPECTSLabelMap.twentyLabel(labels, midlineX: count > 0 ? sum / Double(count) : a.apply(SIMD3<Double>(g.size &- 1) / 2).x)
        }
        return SegmenterOutput(labels: labels, probabilities: out.probabilities)
    }
}
