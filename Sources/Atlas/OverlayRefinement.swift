import Foundation
import ImageCore
import Morphology
import Registration

/// Second registration for scans that come with a legacy ASPECTS outline overlay: after the image
/// registration, the overlay's points are carried into atlas space and a deformable registration aligns
/// their density with the outlines of the atlas labels, starting from where the image registration left
/// them; the correction is then composed with the image transforms.
///
/// The outlines are drawn by a reader on the scan itself, so they say where the region borders are in
/// places CT contrast does not (the M-region borders run through uniform cortex). Both sides are made
/// comparable images: the atlas outline mask and the splatted overlay points, each Gaussian-smoothed by
/// `sigmaMM`. The similarity is LNCC restricted to the neighbourhood of the points, since the overlay
/// says nothing elsewhere, and the regularisation is stronger than for images, so the correction spreads
/// smoothly from the outlined slices.
///
/// The guard: every `holdOutEvery`-th point is left out of the registration. The correction is kept only
/// if the held-out points' chamfer distance to the atlas outlines improves by at least
/// `minimumImprovementMM`, the image similarity does not drop by more than `maximumNCCDrop`, and it folds
/// no more voxels than the image registration did. Otherwise the image-only transforms stand. Both
/// outcomes are reported with the figures they were decided on.
public struct OverlayRefinement {
    public struct Parameters: Sendable {
        /// Smoothing (mm) of the outline and point images.
        public var sigmaMM = 2.0
        /// The deformable registration of the point density to the outline image.
        public var registration = OverlayRefinement.defaultRegistration
        /// Every n-th point is held out to judge the result (n >= 2).
        public var holdOutEvery = 4
        /// Fewer points than this: no refinement (too little to go on).
        public var minimumPoints = 50
        /// The metric only looks within this distance (mm) of a training point.
        public var neighbourhoodMM = 8.0
        /// Required decrease of the held-out chamfer distance (mm).
        public var minimumImprovementMM = 0.02
        /// Largest accepted drop of the scan-to-template NCC.
        public var maximumNCCDrop = 0.01

        public init() {}
    }

    /// Greedy SyN at 4 and 2 mm with wide update smoothing: the points are sparse.
    public static let defaultRegistration = RegistrationParameters(
        linear: LinearParameters(rigidLevels: [], affineLevels: []),
        syn: SyNParameters(levels: [.init(spacing: 4, iterations: 40), .init(spacing: 2, iterations: 30)],
                           gradientStep: 0.3, updateSigma: 3, totalSigma: 1, radius: 2, symmetric: false),
        minimumSpacing: 2, momentsInitialisation: false)

    /// What was measured and decided; part of the QA report.
    public struct Report: Codable, Sendable {
        /// True when the correction was kept.
        public var applied: Bool
        public var reason: String
        public var points: Int
        public var trainingPoints: Int
        public var heldOutPoints: Int
        /// Mean distance (mm) of all overlay points to the atlas outlines, image registration only / refined.
        public var chamferImageOnlyMM: Double?
        public var chamferRefinedMM: Double?
        /// The same for the held-out points (the guard's criterion).
        public var heldOutChamferImageOnlyMM: Double?
        public var heldOutChamferRefinedMM: Double?
        /// Scan-to-template NCC in the atlas brain, image registration only / refined.
        public var nccImageOnly: Double?
        public var nccRefined: Double?
        /// Jacobian of the refined forward warp.
        public var jacobianRefined: JacobianStatistics?
        public var jacobianImageOnly: JacobianStatistics?
        public var seconds: Double
    }

    public struct Outcome: Sendable {
        public var report: Report
        /// The refined transforms when the correction was kept, else nil.
        public var transforms: LabelTransferTransforms?
        /// The refined transforms whether kept or not (nil when the registration did not run), for
        /// comparisons.
        public var candidate: LabelTransferTransforms?
    }

    public var parameters: Parameters
    public var progress: ((String) -> Void)?

    public init(parameters: Parameters = Parameters(), progress: ((String) -> Void)? = nil) {
        self.parameters = parameters
        self.progress = progress
    }

