import ImageCore
import Morphology

/// Distance from any point to the nearest border between ASPECTS regions (or between a region and
/// unlabelled tissue), with sub-voxel precision, and the direction to it.
///
/// Each label l gets a signed distance phi_l = (distance to the label - distance to outside it) / 2,
/// computed between voxel centres with the exact distance transform: -h/2 on the label's last voxel,
/// +h/2 on the first voxel outside, so its trilinear interpolant crosses zero half-way between them,
/// where the border is. The distance of a point to the outlines is min over l of |phi_l|, and its
/// gradient gives the way there. A distance to an outline *mask* (the voxels along a border) would be
/// zero over a band two voxels wide and could not tell a 1 mm error on a 2 mm atlas from none.
///
/// Only the box around the labels (plus a margin) is stored, one Float volume per present label.
public struct OutlineDistanceMap: Sendable {
    public let geometry: Geometry
    let codes: [UInt8]
    let phi: [[Float]]
    let toIndex: Matrix4
    /// Rows of (d index / d world)^T, to turn index-space gradients into world (mm) gradients.
    let gradientMap: Matrix4

    public init(labels: Volume<UInt8>, marginMM: Double = 12) throws {
        guard labels.nonzeroCount > 0 else {
            throw AtlasError(.invalidContent, file: "labels", problem: "no labelled voxel; there are no outlines to align to")
        }
        let margin = SIMD3<Int>((0..<3).map { Int((marginMM / labels.geometry.spacing[$0]).rounded(.up)) })
        let box = try labels.boundingBox().padded(by: margin.max(), within: labels.size)
        let crop = try labels.cropped(to: box)
        var present = [Bool](repeating: false, count: 256)
        for v in crop.data where v != 0 { present[Int(v)] = true }
        codes = (1...255).filter { present[$0] }.map { UInt8($0) }
        var fields: [[Float]] = []
        for c in codes {
            let mask = crop.map { $0 == c ? UInt8(1) : UInt8(0) }
            let outside = DistanceTransform.distance(to: mask)
            let inside = DistanceTransform.squaredDistance(toOutsideOf: mask)
            var f = [Float](repeating: 0, count: mask.voxelCount)
            for q in 0..<f.count { f[q] = 0.5 * (outside.data[q] - inside.data[q].squareRoot()) }
            fields.append(f)
        }
        phi = fields
        geometry = crop.geometry
        toIndex = crop.geometry.inverseAffineLPS
        var g = Matrix4.identity
        for r in 0..<3 { for c in 0..<3 { g[r, c] = toIndex[c, r] } }
        gradientMap = g
    }

    /// Distance (mm) from `p` (LPS) to the nearest outline, and the unit world direction towards it;
    /// nil outside the stored box.
    public func nearestOutline(_ p: SIMD3<Double>) -> (distance: Double, direction: SIMD3<Double>)? {
        let x = toIndex.apply(p)
        let s = geometry.size
        guard x.x >= 0, x.y >= 0, x.z >= 0, x.x <= Double(s.x - 1), x.y <= Double(s.y - 1), x.z <= Double(s.z - 1) else { return nil }
        let i0 = Swift.min(Int(x.x), s.x - 2), j0 = Swift.min(Int(x.y), s.y - 2), k0 = Swift.min(Int(x.z), s.z - 2)
        let fx = x.x - Double(i0), fy = x.y - Double(j0), fz = x.z - Double(k0)
        let q = (k0 * s.y + j0) * s.x + i0
        let dx = 1, dy = s.x, dz = s.x * s.y
        var best = Double.infinity
        var bestGradient = SIMD3<Double>.zero
        var bestValue = 0.0
        for f in phi {
            let c000 = Double(f[q]), c100 = Double(f[q + dx]), c010 = Double(f[q + dy]), c110 = Double(f[q + dx + dy])
            let c001 = Double(f[q + dz]), c101 = Double(f[q + dx + dz]), c011 = Double(f[q + dy + dz]), c111 = Double(f[q + dx + dy + dz])
            let c00 = c000 + (c100 - c000) * fx, c10 = c010 + (c110 - c010) * fx
            let c01 = c001 + (c101 - c001) * fx, c11 = c011 + (c111 - c011) * fx
            let c0 = c00 + (c10 - c00) * fy, c1 = c01 + (c11 - c01) * fy
            let v = c0 + (c1 - c0) * fz
            guard abs(v) < best else { continue }
            best = abs(v)
            bestValue = v
            // derivative of the trilinear interpolant along i, j, k
            let gi = ((c100 - c000) * (1 - fy) + (c110 - c010) * fy) * (1 - fz) + ((c101 - c001) * (1 - fy) + (c111 - c011) * fy) * fz
            let gj = (c10 - c00) * (1 - fz) + (c11 - c01) * fz
            let gk = c1 - c0
            bestGradient = SIMD3(gi, gj, gk)
        }
        guard best.isFinite else { return nil }
        let g = gradientMap.applyLinear(bestGradient)
        let norm = (g * g).sum().squareRoot()
        guard norm > 1e-9 else { return (best, .zero) }
        // phi grows away from the border on its outside and towards it on its inside.
        return (best, (bestValue > 0 ? -g : g) / norm)
    }
}
