import Foundation
import ImageCore
import Morphology
import Registration

/// Atlas label transfer: ASPECTS labels for a head CT in its own (native) geometry.
///
/// 1. skull stripping (`SkullStripper`);
/// 2. registration of the stripped scan (moving) to the stripped atlas template (fixed): moments,
///    rigid, affine, SyN with LNCC. The atlas is the fixed image so every scan's warps live on the one
///    atlas grid (what `atlas aggregate` and the registered dataset need) and the symmetric SyN hands
///    back the inverse warp that carries the labels to the scan without a separate inversion;
/// 3. optionally, the overlay refinement (`OverlayRefinement`), composed with those transforms;
/// 4. the atlas labels pulled onto the scan grid through the inverse chain with label voting (each
///    label's trilinear weight summed, so borders move smoothly and no label is invented), then
///    restricted to the brain mask.
public struct LabelTransfer {
    public struct Parameters: Sendable {
        public var registration: RegistrationParameters
        /// Name of the registration preset, for the report.
        public var presetName: String?
        public var stripper = SkullStripper.Parameters()
        public var refinement = OverlayRefinement.Parameters()
        /// Margin (mm) around the brains when the images are cropped for the registration.
        public var cropMarginMM = 12.0

        public init(preset: RegistrationPreset = .default) {
            registration = preset.parameters
            presetName = preset.rawValue
        }

        public init(registration: RegistrationParameters, presetName: String? = nil) {
            self.registration = registration
            self.presetName = presetName
        }
    }

    public var parameters: Parameters
    /// One line per step (and the registration's own progress); nil = silent.
    public var progress: ((String) -> Void)?

    public init(parameters: Parameters = Parameters(), progress: ((String) -> Void)? = nil) {
        self.parameters = parameters
        self.progress = progress
    }

