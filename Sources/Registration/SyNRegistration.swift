import Foundation
import ImageCore

/// Images of one SyN level: fixed and (affinely pre-aligned) moving on the same level grid, plus the
/// optional fixed mask (0/1) on that grid.
struct SyNLevelImages {
    let fixed: Volume<Float>
    let moving: Volume<Float>
    let mask: [Float]?
    let iterations: Int
}

/// What the deformable stage produced: the two halfway maps on the finest level grid (x in the halfway
/// space maps to x + fixedToMiddle(x) in the fixed image and x + movingToMiddle(x) in the moving image;
/// greedy runs leave the first at zero) and a per-level history for the report.
struct SyNOutcome {
    var fixedHalf: DisplacementField
    var movingHalf: DisplacementField
    var levels: [LevelReport]
}

/// Symmetric normalisation (SyN) with LNCC, in its greedy form as ANTs runs it: two displacement fields
/// carry the fixed and the moving image to a halfway space; every iteration each receives a small smoothed
/// update along the LNCC gradient, composed onto it (x -> x + d(x) -> ... ), which keeps both maps
/// invertible. The fields are only inverted once, at the end.
///
/// All work happens on the fixed image's level grids in voxel units; buffers are allocated once per level
/// (about 25 floats per voxel for the symmetric scheme).
struct SyNRegistration {
    let parameters: SyNParameters
    let progress: ((String) -> Void)?

    func run(_ levels: [SyNLevelImages]) throws -> SyNOutcome {
        let p = parameters
        let effective = levels
        guard !levels.isEmpty else { throw RegistrationError.invalidParameter("SyN needs at least one level with iterations") }
        var uF: DisplacementField? = nil
        var uM: DisplacementField? = nil
        var reports: [LevelReport] = []
        for (l, images) in effective.enumerated() {
            let geometry = images.fixed.geometry
            let start = Date()
            var fieldF = uF.map { $0.resampled(to: geometry) } ?? DisplacementField(geometry: geometry)
            var fieldM = uM.map { $0.resampled(to: geometry) } ?? DisplacementField(geometry: geometry)
            let iterations = images.iterations
            let history = try iterate(images, fieldF: &fieldF, fieldM: &fieldM, iterations: iterations, level: l, of: effective.count)
            reports.append(LevelReport(stage: p.symmetric ? "syn" : "greedy", spacing: geometry.spacing.x,
                                       size: [geometry.size.x, geometry.size.y, geometry.size.z],
                                       iterations: history.count, metricStart: history.first ?? 0,
                                       metricEnd: history.last ?? 0, seconds: Date().timeIntervalSince(start)))
            uF = fieldF
            uM = fieldM
        }
        return SyNOutcome(fixedHalf: uF!, movingHalf: uM!, levels: reports)
    }

    /// Runs one level; returns the LNCC after each iteration.
    private func iterate(_ images: SyNLevelImages, fieldF: inout DisplacementField, fieldM: inout DisplacementField,
                         iterations: Int, level: Int, of levelCount: Int) throws -> [Double] {
        let p = parameters
        let s = GridShape(images.fixed.size)
        let n = s.count
        let symmetric = p.symmetric
        let lncc = LocalCorrelation(shape: s, radius: p.radius)
        let work = Workspace(count: n, symmetric: symmetric, masked: images.mask != nil)
        defer { work.release() }
        fieldF.data.withUnsafeBufferPointer { InterleavedField.fromPlanar($0.baseAddress!, n, into: work.fieldF) }
        fieldM.data.withUnsafeBufferPointer { InterleavedField.fromPlanar($0.baseAddress!, n, into: work.fieldM) }
        images.fixed.data.withUnsafeBufferPointer { work.fixed.update(from: $0.baseAddress!, count: n) }
        images.moving.data.withUnsafeBufferPointer { work.moving.update(from: $0.baseAddress!, count: n) }
        if let m = images.mask { m.withUnsafeBufferPointer { work.mask!.update(from: $0.baseAddress!, count: n) } }
        var monitor = ConvergenceMonitor(window: p.convergenceWindow, threshold: p.convergenceThreshold)
        var history: [Double] = []
        let reportEvery = Swift.max(1, iterations / 4)

        for it in 0..<iterations {
            // 1. images (and the mask) in the halfway space
            InterleavedField.warp(work.moving, work.fieldM, s, into: work.warpedM)
            let region: UnsafePointer<Float>?
            let fixedNow: UnsafePointer<Float>
            if symmetric {
                InterleavedField.warp(work.fixed, work.fieldF, s, into: work.warpedF!)
                fixedNow = UnsafePointer(work.warpedF!)
                if let mk = work.mask, let wm = work.warpedMask {
                    InterleavedField.warp(mk, work.fieldF, s, into: wm)
                    region = UnsafePointer(wm)
                } else {
                    region = nil
                }
            } else {
                fixedNow = UnsafePointer(work.fixed)
                region = work.mask.map { UnsafePointer($0) }
            }
            // 2. metric and its derivative images
            let value = lncc.evaluate(fixed: fixedNow, moving: work.warpedM, mask: region,
                                      gradF: symmetric ? work.coefF : nil, gradM: work.coefM)
            guard value.isFinite else {
                throw RegistrationError.failed(stage: "SyN level \(level + 1)", problem: "the similarity became non-finite")
            }
            history.append(value)
            monitor.add(-value)
            if it % reportEvery == 0 || it == iterations - 1 {
                progress?(String(format: "  %@ level %d/%d (%.1f mm, %dx%dx%d) iteration %d/%d  LNCC %.4f",
                                 symmetric ? "SyN" : "greedy", level + 1, levelCount, images.fixed.geometry.spacing.x,
                                 s.nx, s.ny, s.nz, it + 1, iterations, value))
            }
            // 3. update each map along its force, smoothed, scaled and composed
            try step(coef: work.coefM, warped: work.warpedM, field: &work.fieldM, s, work)
            if symmetric {
                try step(coef: work.coefF!, warped: work.warpedF!, field: &work.fieldF, s, work)
            }
            if monitor.hasConverged {
                progress?(String(format: "  level %d converged after %d iterations (LNCC %.4f)", level + 1, it + 1, value))
                break
            }
        }
        fieldF.data.withUnsafeMutableBufferPointer { InterleavedField.toPlanar(work.fieldF, n, into: $0.baseAddress!) }
        fieldM.data.withUnsafeMutableBufferPointer { InterleavedField.toPlanar(work.fieldM, n, into: $0.baseAddress!) }
        return history
    }

