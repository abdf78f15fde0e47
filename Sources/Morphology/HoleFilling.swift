import ImageCore

/// Fills holes: background regions that cannot be reached from the grid border.
///
/// 3-D filling closes enclosed cavities (ventricles excluded by a threshold, calcifications); the
/// per-slice variant also closes regions open only through the slice direction (a notch through the
/// skull base that is closed in every axial slice), which 3-D filling leaves alone.
public enum HoleFilling {
    /// Background components not 6-connected (by default) to the border become foreground.
    public static func fill3D(_ mask: BinaryMask, backgroundConnectivity: Connectivity = .six) -> BinaryMask {
        var out = mask.binarised()
        let size = mask.size
        out.data.withUnsafeMutableBufferPointer { o in
            fillInPlace(o, size: size, connectivity: backgroundConnectivity)
        }
        return out
    }

    /// Fills each slice perpendicular to voxel axis `axis` (2: the k axis, axial for most CT) in 2-D,
    /// background 4-connected (`.six`) or 8-connected (`.eighteen`/`.twentySix`) to the slice edge.
    public static func fillSlices(_ mask: BinaryMask, axis: Int = 2, backgroundConnectivity: Connectivity = .six) throws -> BinaryMask {
        guard (0...2).contains(axis) else { throw MorphologyError.invalidArgument("slice axis must be 0, 1 or 2, got \(axis)") }
        var out = mask.binarised()
        let s = mask.size
        // In-plane axes (a fastest, then b) and the slice axis.
        let (a, b) = axis == 0 ? (1, 2) : (axis == 1 ? (0, 2) : (0, 1))
        let na = s[a], nb = s[b], nSlices = s[axis]
        let strides = SIMD3(1, s.x, s.x * s.y)
        out.data.withUnsafeMutableBufferPointer { o in
            let o = o
            parallelChunks(nSlices, minChunk: 1) { range in
                var slice = [UInt8](repeating: 0, count: na * nb)
                for sl in range {
                    let base = sl * strides[axis]
                    for y in 0..<nb { for x in 0..<na { slice[y * na + x] = o[base + x * strides[a] + y * strides[b]] } }
                    slice.withUnsafeMutableBufferPointer { sb in
                        fillInPlace(sb, size: SIMD3(na, nb, 1), connectivity: backgroundConnectivity)
                    }
                    for y in 0..<nb { for x in 0..<na { o[base + x * strides[a] + y * strides[b]] = slice[y * na + x] } }
                }
            }
        }
        return out
    }

    static func fillInPlace(_ buffer: UnsafeMutableBufferPointer<UInt8>, size: SIMD3<Int>, connectivity: Connectivity) {
        let labeller = RunLengthLabeller(UnsafeBufferPointer(buffer), size: size, foreground: false, connectivity: connectivity)
        let border = labeller.touchesBorder()
        labeller.paint(buffer) { border[$0] ? nil : UInt8(1) }
    }
}
