import ImageCore

/// Outlines of label regions: the voxels a reader would trace when drawing the regions by hand.
///
/// Used on both sides of the overlay refinement: the synthetic patient's legacy-style outline overlay
/// is sampled from the in-plane outlines of its true labels, and the refinement aligns an overlay with
/// the 3-D outlines of the atlas labels. Both come from this one definition so "outline" means the
/// same thing on both sides.
public enum LabelBoundaries {
    /// 1 on every labelled voxel (label > 0) that has a face neighbour with a different label
    /// (background included), 0 elsewhere. With `inPlaneOf` set to a voxel axis, only neighbours in
    /// the plane normal to that axis count, which is what an outline drawn on a slice shows.
    /// Neighbours beyond the grid do not count (a region cut by the field of view is not outlined
    /// along the cut).
    public static func mask(_ labels: Volume<UInt8>, inPlaneOf axis: Int? = nil) -> Volume<UInt8> {
        let s = labels.size
        var out = Volume<UInt8>(geometry: labels.geometry)
        let strides = [1, s.x, s.x * s.y]
        let axes = (0..<3).filter { $0 != axis }
        labels.data.withUnsafeBufferPointer { lb in
            out.data.withUnsafeMutableBufferPointer { ob in
                let l = lb.baseAddress!, o = ob.baseAddress!
                parallelFor(s.z) { k in
                    for j in 0..<s.y {
                        for i in 0..<s.x {
                            let q = (k * s.y + j) * s.x + i
                            let v = l[q]
                            if v == 0 { continue }
                            let ijk = SIMD3(i, j, k)
                            var edge = false
                            for a in axes where !edge {
                                if ijk[a] > 0 && l[q - strides[a]] != v { edge = true }
                                if ijk[a] < s[a] - 1 && l[q + strides[a]] != v { edge = true }
                            }
                            if edge { o[q] = 1 }
                        }
                    }
                }
            }
        }
        return out
    }
}
