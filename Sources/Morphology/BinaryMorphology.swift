import ImageCore

/// Erosion, dilation, opening and closing with a ball whose radius is given in millimetres.
///
/// Built on the exact distance transform rather than on a voxel structuring element, so the element
/// is a true sphere on anisotropic grids (a 6 mm ball on 0.5 x 0.5 x 5 mm voxels spans ±12 voxels
/// in-plane and ±1 slice) and the cost does not grow with the radius.
///
/// The grid border is not treated as background: a structure cut by the field of view (a vertex
/// outside the scan) is not eaten from the cut by erosion. Dilation never grows beyond the grid.
public enum BinaryMorphology {
    /// Voxels within `radius` mm of the mask (ball centred on each voxel intersects the mask).
    public static func dilate(_ mask: BinaryMask, radius: Double) throws -> BinaryMask {
        try check(radius)
        if radius == 0 { return normalised(mask) }
        return threshold(DistanceTransform.squaredDistance(to: mask), radius: radius, inside: true)
    }

    /// Voxels whose whole ball of `radius` mm lies inside the mask.
    public static func erode(_ mask: BinaryMask, radius: Double) throws -> BinaryMask {
        try check(radius)
        if radius == 0 { return normalised(mask) }
        return threshold(DistanceTransform.squaredDistance(toOutsideOf: mask), radius: radius, inside: false)
    }

    /// Erosion then dilation: removes parts thinner than the ball (bridges, spurs, thin shells).
    public static func open(_ mask: BinaryMask, radius: Double) throws -> BinaryMask {
        try dilate(erode(mask, radius: radius), radius: radius)
    }

    /// Dilation then erosion: closes gaps and notches narrower than the ball.
    public static func close(_ mask: BinaryMask, radius: Double) throws -> BinaryMask {
        try erode(dilate(mask, radius: radius), radius: radius)
    }

    /// Boundary smoothing by an alternating sequential filter (closing then opening with the same
    /// ball): removes bumps and dents smaller than `radius` while keeping the mask's position, unlike
    /// blurring, which shifts convex and concave parts in opposite directions.
    public static func smooth(_ mask: BinaryMask, radius: Double) throws -> BinaryMask {
        try open(close(mask, radius: radius), radius: radius)
    }

    /// 1 where the squared distance is within the ball (`inside`) or beyond it (`!inside`). Ties count
    /// as within, with a relative tolerance for the Float rounding of the distances.
    private static func threshold(_ d2: Volume<Float>, radius: Double, inside: Bool) -> BinaryMask {
        let r2 = Float(radius * radius * (1 + 1e-6))
        var out = BinaryMask(geometry: d2.geometry)
        out.data.withUnsafeMutableBufferPointer { o in
            let o = o
            d2.data.withUnsafeBufferPointer { d in
                parallelChunks(d.count) { range in
                    for n in range { o[n] = (d[n] <= r2) == inside ? 1 : 0 }
                }
            }
        }
        return out
    }

    private static func check(_ radius: Double) throws {
        guard radius.isFinite, radius >= 0 else {
            throw MorphologyError.invalidArgument("a structuring-element radius must be a finite number of millimetres >= 0, got \(radius)")
        }
    }

    private static func normalised(_ mask: BinaryMask) -> BinaryMask { mask.binarised() }
}
