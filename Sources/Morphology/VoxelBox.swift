import ImageCore

/// An axis-aligned box of voxel indices (inclusive bounds), used to run expensive steps only where
/// the head is: a 512 x 512 field of view is often half air.
struct VoxelBox: Equatable {
    var lower: SIMD3<Int>
    var upper: SIMD3<Int>

    var size: SIMD3<Int> { upper &- lower &+ 1 }

    /// Bounding box of the non-zero voxels, nil when there are none.
    init?(of mask: BinaryMask) {
        let s = mask.size
        var lo = SIMD3(Int.max, Int.max, Int.max), hi = SIMD3(-1, -1, -1)
        for k in 0..<s.z {
            for j in 0..<s.y {
                let base = (k * s.y + j) * s.x
                for i in 0..<s.x where mask.data[base + i] != 0 {
                    lo = pointwiseMin(lo, SIMD3(i, j, k)); hi = pointwiseMax(hi, SIMD3(i, j, k))
                }
            }
        }
        guard hi.x >= 0 else { return nil }
        lower = lo; upper = hi
    }

    init(lower: SIMD3<Int>, upper: SIMD3<Int>) { self.lower = lower; self.upper = upper }

    /// Grown by `margin` voxels per axis and clipped to a grid of `size`.
    func expanded(by margin: SIMD3<Int>, within size: SIMD3<Int>) -> VoxelBox {
        VoxelBox(lower: pointwiseMax(lower &- margin, .zero), upper: pointwiseMin(upper &+ margin, size &- 1))
    }

    /// The sub-volume inside the box, with its geometry's origin moved so world positions are kept.
    func crop<V: VoxelType>(_ v: Volume<V>) -> Volume<V> {
        var g = v.geometry
        g.origin = v.geometry.worldLPS(SIMD3<Double>(lower))
        g.size = size
        var out = Volume<V>(geometry: g)
        let s = v.size, n = size
        for k in 0..<n.z {
            for j in 0..<n.y {
                let src = ((k + lower.z) * s.y + (j + lower.y)) * s.x + lower.x
                let dst = (k * n.y + j) * n.x
                for i in 0..<n.x { out.data[dst + i] = v.data[src + i] }
            }
        }
        return out
    }

    /// Places `part` (a crop by this box) into a zero volume on `geometry`.
    func paste<V: VoxelType>(_ part: Volume<V>, into geometry: Geometry) -> Volume<V> {
        var out = Volume<V>(geometry: geometry)
        let s = geometry.size, n = size
        for k in 0..<n.z {
            for j in 0..<n.y {
                let dst = ((k + lower.z) * s.y + (j + lower.y)) * s.x + lower.x
                let src = (k * n.y + j) * n.x
                for i in 0..<n.x { out.data[dst + i] = part.data[src + i] }
            }
        }
        return out
    }
}
