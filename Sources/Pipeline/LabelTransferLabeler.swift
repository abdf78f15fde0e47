import ASPECTS
import Atlas
import Foundation
import ImageCore
import Registration

/// The pipeline's atlas labeler: the Atlas module's `LabelTransfer` (the one implementation, also
/// behind `deepstroke label`) behind the `ScanLabeler` protocol. With an overlay (a legacy ASPECTS
/// outline) the overlay-guided refinement runs and its guard decides whether it is applied; the QA
/// records the decision and its reason.
public struct LabelTransferLabeler: ScanLabeler {
    public let atlas: Atlas
    public var parameters: LabelTransfer.Parameters
    public var progress: (@Sendable (String) -> Void)?

    public init(atlas: Atlas, preset: RegistrationPreset = .default, progress: (@Sendable (String) -> Void)? = nil) {
        self.init(atlas: atlas, parameters: LabelTransfer.Parameters(preset: preset), progress: progress)
    }

    public init(atlas: Atlas, parameters: LabelTransfer.Parameters, progress: (@Sendable (String) -> Void)? = nil) {
        self.atlas = atlas
        self.parameters = parameters
        self.progress = progress
    }

    public var name: String { "atlas label transfer (\(parameters.presetName ?? "custom"), affine + SyN LNCC)" }

    public func label(_ scan: Volume<Float>, overlay: Volume<UInt8>?, name: String) throws -> ScanLabels {
        let p = progress
        let transfer = LabelTransfer(parameters: parameters, progress: p.map { f in { f("\(name): \($0)") } })
        let r = try transfer.run(scan: scan, atlas: atlas, overlay: overlay, name: name)
        return ScanLabels(labels: r.labels, brainMask: r.brainMask, stripped: r.brain, registeredScan: r.registeredScan,
                          registeredLabels: r.registeredLabels, qa: Self.qa(r.report, affine: r.transforms.affine, method: self.name, atlas: atlas))
    }

    /// The report's headline figures, and each region's volume expected from the atlas scaled by brain size.
    static func qa(_ q: LabelTransferReport, affine: AffineTransform3D, method: String, atlas: Atlas) -> LabelingQA {
        func round3(_ x: Double) -> Double { (x * 1000).rounded() / 1000 }
        // Non-finite figures (a degenerate registration) are left out: JSON cannot carry them.
        func finite(_ x: Double?) -> Double? { x.flatMap { $0.isFinite ? $0 : nil } }
        let s = atlas.template.geometry.spacing
        let atlasBrainML = Double(atlas.template.data.reduce(0) { $0 + ($1 != 0 ? 1 : 0) }) * s.x * s.y * s.z / 1000
        let scale = atlasBrainML > 0 ? q.brainVolumeML / atlasBrainML : 1
        var volumes: [String: Double] = [:], expected: [String: Double] = [:], coverage: [String: Double] = [:]
        for r in q.regions {
            volumes[String(r.code)] = r.nativeML
            expected[String(r.code)] = round3(r.atlasML * scale)
            if let f = r.fieldOfViewFraction { coverage[String(r.code)] = f }
        }
        var qa = LabelingQA(method: method, brainVolumeML: q.brainVolumeML, nccAffine: finite(q.similarity.affine),
                            nccFinal: finite(q.similarity.final), jacobianMin: finite(q.jacobian?.minimum),
                            jacobianMax: finite(q.jacobian?.maximum), foldedFraction: finite(q.jacobian?.nonPositiveFraction),
                            inverseConsistencyMM: finite(q.inverseConsistency?.meanMM), regionVolumesML: volumes,
                            missingRegions: q.missingRegions, seconds: q.timing.totalSeconds)
        qa.expectedRegionVolumesML = expected
        qa.atlasBrainVolumeML = round3(atlasBrainML)
        qa.fieldOfViewFractions = coverage
        // Length of each atlas axis (LPS x, y, z) after the affine: how far the linear stage stretched it.
        qa.affineScales = (0..<3).map { c in round3((0..<3).map { affine.matrix[$0, c] * affine.matrix[$0, c] }.reduce(0, +).squareRoot()) }
        if let refinement = q.refinement {
            qa.overlayRefinement = refinement.applied ? "applied" : "rejected"
            qa.overlayRefinementReason = refinement.reason
        }
        return qa
    }
}
