import ASPECTS
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
    /// The atlas a frame model's scans are registered to (nil for a model that reads native scans).
    public let atlas: Atlas?
    let frame: AtlasFrame?
    /// The network's layers keep per-call state, so one segmentation at a time per model: the lock
    /// guards no value of its own, only the model's layers while `segment` runs.
    private let oneAtATime = Locked(())

    /// `atlas` is needed by a model that reads the registered form (`preprocessing.atlas_frame`): it must be
    /// the atlas the model was trained in (the frame is a box of that atlas's grid).
    public init(directory: URL, atlas: Atlas? = nil) throws {
        self.directory = directory
        model = try ModelFolder.load(directory)
        guard model.config.inChannels == 1, model.config.classes == 11 || model.config.classes == 21 else {
            throw PipelineError.unavailable("\(directory.path): need a 1-channel model with 11 or 21 classes, got \(model.config.inChannels) in, \(model.config.classes) classes")
        }
        if let f = model.preprocessing.atlasFrame {
            guard let a = atlas else {
                throw PipelineError.unavailable("\(directory.path): this model reads scans registered to its atlas; no atlas was given")
            }
            let box = IndexBox(lower: SIMD3(f.lower[0], f.lower[1], f.lower[2]),
                               upper: SIMD3(f.lower[0] + f.size[0] - 1, f.lower[1] + f.size[1] - 1, f.lower[2] + f.size[2] - 1))
            let g = a.labels.size
            guard box.upper.x < g.x, box.upper.y < g.y, box.upper.z < g.z else {
                throw PipelineError.unavailable("\(directory.path): its atlas frame \(box) does not fit the atlas \(a.directory.path) (\(g.x)x\(g.y)x\(g.z)); use the atlas it was trained with")
            }
            frame = AtlasFrame(box: box)
            self.atlas = a
        } else {
            frame = nil
            self.atlas = atlas
        }
    }

    public var name: String {
        let p = model.preprocessing
        let grid: String
        if p.atlasFrame != nil {
            grid = "registered form: affine to the atlas, \(p.inputSize.map(String.init).joined(separator: "x")) frame"
        } else {
            grid = p.spacing.map { "sliding windows of \(p.inputSize.map(String.init).joined(separator: "x")) at \($0.map { String($0) }.joined(separator: "x")) mm" }
                ?? "whole-scan \(p.inputSize.map(String.init).joined(separator: "x"))"
        }
        return "U-Net \(directory.lastPathComponent) (\(model.config.classes) classes, \(grid))"
    }

    public func segment(_ scan: Volume<Float>) throws -> SegmenterOutput {
        try oneAtATime.withLock { _ in
            // Averaged with the left-right mirrored pass when the model has a mirrored-label table: each side's
            // regions are then seen by the network both as they are and as the other side's.
            let segmenter = Segmenter(model: model, mirrorTTA: model.preprocessing.mirroredLabels != nil)
            if let frame, let atlas { return try segmentInFrame(scan, frame: frame, atlas: atlas, segmenter: segmenter) }
            let out = try segmenter.segment(scan, probabilities: true)
            let plane = Self.midsagittalPlane(out.labels, sided: model.config.classes == 21)
            return SegmenterOutput(labels: Self.sided(out.labels, by: plane), probabilities: out.probabilities.map { Self.sided($0, by: plane) })
        }
    }

    /// A frame model: register (strip + affine), segment the frame, labels back to the scan inside its
    /// brain mask by the argmax of the frame's interpolated probabilities. Probabilities stay in the frame
    /// (no 21 channels on a 1 mm native grid).
    func segmentInFrame(_ scan: Volume<Float>, frame: AtlasFrame, atlas: Atlas, segmenter: Segmenter) throws -> SegmenterOutput {
        let t0 = Date()
        let registered = try frame.register(scan, atlas: atlas, name: "scan")
        let out = try segmenter.segment(registered.image, probabilities: true)
        guard let probabilities = out.probabilities else {
            throw PipelineError.unavailable("\(directory.path): the segmenter gave no probabilities in the frame")
        }
        let native = try frame.nativeLabels(probabilities: probabilities, registered: registered, atlas: atlas)
        let plane = Self.midsagittalPlane(native, sided: model.config.classes == 21)
        let labels = Self.sided(native, by: plane)
        let s = labels.geometry.spacing
        let ml = ASPECTSLabelMap.counts(labels).map { Double($0) * s.x * s.y * s.z / 1000 }
        var volumes: [String: Double] = [:]
        for r in ASPECTSRegion.all { volumes[String(r.code)] = LabelingQA.round3(ml[r.code]) }
        var qa = LabelingQA(method: name, brainVolumeML: registered.brainVolumeML, nccAffine: LabelingQA.finite(registered.similarity),
                            regionVolumesML: volumes, missingRegions: ASPECTSRegion.all.filter { ml[$0.code] == 0 }.map { "\($0.hemisphere.rawValue) \($0.name)" },
                            seconds: Date().timeIntervalSince(t0))
        qa.setAtlasExpectations(atlas: atlas, affine: registered.transforms.affine)
        let coverage = FieldOfViewCoverage.regionCoverage(atlasLabels: atlas.labels, transforms: registered.transforms, scanGeometry: scan.geometry)
        qa.fieldOfViewFractions = Dictionary(uniqueKeysWithValues: ASPECTSRegion.all.map { (String($0.code), LabelingQA.round3(coverage[$0.code])) })
        return SegmenterOutput(labels: labels, probabilities: nil, qa: qa)
    }

    typealias Plane = ASPECTSLabelMap.MidlinePlane

    /// The side of a region comes from anatomy, not from the network's channel: the plane through the
    /// midpoint of the right- and left-labelled voxels' centroids, normal to the line joining them (so a
    /// head turned on the table gets a turned plane). A network tells lateral regions' sides without
    /// fail; a region beside the midline it may call on the wrong side, and the score counts regions per
    /// hemisphere. For an 11-class (side-less) model the plane is x = the labelled voxels' mean x.
    static func midsagittalPlane(_ labels: Volume<UInt8>, sided: Bool) -> Plane {
        let g = labels.geometry
        let a = g.affineLPS
        var sum = [SIMD3<Double>](repeating: .zero, count: 2), count = [0, 0]
        for k in 0..<g.size.z { for j in 0..<g.size.y { for i in 0..<g.size.x {
            let l = labels[i, j, k]
            guard l >= 1 && l <= 20 else { continue }
            let side = sided && l > 10 ? 1 : 0
            sum[side] += a.apply(SIMD3(Double(i), Double(j), Double(k)))
            count[side] += 1
        } } }
        let centre = a.apply(SIMD3<Double>(g.size &- 1) / 2)
        if sided, count[0] > 0, count[1] > 0 {
            let r = sum[0] / Double(count[0]), l = sum[1] / Double(count[1])
            let d = l - r
            let length = (d * d).sum().squareRoot()
            // Centroids on the wrong sides (or on top of each other) say nothing: fall back to LPS +x.
            if length > 1e-6 && d.x > 0 { return Plane(point: (r + l) / 2, normal: d / length) }
        }
        let n = count[0] + count[1]
        let mid = n > 0 ? ((sum[0] + sum[1]) / Double(n)).x : centre.x
        return Plane(point: SIMD3(mid, centre.y, centre.z), normal: SIMD3(1, 0, 0))
    }

    /// Labels 1-20 with each region's side from the plane.
    static func sided(_ labels: Volume<UInt8>, by plane: Plane) -> Volume<UInt8> {
        ASPECTSLabelMap.twentyLabel(ASPECTSLabelMap.elevenClass(labels), plane: plane)
    }

    /// Softmax with each region's probability (both sides' channels summed) on the voxel's side of the
    /// plane, so the per-region confidence matches the sided labels. 11 channels become 21.
    static func sided(_ p: Volume<Float>, by plane: Plane) -> Volume<Float> {
        let g = p.geometry, n = g.voxelCount
        let sidedModel = p.components == 21
        var out = Volume<Float>(geometry: g, components: 21)
        let a = g.affineLPS
        for k in 0..<g.size.z { for j in 0..<g.size.y { for i in 0..<g.size.x {
            let v = p.linearIndex(i, j, k)
            let left = plane.isLeft(a.apply(SIMD3(Double(i), Double(j), Double(k))))
            out.data[v] = p.data[v]
            for r in 1...10 {
                let sum = sidedModel ? p.data[r * n + v] + p.data[(r + 10) * n + v] : p.data[r * n + v]
                out.data[(left ? r + 10 : r) * n + v] = sum
            }
        } } }
        return out
    }
}
