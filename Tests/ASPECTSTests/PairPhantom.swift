@testable import ASPECTS
import ImageCore

/// Two mirror regions side by side on a 1 mm grid 40 voxels wide: the right one (`right` code) in x < 20,
/// the left one (`right` + 10) in x >= 20, each at local x 1...18 and one voxel in from the grid's edges
/// along j (`rows`) and k (`slices`). Tissue is 36 HU with uniform noise of +-0.5 HU; `darker(x, j, k)`
/// (x local to the side) is taken off the right region only. The rule tests draw their lesions with it.
enum PairPhantom {
    static func make(rows: Int, slices: Int, right code: UInt8, seed: UInt64,
                     darker: (Int, Int, Int) -> Float) -> (ct: Volume<Float>, labels: Volume<UInt8>) {
        var ct = Volume<Float>(geometry: Geometry(size: SIMD3(40, rows, slices)))
        var labels = Volume<UInt8>(geometry: ct.geometry)
        var rng = SplitMix64(seed: seed)
        for k in 0..<slices { for j in 0..<rows { for i in 0..<40 {
            let right = i < 20, x = right ? i : i - 20
            guard (1..<19).contains(x), (1..<(rows - 1)).contains(j), (1..<(slices - 1)).contains(k) else { continue }
            labels[i, j, k] = right ? code : code + 10
            let noise = Float(Double(rng.next() % 1000) / 1000 - 0.5)
            ct[i, j, k] = 36 + noise - (right ? darker(x, j, k) : 0)
        } } }
        return (ct, labels)
    }
}
