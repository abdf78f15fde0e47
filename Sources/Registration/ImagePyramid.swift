import Foundation
import ImageCore

/// Multi-resolution copies of an image on isotropic grids covering the image's own box.
///
/// Each level is the previous (finer) level smoothed just enough to reach a Gaussian blur of half the
/// level spacing, then sampled on the coarser grid; building coarse levels from fine ones keeps the cost
/// of wide blurs on large inputs low.
struct ImagePyramid {
    /// Level spacings in mm, coarse to fine.
    let spacings: [Double]
    /// Images on `LevelGrid.make(over:spacing:)` grids, in `spacings` order.
    let levels: [Volume<Float>]

    init(_ image: Volume<Float>, spacings: [Double], outside: Float) {
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
                src = Smoothing.gaussian(src, sigmaMM: extra)
            }
            current = Resampler.linear(src, onto: grid, outside: outside)
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

/// Gaussian smoothing of a whole volume with a per-axis sigma in millimetres.
enum Smoothing {
    static func gaussian(_ v: Volume<Float>, sigmaMM: SIMD3<Double>) -> Volume<Float> {
        var out = v
        let s = GridShape(v.size)
        let sigmaVox = sigmaMM / v.geometry.spacing
        let scratch = UnsafeMutablePointer<Float>.allocate(capacity: s.count)
        defer { scratch.deallocate() }
        out.data.withUnsafeMutableBufferPointer { b in
            for c in 0..<v.components {
                SeparableFilter.gaussian(b.baseAddress! + c * s.count, s, sigma: sigmaVox, scratch: scratch)
            }
        }
        return out
    }
}

/// Trilinear resampling of scalar images onto another grid.
enum Resampler {
    /// out(x) = image(map(world(x))) with `map` a world-to-world point map (default identity). Points more
    /// than half a voxel outside the image take `outside`.
    static func linear(_ image: Volume<Float>, onto grid: Geometry, map: Matrix4 = .identity, outside: Float) -> Volume<Float> {
        if map == .identity && grid.isClose(to: image.geometry, tolerance: 1e-9) && image.components == 1 {
            var same = image
            same.geometry = grid
            return same
        }
        let toIndex = AffineMap3(image.geometry.inverseAffineLPS * map * grid.affineLPS)
        var out = Volume<Float>(geometry: grid)
        let src = GridShape(image.size), dst = GridShape(grid.size)
        let lo: Float = -0.5, hx = Float(src.nx) - 0.5, hy = Float(src.ny) - 0.5, hz = Float(src.nz) - 0.5
        image.data.withUnsafeBufferPointer { ib in
            out.data.withUnsafeMutableBufferPointer { ob in
                let ip = ib.baseAddress!, op = ob.baseAddress!
                parallelFor(dst.nz) { k in
                    for j in 0..<dst.ny {
                        var q = dst.index(0, j, k)
                        for i in 0..<dst.nx {
                            let (x, y, z) = toIndex.apply(Float(i), Float(j), Float(k))
                            if x < lo || y < lo || z < lo || x > hx || y > hy || z > hz {
                                op[q] = outside
                            } else {
                                op[q] = TrilinearStencil(src, x, y, z).sample(ip)
                            }
                            q += 1
                        }
                    }
                }
            }
        }
        return out
    }
}
