import ASPECTS
import Atlas
import Foundation
import ImageCore
import Morphology
import Registration

/// Atlas label transfer as the pipeline's default `ScanLabeler`: skull-strip the scan, register the
/// atlas template (fixed) to the stripped scan (moving) with affine + SyN (LNCC), pull the atlas labels
/// onto the native grid through the inverse chain with label-safe interpolation, and keep them inside
/// the brain mask.
///
/// The atlas is the fixed image so that the forward warp lives on the atlas grid: every scan's
/// registered volume and labels then share one grid, which is what a training set in atlas space needs.
/// The overlay refinement of the Atlas module's label transfer is not done here; an overlay passed in
/// is ignored (the manifest records it as present).
public struct AtlasRegistrationLabeler: ScanLabeler {
    public let atlas: Atlas
    public var parameters: RegistrationParameters
    public var presetName: String
    public var stripper: SkullStripper
    public var progress: (@Sendable (String) -> Void)?

    public init(atlas: Atlas, preset: RegistrationPreset = .default, stripper: SkullStripper = SkullStripper(),
                progress: (@Sendable (String) -> Void)? = nil) {
        self.init(atlas: atlas, parameters: preset.parameters, presetName: preset.rawValue, stripper: stripper, progress: progress)
    }

    public init(atlas: Atlas, parameters: RegistrationParameters, presetName: String, stripper: SkullStripper = SkullStripper(),
                progress: (@Sendable (String) -> Void)? = nil) {
        self.atlas = atlas
        self.parameters = parameters
        self.presetName = presetName
        self.stripper = stripper
        self.progress = progress
    }

    public var name: String { "atlas registration (\(presetName), affine + SyN LNCC)" }

    public func label(_ scan: Volume<Float>, overlay: Volume<UInt8>?, name: String) throws -> ScanLabels {
        let t0 = Date()
        let strip = try stripper.strip(scan, name: name)
        progress?("\(name): brain \(Int(strip.brainVolumeML.rounded())) mL")
        let atlasMask = atlas.template.map { $0 != 0 ? Float(1) : Float(0) }
        let registration = ImageRegistration(parameters: parameters, label: presetName,
                                             progress: progress.map { p in { p("\(name): \($0)") } })
        let r = try registration.register(fixed: atlas.template, moving: strip.brain, fixedMask: atlasMask)

        // Atlas labels onto the native grid (inverse chain), kept inside the brain.
        let atlasLabels = atlas.labels.converted(to: Float.self)
        let native = try r.inverse.resample(atlasLabels, onto: scan.geometry, interpolation: .label)
        var labels = Volume<UInt8>(geometry: scan.geometry)
        for n in labels.data.indices where strip.mask.data[n] != 0 {
            labels.data[n] = UInt8(max(0, min(20, native.data[n].rounded())))
        }
        // Native labels back into atlas space (forward chain) for the registered segmentation.
        let back = try r.forward.resample(labels.converted(to: Float.self), onto: atlas.template.geometry, interpolation: .label)
        let registeredLabels = back.map { UInt8(max(0, min(20, $0.rounded()))) }

        let q = r.report.quality
        let counts = ASPECTSLabelMap.counts(labels)
        let s = scan.geometry.spacing
        let voxelML = s.x * s.y * s.z / 1000
        var volumes: [String: Double] = [:]
        var missing: [String] = []
        for region in ASPECTSRegion.all {
            volumes[String(region.code)] = (Double(counts[region.code]) * voxelML * 1000).rounded() / 1000
            if counts[region.code] == 0 { missing.append("\(region.hemisphere.rawValue) \(region.name)") }
        }
        // Non-finite figures (a degenerate registration) are left out: JSON cannot carry them.
        func finite(_ x: Double?) -> Double? { x.flatMap { $0.isFinite ? $0 : nil } }
        let qa = LabelingQA(method: self.name, brainVolumeML: strip.brainVolumeML, nccAffine: finite(q.nccAffine), nccFinal: finite(q.nccFinal),
                            jacobianMin: finite(q.jacobian?.minimum), jacobianMax: finite(q.jacobian?.maximum),
                            foldedFraction: finite(q.jacobian?.nonPositiveFraction), inverseConsistencyMM: finite(q.inverseConsistency?.meanMM),
                            regionVolumesML: volumes, missingRegions: missing, seconds: Date().timeIntervalSince(t0))
        return ScanLabels(labels: labels, brainMask: strip.mask, stripped: strip.brain, registeredScan: r.warped,
                          registeredLabels: registeredLabels, qa: qa)
    }
}