    /// Buffers of one level, allocated once; fields (interleaved SIMD4) are swapped with `spare` instead of
    /// copied.
    private final class Workspace {
        typealias Vector = InterleavedField.Vector
        var fieldF, fieldM, spare, update: UnsafeMutablePointer<Vector>
        let fixed, moving, warpedM, coefM, scratch: UnsafeMutablePointer<Float>
        let warpedF, coefF, mask, warpedMask: UnsafeMutablePointer<Float>?

        init(count n: Int, symmetric: Bool, masked: Bool) {
            func alloc(_ c: Int) -> UnsafeMutablePointer<Float> { .allocate(capacity: c) }
            func vectors() -> UnsafeMutablePointer<Vector> {
                let v = UnsafeMutablePointer<Vector>.allocate(capacity: n)
                v.initialize(repeating: .zero, count: n)
                return v
            }
            fieldF = vectors(); fieldM = vectors(); spare = vectors(); update = vectors()
            fixed = alloc(n); moving = alloc(n); warpedM = alloc(n); coefM = alloc(n); scratch = alloc(4 * n)
            warpedF = symmetric ? alloc(n) : nil
            coefF = symmetric ? alloc(n) : nil
            mask = masked ? alloc(n) : nil
            warpedMask = masked && symmetric ? alloc(n) : nil
        }

        func release() {
            [fieldF, fieldM, spare, update].forEach { $0.deallocate() }
            [fixed, moving, warpedM, coefM, scratch].forEach { $0.deallocate() }
            [warpedF, coefF, mask, warpedMask].forEach { $0?.deallocate() }
        }
    }

    /// One update of one map: force = dS/dI * grad I, Gaussian-smoothed, scaled to the step, composed.
    private func step(coef: UnsafePointer<Float>, warped: UnsafePointer<Float>, field: inout UnsafeMutablePointer<InterleavedField.Vector>,
                      _ s: GridShape, _ work: Workspace) throws {
        let p = parameters
        let n = s.count
        SyNRegistration.force(coef: coef, image: warped, s, into: work.update)
        InterleavedField.smooth(work.update, s, sigma: p.updateSigma, scratch: work.scratch)
        let norm = InterleavedField.maximumNorm(work.update, n)
        guard norm.isFinite else { throw RegistrationError.failed(stage: "SyN", problem: "the update field became non-finite") }
        if norm <= 0 { return }
        InterleavedField.scale(work.update, n, by: Float(p.gradientStep) / norm)
        InterleavedField.compose(first: work.update, then: field, s, into: work.spare)
        swap(&field, &work.spare)
        InterleavedField.smooth(field, s, sigma: p.totalSigma, scratch: work.scratch)
    }

    /// force(x) = coef(x) * grad image(x) (central differences, one-sided at the border), as SIMD4.
    static func force(coef: UnsafePointer<Float>, image: UnsafePointer<Float>, _ s: GridShape,
                      into out: UnsafeMutablePointer<InterleavedField.Vector>) {
        parallelFor(s.nz) { k in
            let km = k > 0 ? k - 1 : k, kp = k < s.nz - 1 ? k + 1 : k
            let hz: Float = kp - km == 2 ? 0.5 : (kp == km ? 0 : 1)
            for j in 0..<s.ny {
                let jm = j > 0 ? j - 1 : j, jp = j < s.ny - 1 ? j + 1 : j
                let hy: Float = jp - jm == 2 ? 0.5 : (jp == jm ? 0 : 1)
                let row = s.index(0, j, k)
                let rjm = s.index(0, jm, k), rjp = s.index(0, jp, k)
                let rkm = s.index(0, j, km), rkp = s.index(0, j, kp)
                for i in 0..<s.nx {
                    let q = row + i
                    let c = coef[q]
                    if c == 0 {
                        out[q] = .zero
                        continue
                    }
                    let im = i > 0 ? i - 1 : i, ip = i < s.nx - 1 ? i + 1 : i
                    let hx: Float = ip - im == 2 ? 0.5 : (ip == im ? 0 : 1)
                    out[q] = InterleavedField.Vector(hx * (image[row + ip] - image[row + im]),
                                                     hy * (image[rjp + i] - image[rjm + i]),
                                                     hz * (image[rkp + i] - image[rkm + i]), 0) * c
                }
            }
        }
    }
}

/// Per-level summary for the JSON report.
public struct LevelReport: Codable, Sendable {
    public var stage: String
    public var spacing: Double
    public var size: [Int]
    public var iterations: Int
    public var metricStart: Double
    public var metricEnd: Double
    public var seconds: Double
}
