import Foundation
import ImageCore
import Morphology
import Registration

/// Second registration for scans that come with a legacy ASPECTS outline overlay: after the image
/// registration the overlay's points are carried into atlas space and a smooth deformation is fitted
/// that moves them onto the outlines of the atlas labels, starting from where the image registration
/// left them; it is composed with the image transforms.
///
/// The outlines were drawn by a reader on the scan itself, so they say where region borders are in
/// places CT contrast does not (the M-region borders run through uniform cortex). The overlay is a
/// sparse point cloud on a few slices, so the fit is a point-to-outline registration rather than an
/// image one: each point is pulled towards the nearest atlas outline (`OutlineDistanceMap`, sub-voxel),
/// the pulls are averaged with a Gaussian of `regularisationMM` (points far from others barely move the
/// field, which fades to zero away from the overlay), and the averaged field is composed onto the
/// correction; repeated `iterations` times. A point counts as on its outline when within
/// `toleranceFraction` of the overlay's in-plane voxel size (an outline voxel's centre lies up to half a
/// voxel from the border it marks); such points pull nothing and hold the field where they are.
///
/// The guard: every `holdOutEvery`-th point is left out of the fit. The correction is kept only if the
/// held-out points' distance to the outlines (beyond the tolerance) drops by at least
/// `minimumImprovementMM`, their plain mean distance does not grow, the scan's NCC with the registration
/// target does not drop by more than `maximumNCCDrop`, and no voxel folds. Otherwise the image-only
/// transforms stand. Both outcomes are reported with the figures they were decided on.
public struct OverlayRefinement {
    public struct Parameters: Sendable {
        /// Gaussian (mm) that spreads the points' pulls into a smooth field.
        public var regularisationMM = 8.0
        public var iterations = 15
        /// Spacing (mm) of the grid the correction is fitted on.
        public var gridSpacingMM = 4.0
        /// Fraction of the overlay's in-plane voxel size within which a point is on its outline.
        public var toleranceFraction = 0.5
        /// Points needed within about one regularisation radius for a full-strength pull there.
        public var supportPoints = 4.0
        /// Every n-th point is held out to judge the result (n >= 2).
        public var holdOutEvery = 4
        /// Fewer points than this: no refinement (too little to go on).
        public var minimumPoints = 50
        /// Required decrease of the held-out distance beyond the tolerance (mm).
        public var minimumImprovementMM = 0.01
        /// Largest accepted drop of the scan's NCC with the registration target: a check against gross
        /// failure only, since a correction towards the truth can cost a little image similarity where
        /// the image registration fitted noise.
        public var maximumNCCDrop = 0.05
        /// The NCC is measured in the target's brain minus this outer shell (mm).
        public var interiorMarginMM = 6.0

