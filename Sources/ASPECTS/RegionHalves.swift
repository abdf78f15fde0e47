import ImageCore

/// A region's tissue cut in two across the anterior-posterior axis, at the median of its voxels'
/// world (LPS) y: the anterior half and the posterior half, each compared with the same half of the
/// mirror region (`Asymmetry.halves`).
///
/// Why halves: an infarct often fills only part of an ASPECTS region, most often its front or back
/// (the MCA's branches run front to back; border-zone and branch infarcts end part way through M1-M6,
/// the lentiform nucleus or the internal capsule). The region's mean then dilutes the lesion by half,
/// to about the threshold, while the lesioned half is as dark as the lesion. Why this axis alone: the
/// head-foot halves of the supraganglionic regions reach the vertex, where beam hardening and partial
/// volume with the skull made healthy upper halves up to 7 HU darker than their mirrors on generated
/// patients (docs/aspects.md, "Region halves"); across the anterior-posterior cut the worst healthy half
/// was 2.5 HU.
///
/// The cut is world y, not a voxel axis, so a tilted or turned head is cut the same way on both sides.
enum RegionHalves {
    /// `indices` (linear voxel indices on `geometry`) as [anterior, posterior]: voxels at or in front of
    /// the median y, and behind it. Empty halves for an empty region.
    static func split(_ indices: [Int], geometry: Geometry) -> [[Int]] {
        guard !indices.isEmpty else { return [[], []] }
        let a = geometry.affineLPS, s = geometry.size
        let ys = indices.map { n -> Double in
            let i = n % s.x, j = (n / s.x) % s.y, k = n / (s.x * s.y)
            return a.apply(SIMD3(Double(i), Double(j), Double(k))).y
        }
        let median = ys.sorted()[(ys.count - 1) / 2]
        var anterior: [Int] = [], posterior: [Int] = []
        anterior.reserveCapacity(indices.count / 2 + 1)
        posterior.reserveCapacity(indices.count / 2 + 1)
        for (n, y) in zip(indices, ys) {
            if y <= median { anterior.append(n) } else { posterior.append(n) }
        }
        return [anterior, posterior]
    }

    static let names = ["anterior", "posterior"]
}
