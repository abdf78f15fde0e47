import ImageCore

/// Intensity windows to masks. Bounds are inclusive so a window such as 0...100 HU means what a
/// radiologist means by it; NaN voxels are never inside.
public enum Thresholding {
    /// 1 where `lower <= value <= upper` (a missing bound is unbounded).
    public static func mask<V: VoxelType>(_ volume: Volume<V>, lower: Double? = nil, upper: Double? = nil) -> BinaryMask {
        let lo = lower ?? -Double.infinity, hi = upper ?? Double.infinity
        var out = BinaryMask(geometry: volume.geometry, repeating: 0)
        let n = volume.voxelCount
        volume.data.withUnsafeBufferPointer { src in
            out.data.withUnsafeMutableBufferPointer { dst in
                let dst = dst
                parallelChunks(n) { range in
                    for i in range {
                        let v = src[i].doubleValue
                        dst[i] = (v >= lo && v <= hi) ? 1 : 0
                    }
                }
            }
        }
        return out
    }

    /// Float fast path (CT volumes), same semantics as the generic version.
    public static func mask(_ volume: Volume<Float>, lower: Float? = nil, upper: Float? = nil) -> BinaryMask {
        let lo = lower ?? -Float.infinity, hi = upper ?? Float.infinity
        var out = BinaryMask(geometry: volume.geometry, repeating: 0)
        let n = volume.voxelCount
        volume.data.withUnsafeBufferPointer { src in
            out.data.withUnsafeMutableBufferPointer { dst in
                let dst = dst
                parallelChunks(n) { range in
                    for i in range {
                        let v = src[i]
                        dst[i] = (v >= lo && v <= hi) ? 1 : 0
                    }
                }
            }
        }
        return out
    }
}
