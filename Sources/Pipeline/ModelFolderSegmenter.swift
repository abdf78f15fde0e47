import Atlas
import Foundation
import ImageCore
import NeuralEngine
import Segmentation

/// A stop-gap `ScanSegmenter` on a model folder until the Segmentation module's own inference lands:
/// the whole scan box resampled to the network's input size (the `spacing == nil` preprocessing), one
/// forward pass, softmax, probabilities resampled back to the scan grid, argmax. An 11-class model's
/// sides come from the midline, taken as the x centre of mass of the labelled voxels. Sliding-window
/// models (`spacing` set) are refused with a clear message.
public final class ModelFolderSegmenter: ScanSegmenter, @unchecked Sendable {
    public let model: ModelFolder
    public let directory: URL
    private let lock = NSLock()

    public init(directory: URL) throws {
        self.directory = directory
        model = try ModelFolder.load(directory)
        guard model.preprocessing.spacing == nil else {
            throw PipelineError.unavailable("\(directory.path): sliding-window inference (preprocessing spacing) is not available in this build")
        }
        guard model.config.inChannels == 1, model.config.classes == 11 || model.config.classes == 21 else {
            throw PipelineError.unavailable("\(directory.path): need a 1-channel model with 11 or 21 classes, got \(model.config.inChannels) in, \(model.config.classes) classes")
        }
    }

    public var name: String { "U-Net \(directory.lastPathComponent) (\(model.config.classes) classes, whole-scan \(model.preprocessing.inputSize.map(String.init).joined(separator: "x")))" }

    public func segment(_ scan: Volume<Float>) throws -> SegmenterOutput {
        let size = model.preprocessing.inputSize
        let g = scan.geometry
        let n = SIMD3(size[0], size[1], size[2])
        var spacing = SIMD3<Double>(1, 1, 1)
        for a in 0..<3 { spacing[a] = n[a] > 1 ? Double(g.size[a] - 1) * g.spacing[a] / Double(n[a] - 1) : g.spacing[a] }
        let netGeometry = Geometry(size: n, spacing: spacing, origin: g.origin, direction: g.direction)
        let input = try scan.resampled(to: netGeometry, interpolation: .linear, outsideValue: -1000)
        let x = FeatureMap(Tensor(shape: [1, 1, n.z, n.y, n.x], data: model.preprocessing.normalize(input.data)))
        lock.lock()
        let logits: FeatureMap
        do { logits = try model.network.forward(x, training: false) } catch { lock.unlock(); throw error }
        lock.unlock()
        let probs = Softmax().forward(logits.tensor(), training: false)
        let classes = model.config.classes
        let voxels = n.x * n.y * n.z
        var native = Volume<Float>(geometry: g, components: classes)
        for c in 0..<classes {
            let comp = try Volume<Float>(geometry: netGeometry, data: Array(probs.data[(c * voxels)..<((c + 1) * voxels)]))
            let back = try comp.resampled(to: g, interpolation: .linear, outsideValue: c == 0 ? 1 : 0)
            native.data.replaceSubrange((c * g.voxelCount)..<((c + 1) * g.voxelCount), with: back.data)
        }
        var labels = Volume<UInt8>(geometry: g)
        for v in 0..<g.voxelCount {
            var best = 0
            var p = native.data[v]
            for c in 1..<classes where native.data[c * g.voxelCount + v] > p { p = native.data[c * g.voxelCount + v]; best = c }
            labels.data[v] = UInt8(best)
        }
        if classes == 11 {
            var sum = 0.0, count = 0
            let a = g.affineLPS
            for k in 0..<g.size.z { for j in 0..<g.size.y { for i in 0..<g.size.x where labels[i, j, k] != 0 {
                sum += a.apply(SIMD3(Double(i), Double(j), Double(k))).x
                count += 1
            } } }
            labels = ASPECTSLabelMap.twentyLabel(labels, midlineX: count > 0 ? sum / Double(count) : a.apply(SIMD3<Double>(g.size &- 1) / 2).x)
        }
        return SegmenterOutput(labels: labels, probabilities: native)
    }
}
