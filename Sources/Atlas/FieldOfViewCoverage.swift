import ImageCore
import Morphology

/// How much of each atlas region the scan actually shows: the share of the region's atlas voxels that
/// the registration maps inside the scan's field of view, at least `marginMM` from its first and last
/// slice along the head-foot axis.
///
/// A series that stops at the skull base still gets a full set of labels from a registration (the atlas
/// is simply extrapolated past the scan's edge, where the labels then land on nothing or on the last
/// slices), so the native labels alone cannot tell a cut region from a small one. Measured in atlas
/// space, the cut is plain: the part of the region that maps outside the scan.
public enum FieldOfViewCoverage {
    /// Fraction (0...1) of each region's atlas voxels inside the scan's field of view, by region code
    /// (index 0 unused). A region absent from the atlas gets 0.
    public static func regionCoverage(atlasLabels: Volume<UInt8>, transforms: LabelTransferTransforms,
                                      scanGeometry: Geometry, marginMM: Double = 3) -> [Double] {
        let chain = transforms.ontoAtlas
        let toAtlasWorld = atlasLabels.geometry.affineLPS
        let toScanIndex = scanGeometry.inverseAffineLPS
        let axis = SkullStripper.headFootAxis(scanGeometry)
        let margin = marginMM / scanGeometry.spacing[axis]
        var inside = [Int](repeating: 0, count: 21), total = [Int](repeating: 0, count: 21)
        let s = atlasLabels.size
        for k in 0..<s.z { for j in 0..<s.y { for i in 0..<s.x {
            let l = Int(atlasLabels[i, j, k])
            guard l >= 1 && l <= 20 else { continue }
            total[l] += 1
            let p = toScanIndex.apply(chain.map(toAtlasWorld.apply(SIMD3(Double(i), Double(j), Double(k)))))
            var ok = true
            for a in 0..<3 {
                let lo = a == axis ? margin : -0.5, hi = Double(scanGeometry.size[a] - 1) - (a == axis ? margin : -0.5)
                if !(p[a] >= lo && p[a] <= hi) { ok = false; break }
            }
            if ok { inside[l] += 1 }
        } } }
        return (0...20).map { total[$0] > 0 ? Double(inside[$0]) / Double(total[$0]) : 0 }
    }

}
