import Foundation
import ImageCore

/// Multi-resolution copies of an image on isotropic grids covering the image's own box, one per level
/// spacing (millimetres).
///
/// Unlike ImageCore's `ImagePyramid` (integer shrink factors of one grid), registration levels are
/// defined in millimetres so that anisotropic scans and templates of different resolution share one
/// schedule. Each level is built from the next finer one, smoothed just enough to reach a Gaussian blur of
/// half the level spacing, which keeps wide blurs on large inputs cheap.
struct RegistrationPyramid {
    /// Level spacings in mm, in the order given.
    let spacings: [Double]
    /// Images on `LevelGrid.make(over:spacing:)` grids, in `spacings` order.
    let levels: [Volume<Float>]

    init(_ image: Volume<Float>, spacings: [Double], outside: Float) throws {
        self.spacings = spacings
        var out = [Volume<Float>?](repeating: nil, count: spacings.count)
        var current = image
        var blur = image.geometry.spacing * 0.5   // blur already implied by the sampling, per axis (mm)
        for l in spacings.indices.sorted(by: { spacings[$0] < spacings[$1] }) {
            let s = spacings[l]
            let target = 0.5 * s
            let extra = SIMD3<Double>((0..<3).map { Swift.max(0, target * target - blur[$0] * blur[$0]).squareRoot() })
            let grid = LevelGrid.make(over: image.geometry, spacing: s)
            var src = current
            if extra.max() > 0.05 * s {
                src = try src.gaussianSmoothed(sigmaMM: extra, truncate: BufferFilter.gaussianTruncate)
            }
            current = try Resampler(interpolation: .linear, outsideValue: Double(outside)).resample(src, to: grid)
            blur = SIMD3<Double>((0..<3).map { Swift.max(blur[$0], target) })
            out[l] = current
        }
        self.levels = out.map { $0! }
    }
}

/// Isotropic level grids that cover the same physical box as a reference grid, centred in it.
enum LevelGrid {
    static func make(over g: Geometry, spacing s: Double) -> Geometry {
        var size = SIMD3<Int>(1, 1, 1)
        var origin = g.origin
        for a in 0..<3 {
            let extent = Double(g.size[a] - 1) * g.spacing[a]
            let n = Int((extent / s + 1e-6).rounded(.down)) + 1
            size[a] = Swift.max(1, n)
            let margin = (extent - Double(size[a] - 1) * s) / 2
            origin += g.direction[a] * margin
        }
        return Geometry(size: size, spacing: SIMD3(repeating: s), origin: origin, direction: g.direction)
    }
}
