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
        var volumes: [String: Double] = [:], coverage: [String: Double] = [:]
        for r in q.regions {
            volumes[String(r.code)] = r.nativeML
            if let f = r.fieldOfViewFraction { coverage[String(r.code)] = f }
        }
        var qa = LabelingQA(method: method, brainVolumeML: q.brainVolumeML, nccAffine: LabelingQA.finite(q.similarity.affine),
                            nccFinal: LabelingQA.finite(q.similarity.final), jacobianMin: LabelingQA.finite(q.jacobian?.minimum),
                            jacobianMax: LabelingQA.finite(q.jacobian?.maximum), foldedFraction: LabelingQA.finite(q.jacobian?.nonPositiveFraction),
                            inverseConsistencyMM: LabelingQA.finite(q.inverseConsistency?.meanMM), regionVolumesML: volumes,
                            missingRegions: q.missingRegions, seconds: q.timing.totalSeconds)
        qa.setAtlasExpectations(atlas: atlas, affine: affine)
        qa.fieldOfViewFractions = coverage
        if let refinement = q.refinement {
            qa.overlayRefinement = refinement.applied ? "applied" : "rejected"
            qa.overlayRefinementReason = refinement.reason
        }
        return qa
    }
}
