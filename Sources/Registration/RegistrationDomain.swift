import ImageCore

/// The part of the fixed grid the deformable stage works on: the bounding box of the fixed foreground (the
/// mask, or the quality region) plus a margin. A skull-stripped head fills a fifth of its field of view, so
/// iterating only over its box is several times faster; outside it the warps continue the border values.
struct RegistrationDomain {
    /// Index range [lower, upper] of the box in the fixed grid.
    let lower: SIMD3<Int>
    let upper: SIMD3<Int>
    let geometry: Geometry

    init(fixed: Geometry, region: [Bool], marginMM: Double) {
        let s = fixed.size
        var lo = s, hi = SIMD3<Int>(-1, -1, -1)
        for k in 0..<s.z {
            for j in 0..<s.y {
                let row = (k * s.y + j) * s.x
                for i in 0..<s.x where region[row + i] {
                    lo = SIMD3(Swift.min(lo.x, i), Swift.min(lo.y, j), Swift.min(lo.z, k))
                    hi = SIMD3(Swift.max(hi.x, i), Swift.max(hi.y, j), Swift.max(hi.z, k))
                }
            }
        }
        if hi.x < 0 { lo = .zero; hi = s &- 1 }
        for a in 0..<3 {
            let m = Int((marginMM / fixed.spacing[a]).rounded(.up))
            lo[a] = Swift.max(0, lo[a] - m)
            hi[a] = Swift.min(s[a] - 1, hi[a] + m)
        }
        lower = lo
        upper = hi
        geometry = Geometry(size: hi &- lo &+ 1, spacing: fixed.spacing,
                            origin: fixed.worldLPS(SIMD3<Double>(lo)), direction: fixed.direction)
    }


    /// The sub-volume of an image on the fixed grid.
    func crop(_ v: Volume<Float>) -> Volume<Float> {
        var out = Volume<Float>(geometry: geometry)
        let s = v.size, t = geometry.size
        for k in 0..<t.z {
            for j in 0..<t.y {
                let src = ((k + lower.z) * s.y + (j + lower.y)) * s.x + lower.x
                let dst = (k * t.y + j) * t.x
                for i in 0..<t.x { out.data[dst + i] = v.data[src + i] }
            }
        }
        return out
    }
}