    /// - Parameters:
    ///   - overlay: the outline points in scan space.
    ///   - transforms: the image registration's transforms (scan <-> atlas).
    ///   - atlasLabels: the atlas labels; `template` the stripped atlas template on the same grid.
    ///   - brain: the stripped scan, to check that image similarity does not suffer.
    public func run(overlay: OverlayPointCloud, transforms: LabelTransferTransforms, atlasLabels: Volume<UInt8>,
                    template: Volume<Float>, brain: Volume<Float>) throws -> Outcome {
        let start = Date()
        let p = parameters
        guard p.sigmaMM > 0, p.holdOutEvery >= 2, p.neighbourhoodMM >= 0 else {
            throw AtlasError.invalidContent(file: "overlay refinement", problem: "sigma must be positive, holdOutEvery at least 2, the neighbourhood non-negative")
        }
        let atlasGrid = atlasLabels.geometry
        let (training, heldOut) = overlay.split(holdingOutEvery: p.holdOutEvery)
        var report = Report(applied: false, reason: "", points: overlay.count, trainingPoints: training.count,
                            heldOutPoints: heldOut.count, seconds: 0)
        guard overlay.count >= p.minimumPoints, heldOut.count > 0 else {
            report.reason = "too few overlay points (\(overlay.count), at least \(p.minimumPoints) needed)"
            report.seconds = Date().timeIntervalSince(start)
            return Outcome(report: report, transforms: nil, candidate: nil)
        }

        // Outline image and distance map in atlas space.
        let outline = LabelBoundaries.mask(atlasLabels)
        let distance = DistanceTransform.distance(to: outline)
        let fixed = try outline.gaussianSmoothed(sigmaMM: p.sigmaMM)

        // The points where the image registration puts them.
        let before = transforms.ontoNative
        let trainingAtlas = training.mapped(through: before)
        report.chamferImageOnlyMM = overlay.mapped(through: before).meanValue(of: distance)
        report.heldOutChamferImageOnlyMM = heldOut.mapped(through: before).meanValue(of: distance)
        let density = trainingAtlas.splatted(onto: atlasGrid)
        let support = density.thresholded(lower: 1e-6)
        guard support.nonzeroCount > 0 else {
            report.reason = "no overlay point lands inside the atlas grid"
            report.seconds = Date().timeIntervalSince(start)
            return Outcome(report: report, transforms: nil, candidate: nil)
        }
        let moving = try density.gaussianSmoothed(sigmaMM: p.sigmaMM)
        let mask = try BinaryMorphology.dilate(support, radius: p.neighbourhoodMM).converted(to: Float.self)

        progress?("overlay refinement: \(training.count) points to the atlas outlines (\(heldOut.count) held out)")
        let result = try ImageRegistration(parameters: p.registration, label: "overlay refinement", progress: progress)
            .register(fixed: fixed, moving: moving, fixedMask: mask)
        let correction = LabelTransferTransforms(affine: .identity, warp: result.forwardWarp, inverseWarp: result.inverseWarp)
        let refined = transforms.refined(by: correction)
        let after = refined.ontoNative
        report.chamferRefinedMM = overlay.mapped(through: after).meanValue(of: distance)
        report.heldOutChamferRefinedMM = heldOut.mapped(through: after).meanValue(of: distance)

        // Image similarity and folding, before and after.
        let region = template.data.map { $0 > 0 }
        let outside = brain.data.min() ?? 0
        let imageOnly = transforms.ontoAtlas.resample(brain, onto: atlasGrid, interpolation: .linear, outside: outside)
        let withRefinement = refined.ontoAtlas.resample(brain, onto: atlasGrid, interpolation: .linear, outside: outside)
        report.nccImageOnly = QualityMeasures.correlation(template, imageOnly, region: region)
        report.nccRefined = QualityMeasures.correlation(template, withRefinement, region: region)
        report.jacobianImageOnly = transforms.warp.map { JacobianDeterminant.statistics($0.resampled(to: atlasGrid), region: region) }
        report.jacobianRefined = refined.warp.map { JacobianDeterminant.statistics($0.resampled(to: atlasGrid), region: region) }

        let gain = report.heldOutChamferImageOnlyMM! - report.heldOutChamferRefinedMM!
        let nccDrop = report.nccImageOnly! - report.nccRefined!
        let folds = (report.jacobianRefined?.nonPositiveVoxels ?? 0) - (report.jacobianImageOnly?.nonPositiveVoxels ?? 0)
        if gain < p.minimumImprovementMM {
            report.reason = String(format: "rejected: held-out chamfer distance %.3f -> %.3f mm does not improve by %.3f mm",
                                   report.heldOutChamferImageOnlyMM!, report.heldOutChamferRefinedMM!, p.minimumImprovementMM)
        } else if nccDrop > p.maximumNCCDrop {
            report.reason = String(format: "rejected: image NCC drops %.4f -> %.4f", report.nccImageOnly!, report.nccRefined!)
        } else if folds > 0 {
            report.reason = "rejected: the correction folds \(folds) more voxels"
        } else {
            report.applied = true
            report.reason = String(format: "applied: held-out chamfer distance %.3f -> %.3f mm",
                                   report.heldOutChamferImageOnlyMM!, report.heldOutChamferRefinedMM!)
        }
        report.seconds = Date().timeIntervalSince(start)
        progress?("overlay refinement " + report.reason)
        return Outcome(report: report, transforms: report.applied ? refined : nil, candidate: refined)
    }
}
