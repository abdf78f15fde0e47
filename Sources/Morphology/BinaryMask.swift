import ImageCore

/// A binary mask is a `Volume<UInt8>` whose non-zero voxels are "inside". Functions in this module
/// return masks holding exactly 0 and 1 so they can be written as label files unchanged.
public typealias BinaryMask = Volume<UInt8>

extension Volume where Voxel == UInt8 {
    /// An all-zero mask on `geometry`.
    public static func emptyMask(_ geometry: Geometry) -> BinaryMask { BinaryMask(geometry: geometry, repeating: 0) }

    /// Inside volume in millilitres (uses the voxel spacing; exact for orthogonal grids).
    public var insideVolumeML: Double {
        let s = geometry.spacing
        return Double(nonzeroCount) * s.x * s.y * s.z / 1000
    }

    /// Voxel-wise complement (0 <-> 1).
    public func inverted() -> BinaryMask { binarised(inside: false) }

    /// 0/1 copy: 1 where the voxel's non-zero-ness equals `inside`. (A concrete loop: the generic
    /// `Volume.map` is not specialised across modules and costs several times more per voxel.)
    func binarised(inside: Bool = true) -> BinaryMask {
        var out = BinaryMask(geometry: geometry)
        out.data.withUnsafeMutableBufferPointer { o in
            let o = o
            data.withUnsafeBufferPointer { m in
                parallelChunks(m.count) { range in
                    for n in range { o[n] = (m[n] != 0) == inside ? 1 : 0 }
                }
            }
        }
        return out
    }

    /// Voxel-wise AND with a mask on the same grid.
    public func intersection(_ other: BinaryMask) throws -> BinaryMask {
        try combined(other) { $0 && $1 }
    }

    /// Voxel-wise OR with a mask on the same grid.
    public func union(_ other: BinaryMask) throws -> BinaryMask {
        try combined(other) { $0 || $1 }
    }

    /// Voxels inside `self` but not inside `other`.
    public func subtracting(_ other: BinaryMask) throws -> BinaryMask {
        try combined(other) { $0 && !$1 }
    }

    /// Sørensen–Dice overlap 2|A∩B| / (|A|+|B|); 1 when both masks are empty.
    public func dice(_ other: BinaryMask) throws -> Double {
        guard other.size == size else {
            throw MorphologyError.gridMismatch("masks of \(size) and \(other.size) voxels cannot be compared")
        }
        var a = 0, b = 0, ab = 0
        for n in 0..<data.count {
            let x = data[n] != 0, y = other.data[n] != 0
            if x { a += 1 }
            if y { b += 1 }
            if x && y { ab += 1 }
        }
        return a + b == 0 ? 1 : 2 * Double(ab) / Double(a + b)
    }

    func combined(_ other: BinaryMask, _ op: @escaping (Bool, Bool) -> Bool) throws -> BinaryMask {
        guard other.size == size else {
            throw MorphologyError.gridMismatch("masks of \(size) and \(other.size) voxels cannot be combined")
        }
        var out = BinaryMask(geometry: geometry, repeating: 0)
        data.withUnsafeBufferPointer { a in
            other.data.withUnsafeBufferPointer { b in
                out.data.withUnsafeMutableBufferPointer { o in
                    let o = o
                    parallelChunks(a.count) { range in
                        for n in range { o[n] = op(a[n] != 0, b[n] != 0) ? 1 : 0 }
                    }
                }
            }
        }
        return out
    }
}

extension Volume {
    /// The inverse of `cropped(to:)`: this sub-volume placed at `box` in a zero volume on `geometry`
    /// (steps that run on the head's bounding box hand back a full-size result this way).
    func placed(in geometry: Geometry, at box: IndexBox) -> Volume {
        precondition(box.size == size && components == 1, "a crop goes back into the box it came from")
        var out = Volume(geometry: geometry)
        let s = geometry.size, n = size
        for k in 0..<n.z {
            for j in 0..<n.y {
                let dst = ((k + box.lower.z) * s.y + (j + box.lower.y)) * s.x + box.lower.x
                let src = (k * n.y + j) * n.x
                out.data.replaceSubrange(dst..<(dst + n.x), with: data[src..<(src + n.x)])
            }
        }
        return out
    }
}