        public init() {}
    }

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
        /// The same for the held-out points.
        public var heldOutChamferImageOnlyMM: Double?
        public var heldOutChamferRefinedMM: Double?
        /// Held-out mean distance beyond the tolerance (the guard's criterion), and the tolerance.
        public var heldOutExcessImageOnlyMM: Double?
        public var heldOutExcessRefinedMM: Double?
        public var toleranceMM: Double?
        /// Scan NCC with the registration target in the atlas brain's interior, image registration only / refined.
        public var nccImageOnly: Double?
        public var nccRefined: Double?
        /// Largest and mean length (mm) of the correction at the overlay points.
        public var correctionMaxMM: Double?
        public var correctionMeanMM: Double?
        /// Jacobian of the refined forward warp within the atlas brain.
        public var jacobianRefined: JacobianStatistics?
        public var seconds: Double
    }

    public struct Outcome: Sendable {
        public var report: Report
        /// The refined transforms when the correction was kept, else nil.
        public var transforms: LabelTransferTransforms?
        /// The refined transforms whether kept or not (nil when the fit did not run), for comparisons.
        public var candidate: LabelTransferTransforms?
    }

    public var parameters: Parameters
    public var progress: ((String) -> Void)?

    public init(parameters: Parameters = Parameters(), progress: ((String) -> Void)? = nil) {
        self.parameters = parameters
        self.progress = progress
    }

    /// - Parameters:
    ///   - overlay: the outline points in scan space; `overlayVoxelMM` the in-plane voxel size they were
    ///     drawn on.
    ///   - transforms: the image registration's transforms (scan <-> atlas); their warps must be on the
    ///     atlas grid when present.
    ///   - atlasLabels: the atlas labels.
    ///   - target / moving: the image registration's fixed image (atlas grid) and moving image (scan
    ///     grid), to check that image similarity does not suffer.
    public func run(overlay: OverlayPointCloud, overlayVoxelMM: Double, transforms: LabelTransferTransforms,
                    atlasLabels: Volume<UInt8>, target: Volume<Float>, moving: Volume<Float>) throws -> Outcome {
        let start = Date()
        let p = parameters
        guard p.regularisationMM > 0, p.gridSpacingMM > 0, p.iterations >= 1, p.holdOutEvery >= 2, p.toleranceFraction >= 0,
              p.supportPoints > 0, overlayVoxelMM > 0 else {
            throw AtlasError(.invalidContent, file: "overlay refinement", problem: "parameters out of range (non-positive sizes, fewer than 1 iteration, holdOutEvery below 2)")
        }
        let atlasGrid = atlasLabels.geometry
        let tolerance = p.toleranceFraction * overlayVoxelMM
        let (training, heldOut) = overlay.split(holdingOutEvery: p.holdOutEvery)
        var report = Report(applied: false, reason: "", points: overlay.count, trainingPoints: training.count,
                            heldOutPoints: heldOut.count, toleranceMM: tolerance, seconds: 0)
        func finish(_ why: String) -> Outcome {
            report.reason = why
            report.seconds = Date().timeIntervalSince(start)
            progress?("overlay refinement " + why)
            return Outcome(report: report, transforms: nil, candidate: nil)
        }
        guard overlay.count >= p.minimumPoints, heldOut.count > 0 else {
            return finish("skipped: too few overlay points (\(overlay.count), at least \(p.minimumPoints) needed)")
        }
        let outlines = try OutlineDistanceMap(labels: atlasLabels)
        let before = transforms.ontoNative
        let trainingAtlas = training.mapped(through: before).points
        let heldOutAtlas = heldOut.mapped(through: before).points
        guard trainingAtlas.contains(where: { outlines.nearestOutline($0) != nil }) else {
            return finish("skipped: no overlay point lands near the atlas labels")
        }
        progress?("overlay refinement: \(training.count) points to the atlas outlines (\(heldOut.count) held out)")

        // The correction v on a coarse grid over the outline box: atlas point z (where the image
        // registration puts a scan point) -> z + v(z).
        let coarse = outlines.geometry.resampled(spacing: SIMD3(repeating: p.gridSpacingMM))
        var field = Volume<Float>(geometry: coarse, components: 3)
        let toIndex = coarse.inverseAffineLPS
        let smoothing = try SeparableFilter.gaussian(sigmaMM: SIMD3(repeating: p.regularisationMM), spacing: coarse.spacing)
        // A lone point's smoothed weight at its own voxel: supportPoints of them make a full pull.
        var probe = Volume<Float>(geometry: coarse)
        probe[coarse.size.x / 2, coarse.size.y / 2, coarse.size.z / 2] = 1
        let floorWeight = Float(p.supportPoints) * (smoothing.apply(to: probe).data.max() ?? 1)
        for _ in 0..<p.iterations {
            var pulls = Volume<Float>(geometry: coarse, components: 3)
            var weights = Volume<Float>(geometry: coarse)
            for z in trainingAtlas {
                let moved = z + Self.sample(field, toIndex, at: z)
                guard let near = outlines.nearestOutline(moved) else { continue }
                let pull = near.direction * Swift.max(0, near.distance - tolerance)
                Self.splat(moved, toIndex, value: pull, weights: &weights, values: &pulls)
            }
            let num = smoothing.apply(to: pulls), den = smoothing.apply(to: weights)
            let n = coarse.voxelCount
            var update = Volume<Float>(geometry: coarse, components: 3)
            for q in 0..<n {
                let w = Swift.max(den.data[q], floorWeight)
                for c in 0..<3 { update.data[c * n + q] = num.data[c * n + q] / w }
            }
            // v <- v + update(z + v(z)): the points move on from where they are.
            var next = field
            for k in 0..<coarse.size.z { for j in 0..<coarse.size.y { for i in 0..<coarse.size.x {
                let z = coarse.worldLPS(SIMD3(Double(i), Double(j), Double(k)))
                let v = SIMD3(Double(field[i, j, k, component: 0]), Double(field[i, j, k, component: 1]), Double(field[i, j, k, component: 2]))
                let u = Self.sample(update, toIndex, at: z + v)
                for c in 0..<3 { next[i, j, k, component: c] = Float(v[c] + u[c]) }
            } } }
            field = next
        }

        // The correction on the atlas grid, its inverse, and the refined transforms.
        let inverseCorrection = try DisplacementField(worldVolume: field).resampled(to: atlasGrid)
        let (forwardCorrection, _) = FieldInversion(maximumIterations: 60, tolerance: 1e-3).invert(inverseCorrection)
        let refined = transforms.refined(by: LabelTransferTransforms(affine: .identity, warp: forwardCorrection,
                                                                      inverseWarp: inverseCorrection))
        let after = refined.ontoNative
        let allBefore = overlay.mapped(through: before).points, allAfter = overlay.mapped(through: after).points
        let heldOutAfter = heldOut.mapped(through: after).points
        func mean(_ pts: [SIMD3<Double>], excess: Bool) -> Double? {
            let d = pts.compactMap { outlines.nearestOutline($0)?.distance }.map { excess ? Swift.max(0, $0 - tolerance) : $0 }
            return d.isEmpty ? nil : d.reduce(0, +) / Double(d.count)
        }
        report.chamferImageOnlyMM = mean(allBefore, excess: false)
        report.chamferRefinedMM = mean(allAfter, excess: false)
        report.heldOutChamferImageOnlyMM = mean(heldOutAtlas, excess: false)
        report.heldOutChamferRefinedMM = mean(heldOutAfter, excess: false)
        report.heldOutExcessImageOnlyMM = mean(heldOutAtlas, excess: true)
        report.heldOutExcessRefinedMM = mean(heldOutAfter, excess: true)
        let shifts = zip(allBefore, allAfter).map { ($0.1 - $0.0) }.map { ($0 * $0).sum().squareRoot() }
        report.correctionMaxMM = shifts.max()
        report.correctionMeanMM = shifts.isEmpty ? nil : shifts.reduce(0, +) / Double(shifts.count)

        // Image similarity and folding.
        // Within the brain minus its outer `interiorMarginMM`: the edge of a stripped brain is its
        // strongest feature and says how the two brains were cut out, not how they align.
        let brain = target.map { $0 > 0 ? UInt8(1) : UInt8(0) }
        let interior = try BinaryMorphology.erode(brain, radius: p.interiorMarginMM)
        let region = (interior.nonzeroCount > 0 ? interior : brain).data.map { $0 != 0 }
        let outside = moving.data.min() ?? 0
        let imageOnly = try transforms.ontoAtlas.resample(moving, onto: target.geometry, interpolation: .linear, outside: outside)
        let withRefinement = try refined.ontoAtlas.resample(moving, onto: target.geometry, interpolation: .linear, outside: outside)
        report.nccImageOnly = QualityMeasures.correlation(target, imageOnly, region: region)
        report.nccRefined = QualityMeasures.correlation(target, withRefinement, region: region)
        report.jacobianRefined = refined.warp.map { JacobianDeterminant.statistics($0.resampled(to: target.geometry), region: brain.data.map { $0 != 0 }) }

        guard let eb = report.heldOutExcessImageOnlyMM, let ea = report.heldOutExcessRefinedMM,
              let cb = report.heldOutChamferImageOnlyMM, let ca = report.heldOutChamferRefinedMM else {
            return finish("rejected: no held-out point lies near the atlas labels")
        }
        let nccDrop = report.nccImageOnly! - report.nccRefined!
        if eb - ea < p.minimumImprovementMM {
            report.reason = String(format: "rejected: held-out distance beyond %.2f mm %.3f -> %.3f mm does not improve by %.3f mm",
                                   tolerance, eb, ea, p.minimumImprovementMM)
        } else if ca > cb {
            report.reason = String(format: "rejected: held-out mean distance to the outlines grows %.3f -> %.3f mm", cb, ca)
        } else if nccDrop > p.maximumNCCDrop {
            report.reason = String(format: "rejected: image NCC drops %.4f -> %.4f", report.nccImageOnly!, report.nccRefined!)
        } else if let j = report.jacobianRefined, j.nonPositiveVoxels > 0 {
            report.reason = "rejected: the refined warp folds \(j.nonPositiveVoxels) voxels"
        } else {
            report.applied = true
            report.reason = String(format: "applied: held-out distance to the outlines %.3f -> %.3f mm (beyond %.2f mm: %.3f -> %.3f mm)",
                                   cb, ca, tolerance, eb, ea)
        }
        report.seconds = Date().timeIntervalSince(start)
        progress?("overlay refinement " + report.reason)
        return Outcome(report: report, transforms: report.applied ? refined : nil, candidate: refined)
    }

    /// A 3-component (world mm) field at a world point, trilinear, edge values beyond the grid.
    static func sample(_ field: Volume<Float>, _ toIndex: Matrix4, at p: SIMD3<Double>) -> SIMD3<Double> {
        let x = toIndex.apply(p)
        let n = field.voxelCount
        return field.data.withUnsafeBufferPointer { b -> SIMD3<Double> in
            var out = SIMD3<Double>.zero
            for c in 0..<3 {
                let s = GridSampler(UnsafeBufferPointer(rebasing: b[(c * n)..<((c + 1) * n)]), size: field.size)
                out[c] = Double(s.linear(x.x, x.y, x.z))
            }
            return out
        }
    }

    /// Adds `value` (a vector) and weight 1 at point `p` to the 8 surrounding voxels, trilinearly.
    static func splat(_ p: SIMD3<Double>, _ toIndex: Matrix4, value: SIMD3<Double>, weights: inout Volume<Float>, values: inout Volume<Float>) {
        let g = weights.geometry
        let x = toIndex.apply(p)
        let f = SIMD3<Double>(x.x.rounded(.down), x.y.rounded(.down), x.z.rounded(.down))
        let t = x - f
        let s = g.size
        let n = g.voxelCount
        for c in 0..<8 {
            let o = SIMD3<Int>(c & 1, (c >> 1) & 1, (c >> 2) & 1)
            let v = SIMD3<Int>(Int(f.x), Int(f.y), Int(f.z)) &+ o
            guard v.x >= 0, v.y >= 0, v.z >= 0, v.x < s.x, v.y < s.y, v.z < s.z else { continue }
            let w = (o.x == 1 ? t.x : 1 - t.x) * (o.y == 1 ? t.y : 1 - t.y) * (o.z == 1 ? t.z : 1 - t.z)
            let q = weights.linearIndex(v.x, v.y, v.z)
            weights.data[q] += Float(w)
            for a in 0..<3 { values.data[a * n + q] += Float(w * value[a]) }
        }
    }
}
