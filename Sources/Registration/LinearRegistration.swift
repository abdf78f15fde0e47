import Foundation
import ImageCore

/// The linear stages: moments initialisation, then rigid, then affine, each coarse to fine.
struct LinearRegistration {
    let parameters: LinearParameters
    let progress: ((String) -> Void)?

    /// Intensity-weighted centre of mass (LPS mm), weights = intensity above the image minimum, so CT in
    /// Hounsfield units (air at -1000) and skull-stripped images (background 0) both work.
    static func centerOfMass(_ v: Volume<Float>, mask: [Float]? = nil) -> SIMD3<Double>? {
        let lo = v.data.min() ?? 0
        var sum = SIMD3<Double>.zero, wsum = 0.0
        let s = v.size
        for k in 0..<s.z {
            for j in 0..<s.y {
                var rowSum = 0.0, rowI = 0.0
                for i in 0..<s.x {
                    let q = (k * s.y + j) * s.x + i
                    if let m = mask, m[q] <= 0.5 { continue }
                    let w = Double(v.data[q] - lo)
                    rowSum += w
                    rowI += w * Double(i)
                }
                if rowSum > 0 {
                    sum += SIMD3(rowI, rowSum * Double(j), rowSum * Double(k))
                    wsum += rowSum
                }
            }
        }
        guard wsum > 0 else { return nil }
        return v.geometry.worldLPS(sum / wsum)
    }

    /// The moments initialisation: a translation taking the fixed centre of mass to the moving one,
    /// centred at the fixed centre of mass.
    static func momentsInitialisation(fixed: Volume<Float>, fixedMask: [Float]?, moving: Volume<Float>) -> AffineTransform3D {
        let cf = centerOfMass(fixed, mask: fixedMask) ?? fixed.geometry.worldLPS(SIMD3<Double>(fixed.size &- 1) / 2)
        let cm = centerOfMass(moving) ?? moving.geometry.worldLPS(SIMD3<Double>(moving.size &- 1) / 2)
        return AffineTransform3D(linear: [1, 0, 0, 0, 1, 0, 0, 0, 1], translation: cm - cf, center: cf)
    }

    /// Runs rigid then affine levels starting from `initial`; images are already validated.
    func run(fixed: Volume<Float>, fixedMask: Volume<Float>?, moving: Volume<Float>, initial: AffineTransform3D,
             base: Double) throws -> (AffineTransform3D, [LevelReport]) {
        let rigid = ResolutionLevel.effective(parameters.rigidLevels, base: base)
        let affine = ResolutionLevel.effective(parameters.affineLevels, base: base)
        let spacings = Array(Set((rigid + affine).map { $0.spacing })).sorted(by: >)
        guard !spacings.isEmpty else { return (initial, []) }
        let fixedPyramid = try RegistrationPyramid(fixed, spacings: spacings, outside: fixed.data.min() ?? 0)
        let movingPyramid = try RegistrationPyramid(moving, spacings: spacings, outside: moving.data.min() ?? 0)
        let maskLevels: [[Float]?] = try fixedPyramid.levels.map { level in
            try fixedMask.map { try $0.resampled(to: level.geometry).data }
        }
        var state = LinearOptimizer.State(linear: initial.linear, translation: initial.translation)
        let center = initial.center
        var reports: [LevelReport] = []
        for (model, levels) in [(LinearOptimizer.Model.rigid, rigid), (.affine, affine)] {
            for (n, level) in levels.enumerated() {
                let start = Date()
                let l = spacings.firstIndex(of: level.spacing)!
                let evaluator = try LinearMetricEvaluator(fixed: fixedPyramid.levels[l], mask: maskLevels[l],
                                                          moving: movingPyramid.levels[l], center: center,
                                                          metric: parameters.metric, bins: parameters.bins,
                                                          maximumSamples: parameters.maximumSamples)
                let optimizer = LinearOptimizer(model: model, iterations: level.iterations,
                                                initialStep: level.spacing, maximumStep: 2 * level.spacing,
                                                minimumStep: 0.01 * level.spacing,
                                                convergenceWindow: parameters.convergenceWindow,
                                                convergenceThreshold: parameters.convergenceThreshold,
                                                scaleBounds: parameters.scaleBounds)
                let (next, history) = optimizer.run(evaluator, from: state)
                guard !history.isEmpty else {
                    throw RegistrationError.failed(stage: "\(model.rawValue) registration",
                                                   problem: "the images do not overlap after initialisation (fewer than 10% of fixed samples fall inside the moving image)")
                }
                state = next
                let g = fixedPyramid.levels[l].geometry
                reports.append(LevelReport(stage: model.rawValue, spacing: level.spacing, size: [g.size.x, g.size.y, g.size.z],
                                           iterations: history.count - 1, metricStart: -history.first!,
                                           metricEnd: -history.last!, seconds: Date().timeIntervalSince(start)))
                progress?(String(format: "  %@ level %d/%d (%.1f mm, %d samples): %@ %.4f -> %.4f in %d steps",
                                 model.rawValue, n + 1, levels.count, level.spacing, evaluator.points.count,
                                 parameters.metric == .mattes ? "MI" : "NCC", -history.first!, -history.last!, history.count - 1))
            }
        }
        let result = AffineTransform3D(linear: state.linear, translation: state.translation, center: center)
        guard result.matrix.isFinite, result.matrix.inverse != nil else {
            throw RegistrationError.failed(stage: "affine registration", problem: "the optimised matrix is singular or non-finite")
        }
        return (result, reports)
    }
}
