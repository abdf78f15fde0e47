import ImageCore
import Rendering

/// The two axial levels at which ASPECTS is read, and how the report finds them in a label map: the
/// ganglionic level is the slice where C, L, IC and I (both sides) cover the most voxels, the
/// supraganglionic level the slice where M4-M6 do. Picking by label area rather than by fixed distance
/// keeps the choice right whatever the slice thickness or head position.
public enum ReportLevel: String, CaseIterable, Sendable {
    case ganglionic
    case supraganglionic

    /// The region names whose area picks the slice.
    public var definingRegions: [String] {
        self == .ganglionic ? ["C", "L", "IC", "I"] : ["M4", "M5", "M6"]
    }

    /// The regions a reader judges at this level.
    public var regions: [ASPECTSRegion] { ASPECTSRegion.all.filter { $0.isSupraganglionic == (self == .supraganglionic) } }

    public var title: String { self == .ganglionic ? "Ganglionic level" : "Supraganglionic level" }

    /// Display slice (inferior to superior, see `AxialPlane`) with the largest area of the defining
    /// regions; falls back to the level's other regions, then to any label; nil when the map is empty.
    public func slice(in labels: Volume<UInt8>, plane: AxialPlane) -> Int? {
        let defining = Set(definingRegions.flatMap { n in Hemisphere.allCases.map { ASPECTSRegion(name: n, hemisphere: $0)!.code } })
        let level = Set(regions.map(\.code))
        var counts = [[Int]](repeating: [Int](repeating: 0, count: plane.sliceCount), count: 3)
        let s = labels.size
        for k in 0..<s.z { for j in 0..<s.y { for i in 0..<s.x {
            let l = Int(labels[i, j, k])
            guard l >= 1 && l <= 20 else { continue }
            let slice = plane.slice(containing: SIMD3(i, j, k))
            if defining.contains(l) { counts[0][slice] += 1 }
            if level.contains(l) { counts[1][slice] += 1 }
            counts[2][slice] += 1
        } } }
        for c in counts {
            if let best = c.indices.max(by: { c[$0] < c[$1] }), c[best] > 0 { return best }
        }
        return nil
    }
}
