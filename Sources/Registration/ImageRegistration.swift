import Foundation
import ImageCore

/// Registers a moving image to a fixed image: moments initialisation, rigid, affine, then SyN with LNCC.
///
/// The deformable stage runs on isotropic grids covering the fixed image (the finest at
/// max(finest fixed spacing, `minimumSpacing`)); its warps are returned on the fixed image's own grid so
/// they drop into antsApplyTransforms and ITK-SNAP unchanged.
public struct ImageRegistration {
    public var parameters: RegistrationParameters
    /// Name recorded in the report (e.g. the preset).
    public var label: String?
    /// Receives one line per level and iteration block; nil = silent.
    public var progress: ((String) -> Void)?

    public init(parameters: RegistrationParameters, label: String? = nil, progress: ((String) -> Void)? = nil) {
        self.parameters = parameters
        self.label = label
        self.progress = progress
    }

    public init(preset: RegistrationPreset, progress: ((String) -> Void)? = nil) {
        self.init(parameters: preset.parameters, label: preset.rawValue, progress: progress)
    }

    public func register(fixed: Volume<Float>, moving: Volume<Float>, fixedMask: Volume<Float>? = nil) throws -> RegistrationResult {
        let t0 = Date()
        try parameters.validate()
        try InputValidation.check(fixed, "fixed image")
        try InputValidation.check(moving, "moving image")
        let mask = try fixedMask.map { try InputValidation.checkMask($0, on: fixed.geometry, "fixed mask") }
        let base = Swift.max(fixed.geometry.spacing.min(), parameters.minimumSpacing)

        // 1. linear stages
        progress?("linear registration (\(parameters.linear.metric.rawValue))")
        let initial: AffineTransform3D
        if parameters.momentsInitialisation {
            initial = LinearRegistration.momentsInitialisation(fixed: fixed, fixedMask: mask?.data, moving: moving)
        } else {
            let c = fixed.geometry.worldLPS(SIMD3<Double>(fixed.size &- 1) / 2)
            initial = AffineTransform3D(linear: [1, 0, 0, 0, 1, 0, 0, 0, 1], translation: .zero, center: c)
        }
        let linear = LinearRegistration(parameters: parameters.linear, progress: progress)
        let (affine, linearLevels) = try linear.run(fixed: fixed, fixedMask: mask, moving: moving, initial: initial, base: base)
        let t1 = Date()

        // 2. deformable stage
        var forwardWarp: DisplacementField? = nil
        var inverseWarp: DisplacementField? = nil
        var synLevels: [LevelReport] = []
        var inversions: [RegistrationReport.Inversion] = []
        var t2 = t1
        if let syn = parameters.syn, !ResolutionLevel.effective(syn.levels, base: base).isEmpty {
            progress?("deformable registration (\(syn.symmetric ? "symmetric SyN" : "greedy"), LNCC radius \(syn.radius))")
            let levels = ResolutionLevel.effective(syn.levels, base: base)
            let domain = RegistrationDomain(fixed: fixed.geometry, region: QualityMeasures.region(fixed: fixed, mask: mask),
                                            marginMM: Swift.max(12, 3 * base))
            let images = try prepareLevels(fixed: domain.crop(fixed), moving: moving, mask: mask.map { domain.crop($0) },
                                       affine: affine, levels: levels)
            let outcome = try SyNRegistration(parameters: syn, progress: progress).run(images)
            synLevels = outcome.levels
            t2 = Date()
            let inversion = FieldInversion(maximumIterations: syn.inversionIterations, tolerance: 0.02, meanTolerance: 5e-4)
            let record = { (name: String, o: FieldInversion.Outcome) in
                inversions.append(.init(field: name, iterations: o.iterations, maxResidualVoxels: Double(o.maximumResidual),
                                        meanResidualVoxels: Double(o.meanResidual)))
            }
            let (invM, oM) = inversion.invert(outcome.movingHalf)
            record("moving half", oM)
            var fwd: DisplacementField, inv: DisplacementField
            if syn.symmetric {
                let (invF, oF) = inversion.invert(outcome.fixedHalf)
                record("fixed half", oF)
                fwd = invF.followed(by: outcome.movingHalf)
                inv = invM.followed(by: outcome.fixedHalf)
            } else {
                fwd = outcome.movingHalf
                inv = invM
            }
            fwd = fwd.resampled(to: fixed.geometry)
            inv = inv.resampled(to: fixed.geometry)
            guard !fwd.data.contains(where: { !$0.isFinite }), !inv.data.contains(where: { !$0.isFinite }) else {
                throw RegistrationError.failed(stage: "SyN", problem: "the final warps contain non-finite values")
            }
            forwardWarp = fwd
            inverseWarp = inv
        }
        let t3 = Date()

        // 3. outputs and quality
        var result = RegistrationResult(affine: affine, forwardWarp: forwardWarp, inverseWarp: inverseWarp,
                                        warped: fixed, report: placeholderReport(fixed, moving, base))
        let outside = moving.data.min() ?? 0
        result.warped = try result.forward.resample(moving, onto: fixed.geometry, interpolation: .linear, outside: outside)
        let region = QualityMeasures.region(fixed: fixed, mask: mask)
        let identityImage = try TransformChain([]).resample(moving, onto: fixed.geometry, interpolation: .linear, outside: outside)
        let affineImage = try TransformChain([.affine(affine)]).resample(moving, onto: fixed.geometry, interpolation: .linear, outside: outside)
        let quality = RegistrationReport.Quality(
            nccIdentity: QualityMeasures.correlation(fixed, identityImage, region: region),
            nccAffine: QualityMeasures.correlation(fixed, affineImage, region: region),
            nccFinal: QualityMeasures.correlation(fixed, result.warped, region: region),
            regionVoxels: region.reduce(0) { $0 + ($1 ? 1 : 0) },
            jacobian: forwardWarp.map { JacobianDeterminant.statistics($0, region: region) },
            inverseConsistency: forwardWarp.flatMap { f in inverseWarp.map { QualityMeasures.inverseConsistency(forward: f, inverse: $0, region: region) } })
        let end = Date()
        var report = placeholderReport(fixed, moving, base)
        report.affine = .init(parameters: affine.linear + [affine.translation.x, affine.translation.y, affine.translation.z],
                              center: [affine.center.x, affine.center.y, affine.center.z],
                              rotationDegrees: affine.rotationAngleDegrees)
        report.levels = linearLevels + synLevels
        report.inversions = inversions
        report.quality = quality
        report.timing = .init(linearSeconds: t1.timeIntervalSince(t0), deformableSeconds: t2.timeIntervalSince(t1),
                              inversionSeconds: t3.timeIntervalSince(t2), totalSeconds: end.timeIntervalSince(t0))
        result.report = report
        progress?(QualityMeasures.summary(report))
        return result
    }

