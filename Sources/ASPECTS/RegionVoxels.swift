import ImageCore

/// Every ASPECTS region's voxels, found in one pass over the label map, split into all labelled voxels
/// (for shape) and the tissue voxels inside the HU range (for intensity). `tissueLabel` repeats the
/// tissue membership per voxel so neighbour tests are O(1).
struct RegionVoxels {
    let geometry: Geometry
    /// Indexed by region code 1...20 (entry 0 unused): linear indices of all voxels with that label.
    var members: [[Int]]
    /// Indexed by region code: linear indices of the labelled voxels whose HU lies in the tissue range.
    var tissue: [[Int]]
    /// Per voxel: the region code when the voxel is tissue of that region, else 0.
    var tissueLabel: [UInt8]
    /// Indexed by region code: the tissue voxels of the region's core (see `RegionCore`); empty when no
    /// core margin was asked for.
    var core: [[Int]]
    /// Indexed by region code: the tissue voxels of the region's anterior and posterior halves (see
    /// `RegionHalves`).
    var halves: [[[Int]]]

    init(ct: Volume<Float>, labels: Volume<UInt8>, range: HURange, coreMarginMM: Double? = nil) {
        geometry = ct.geometry
        members = Array(repeating: [], count: 21)
        tissue = Array(repeating: [], count: 21)
        tissueLabel = [UInt8](repeating: 0, count: ct.voxelCount)
        for n in 0..<ct.voxelCount {
            let l = Int(labels.data[n])
            guard l >= 1 && l <= 20 else { continue }
            members[l].append(n)
            if range.contains(ct.data[n]) {
                tissue[l].append(n)
                tissueLabel[n] = UInt8(l)
            }
        }
        core = Array(repeating: [], count: 21)
        if let margin = coreMarginMM {
            let inside = RegionCore.interior(labels, marginMM: margin)
            for l in 1...20 { core[l] = tissue[l].filter { inside[$0] } }
        }
        halves = tissue.map { RegionHalves.split($0, geometry: ct.geometry) }
    }

    /// Linear offsets of the forward neighbour along each voxel axis.
    var axisStrides: [Int] { [1, geometry.size.x, geometry.size.x * geometry.size.y] }

    /// True when voxel `n` has a neighbour at +1 along `axis` inside the grid.
    @inline(__always)
    func hasForwardNeighbour(_ n: Int, axis: Int) -> Bool {
        let s = geometry.size
        switch axis {
        case 0: return n % s.x < s.x - 1
        case 1: return (n / s.x) % s.y < s.y - 1
        default: return n / (s.x * s.y) < s.z - 1
        }
    }

    @inline(__always)
    func hasBackwardNeighbour(_ n: Int, axis: Int) -> Bool {
        let s = geometry.size
        switch axis {
        case 0: return n % s.x > 0
        case 1: return (n / s.x) % s.y > 0
        default: return n / (s.x * s.y) > 0
        }
    }
}