    /// Transfers `atlas`'s labels to `scan` (HU). `overlay` is an outline mask on the scan's grid;
    /// `name` (the input file) appears in errors and the report.
    public func run(scan: Volume<Float>, atlas: Atlas, overlay: Volume<UInt8>? = nil, name: String = "scan") throws -> LabelTransferResult {
        let t0 = Date()
        if let o = overlay {
            guard o.components == 1, o.size == scan.size, o.geometry.isClose(to: scan.geometry, tolerance: 1e-3) else {
                throw AtlasError(.invalidContent, file: "overlay", problem: "the overlay mask is not on the scan's voxel grid (\(o.size.x)x\(o.size.y)x\(o.size.z) vs \(scan.size.x)x\(scan.size.y)x\(scan.size.z), or a different position)")
            }
        }
        progress?("skull stripping \(name)")
        let stripped = try SkullStripper(parameters: parameters.stripper).strip(scan, name: name)
        let t1 = Date()

        progress?("registering the stripped scan to the atlas template")
        let images = try LabelTransferImages(atlas: atlas, scan: scan, stripped: stripped, stripper: parameters.stripper,
                                            marginMM: parameters.cropMarginMM, name: name)
        let registration = try ImageRegistration(parameters: parameters.registration, label: parameters.presetName, progress: progress)
            .register(fixed: images.fixedCropped, moving: images.movingCropped)
        let grid = atlas.template.geometry
        let imageOnly = LabelTransferTransforms(affine: registration.affine, warp: registration.forwardWarp?.resampled(to: grid),
                                                inverseWarp: registration.inverseWarp?.resampled(to: grid))
        let t2 = Date()

        var refinement: OverlayRefinement.Outcome? = nil
        if let o = overlay {
            let axis = SkullStripper.headFootAxis(o.geometry)
            let inPlane = (0..<3).filter { $0 != axis }.map { o.geometry.spacing[$0] }.max()!
            refinement = try OverlayRefinement(parameters: parameters.refinement, progress: progress)
                .run(overlay: OverlayPointCloud(mask: o), overlayVoxelMM: inPlane, transforms: imageOnly,
                     atlasLabels: atlas.labels, target: images.fixed, moving: images.moving)
        }
        let transforms = refinement?.transforms ?? imageOnly
        let t3 = Date()

        progress?("mapping the atlas labels to the scan")
        let labels = try Self.nativeLabels(atlas.labels, transforms: transforms, brainMask: stripped.mask)
        let imageOnlyLabels = refinement == nil ? nil
            : (refinement?.transforms == nil ? labels : try Self.nativeLabels(atlas.labels, transforms: imageOnly, brainMask: stripped.mask))
        let outside = stripped.brain.data.min() ?? 0
        let registered = try transforms.ontoAtlas.resample(stripped.brain, onto: grid, interpolation: .linear, outside: outside)
        let atlasMask = try transforms.ontoAtlas.resample(stripped.mask.converted(to: Float.self), onto: grid, interpolation: .linear, outside: 0)
        var registeredLabels = atlas.labels
        for q in 0..<registeredLabels.data.count where atlasMask.data[q] < 0.5 { registeredLabels.data[q] = 0 }

        // QA of the final transforms, on the whole atlas grid, within the target's brain.
        let region = images.fixed.data.map { $0 > 0 }
        let q = registration.report.quality
        let jacobian = transforms.warp.map { JacobianDeterminant.statistics($0, region: region) }
        let consistency = transforms.warp.flatMap { w in transforms.inverseWarp.map { QualityMeasures.inverseConsistency(forward: w, inverse: $0, region: region) } }
        let movingOnAtlas = { (t: LabelTransferTransforms) throws -> Volume<Float> in
            try t.ontoAtlas.resample(images.moving, onto: grid, interpolation: .linear, outside: images.moving.data.min() ?? 0)
        }
        let nccImageOnly = QualityMeasures.correlation(images.fixed, try movingOnAtlas(imageOnly), region: region)
        let similarity = LabelTransferReport.Similarity(
            identity: q.nccIdentity, affine: q.nccAffine, imageRegistration: nccImageOnly,
            final: refinement?.transforms == nil ? nccImageOnly : QualityMeasures.correlation(images.fixed, try movingOnAtlas(transforms), region: region))
        let coverage = FieldOfViewCoverage.regionCoverage(atlasLabels: atlas.labels, transforms: transforms, scanGeometry: scan.geometry)
        let (regions, hemispheres) = LabelTransferReport.volumes(native: labels, atlas: atlas.labels, coverage: coverage)
        let t4 = Date()
        let report = LabelTransferReport(
            scan: name, scanGrid: .init(scan.geometry), atlas: atlas.directory.path, atlasGrid: .init(atlas.template.geometry),
            preset: parameters.presetName, threads: Parallelism.current.threadCount, brainVolumeML: LabelTransferReport.round3(stripped.brainVolumeML),
            similarity: similarity, jacobian: jacobian, inverseConsistency: consistency, regions: regions, hemispheres: hemispheres,
            missingRegions: regions.filter { $0.nativeML == 0 }.map { "\($0.side) \($0.name)" },
            refinement: refinement?.report, registration: registration.report,
            timing: .init(stripSeconds: t1.timeIntervalSince(t0), registrationSeconds: t2.timeIntervalSince(t1),
                          refinementSeconds: t3.timeIntervalSince(t2), transferSeconds: t4.timeIntervalSince(t3),
                          totalSeconds: t4.timeIntervalSince(t0)))
        return LabelTransferResult(labels: labels, brain: stripped.brain, brainMask: stripped.mask,
                                   registrationTarget: images.fixed, registeredScan: registered,
                                   registeredLabels: registeredLabels, transforms: transforms, imageOnlyTransforms: imageOnly,
                                   imageOnlyLabels: imageOnlyLabels, report: report)
    }

    /// The atlas labels on the scan grid through `transforms`, zero outside `brainMask`. Only the
    /// mask's bounding box is resampled (the rest is zero anyway).
    public static func nativeLabels(_ atlasLabels: Volume<UInt8>, transforms: LabelTransferTransforms,
                                    brainMask: Volume<UInt8>) throws -> Volume<UInt8> {
        var out = Volume<UInt8>(geometry: brainMask.geometry)
        guard brainMask.nonzeroCount > 0 else { return out }
        let box = try brainMask.boundingBox()
        let crop = try brainMask.cropped(to: box)
        let pulled = try transforms.ontoNative.resample(atlasLabels.converted(to: Float.self), onto: crop.geometry,
                                                    interpolation: .label, outside: 0)
        let bs = box.size
        for k in 0..<bs.z { for j in 0..<bs.y { for i in 0..<bs.x {
            let c = crop.linearIndex(i, j, k)
            guard crop.data[c] != 0 else { continue }
            out[box.lower.x + i, box.lower.y + j, box.lower.z + k] = UInt8(clampingDouble: Double(pulled.data[c]))
        } } }
        return out
    }
}