    /// Fixed and affinely aligned moving images (and the mask) on every SyN level grid, intensities
    /// standardised so the LNCC's flat-window threshold means the same for every input.
    private func prepareLevels(fixed: Volume<Float>, moving: Volume<Float>, mask: Volume<Float>?, affine: AffineTransform3D,
                               levels: [ResolutionLevel]) throws -> [SyNLevelImages] {
        let spacings = levels.map { $0.spacing }
        let fixedPyramid = try RegistrationPyramid(ImageRegistration.standardised(fixed), spacings: spacings, outside: 0)
        let movingStd = ImageRegistration.standardised(moving)
        let outside = Double(movingStd.data.min() ?? 0)
        let movingPyramid = try RegistrationPyramid(movingStd, spacings: spacings, outside: Float(outside))
        return try levels.indices.map { l in
            let grid = fixedPyramid.levels[l].geometry
            let m = try Resampler(interpolation: .linear, transform: affine.matrix, outsideValue: outside)
                .resample(movingPyramid.levels[l], to: grid)
            let mk = try mask.map { try $0.resampled(to: grid).data.map { $0 > 0.5 ? Float(1) : 0 } }
            return SyNLevelImages(fixed: fixedPyramid.levels[l], moving: m, mask: mk, iterations: levels[l].iterations)
        }
    }

    static func standardised(_ v: Volume<Float>) -> Volume<Float> {
        var s = 0.0, ss = 0.0
        for x in v.data { s += Double(x); ss += Double(x) * Double(x) }
        let n = Double(v.data.count)
        let mean = s / n
        let sd = Swift.max((ss / n - mean * mean).squareRoot(), 1e-12)
        let (m, k) = (Float(mean), Float(1 / sd))
        return v.map { ($0 - m) * k }
    }

    private func placeholderReport(_ fixed: Volume<Float>, _ moving: Volume<Float>, _ base: Double) -> RegistrationReport {
        let summary = { (v: Volume<Float>) in
            RegistrationReport.ImageSummary(size: [v.size.x, v.size.y, v.size.z],
                                            spacing: [v.geometry.spacing.x, v.geometry.spacing.y, v.geometry.spacing.z])
        }
        return RegistrationReport(preset: label, threads: Parallelism.current.threadCount, fixed: summary(fixed), moving: summary(moving),
                                  workingSpacing: base, parameters: parameters,
                                  affine: .init(parameters: [], center: [], rotationDegrees: 0), levels: [], inversions: [],
                                  quality: .init(nccIdentity: 0, nccAffine: 0, nccFinal: 0, regionVoxels: 0, jacobian: nil,
                                                 inverseConsistency: nil),
                                  timing: .init(linearSeconds: 0, deformableSeconds: 0, inversionSeconds: 0, totalSeconds: 0))
    }
}

extension QualityMeasures {
    /// One human-readable block for stderr.
    public static func summary(_ r: RegistrationReport) -> String {
        var lines = [String(format: "NCC identity %.4f, affine %.4f, final %.4f (%d voxels)", r.quality.nccIdentity,
                            r.quality.nccAffine, r.quality.nccFinal, r.quality.regionVoxels)]
        if let j = r.quality.jacobian {
            lines.append(String(format: "Jacobian determinant min %.3f max %.3f, non-positive %.4f%% (%d voxels)",
                                j.minimum, j.maximum, 100 * j.nonPositiveFraction, j.nonPositiveVoxels))
        }
        if let ic = r.quality.inverseConsistency {
            lines.append(String(format: "inverse consistency mean %.4f mm, max %.4f mm", ic.meanMM, ic.maxMM))
        }
        lines.append(String(format: "time: linear %.2f s, deformable %.2f s, inversion %.2f s, total %.2f s",
                            r.timing.linearSeconds, r.timing.deformableSeconds, r.timing.inversionSeconds, r.timing.totalSeconds))
        return lines.joined(separator: "\n")
    }
}
