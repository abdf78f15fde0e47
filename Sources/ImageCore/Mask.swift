/// Masks are `Volume<UInt8>` on the same grid as the image: nonzero means inside.

/// An inclusive box of voxel indices, e.g. the bounding box of a mask.
public struct IndexBox: Equatable, Sendable, CustomStringConvertible {
    public var lower: SIMD3<Int>
    public var upper: SIMD3<Int>

    public init(lower: SIMD3<Int>, upper: SIMD3<Int>) {
        self.lower = lower
        self.upper = upper
    }

    /// Voxels along each axis (upper - lower + 1).
    public var size: SIMD3<Int> { upper &- lower &+ 1 }

    /// Grown by `margin` voxels on every side, clipped to a grid of `gridSize`.
    public func padded(by margin: Int, within gridSize: SIMD3<Int>) -> IndexBox {
        IndexBox(lower: pointwiseMax(lower &- margin, .zero), upper: pointwiseMin(upper &+ margin, gridSize &- 1))
    }

    public var description: String {
        "[\(lower.x)...\(upper.x), \(lower.y)...\(upper.y), \(lower.z)...\(upper.z)]"
    }
}

extension Volume {
    /// 1 where `lower <= value <= upper`, else 0 (NaN is never inside).
    @_specialize(where Voxel == Float)
    @_specialize(where Voxel == Double)
    @_specialize(where Voxel == UInt8)
    @_specialize(where Voxel == Int16)
    @_specialize(where Voxel == UInt16)
    @_specialize(where Voxel == Int32)
    public func thresholded(lower: Double, upper: Double = .infinity) -> Volume<UInt8> {
        let src = data
        var out = Volume<UInt8>(geometry: geometry, components: components)
        out.data.withUnsafeMutableBufferPointer { dst in
            let d = dst
            src.withUnsafeBufferPointer { s in
                parallelChunks(s.count) { range in
                    for n in range {
                        let v = s[n].doubleValue
                        d[n] = v >= lower && v <= upper ? 1 : 0
                    }
                }
            }
        }
        return out
    }

    /// This volume with every voxel outside `mask` set to `outside` (each component alike).
    public func masked(by mask: Volume<UInt8>, outside: Voxel = .zero) throws -> Volume<Voxel> {
        try checkMask(mask)
        var out = self
        let n = voxelCount
        mask.data.withUnsafeBufferPointer { m in
            out.data.withUnsafeMutableBufferPointer { d in
                let dst = d
                for c in 0..<components {
                    parallelChunks(n) { range in
                        for v in range where m[v] == 0 { dst[c * n + v] = outside }
                    }
                }
            }
        }
        return out
    }

    /// The sub-grid inside `box`, with the geometry moved so every kept voxel stays where it was.
    public func cropped(to box: IndexBox) throws -> Volume<Voxel> {
        guard box.lower.min() >= 0, box.upper.x < size.x, box.upper.y < size.y, box.upper.z < size.z,
              box.size.min() >= 1 else {
            throw ImageCoreError.invalidArgument("crop box \(box) does not fit in a \(size.x)x\(size.y)x\(size.z) grid")
        }
        let g = Geometry(size: box.size, spacing: geometry.spacing,
                         origin: geometry.worldLPS(SIMD3<Double>(box.lower)), direction: geometry.direction)
        var out = Volume(geometry: g, components: components)
        let bs = box.size
        for c in 0..<components {
            for k in 0..<bs.z {
                for j in 0..<bs.y {
                    let from = c * voxelCount + linearIndex(box.lower.x, box.lower.y + j, box.lower.z + k)
                    let to = c * g.voxelCount + (k * bs.y + j) * bs.x
                    out.data.replaceSubrange(to..<(to + bs.x), with: data[from..<(from + bs.x)])
                }
            }
        }
        return out
    }

    /// Throws unless `mask` is a scalar mask on this volume's grid (within 1e-3 mm).
    public func checkMask(_ mask: Volume<UInt8>) throws {
        guard mask.components == 1 else {
            throw ImageCoreError.sizeMismatch("a mask must have one component, this one has \(mask.components)")
        }
        guard mask.size == size else {
            throw ImageCoreError.sizeMismatch("mask is \(mask.size.x)x\(mask.size.y)x\(mask.size.z), image is \(size.x)x\(size.y)x\(size.z)")
        }
        guard mask.geometry.isClose(to: geometry, tolerance: 1e-3) else {
            throw ImageCoreError.sizeMismatch("mask and image have the same dimensions but different voxel-to-world affines")
        }
    }
}

extension Volume where Voxel == UInt8 {
    /// Number of nonzero voxels.
    public var nonzeroCount: Int {
        data.withUnsafeBufferPointer { d in
            parallelMapBlocks(d.count) { range -> Int in
                var c = 0
                for n in range where d[n] != 0 { c += 1 }
                return c
            }.reduce(0, +)
        }
    }

    /// Smallest box holding every nonzero voxel; throws `emptySelection` when there is none.
    public func boundingBox() throws -> IndexBox {
        let nx = size.x, ny = size.y
        var found: [IndexBox?] = Array(repeating: nil, count: size.z)
        data.withUnsafeBufferPointer { d in
            found.withUnsafeMutableBufferPointer { f in
                let out = f
                parallelFor(size.z) { k in
                    var lo = SIMD3<Int>(Int.max, Int.max, k), hi = SIMD3<Int>(Int.min, Int.min, k)
                    var any = false
                    for j in 0..<ny {
                        let row = d.baseAddress! + (k * ny + j) * nx
                        var first = -1, last = -1
                        for i in 0..<nx where row[i] != 0 {
                            if first < 0 { first = i }
                            last = i
                        }
                        if first >= 0 {
                            any = true
                            lo.x = Swift.min(lo.x, first); hi.x = Swift.max(hi.x, last)
                            lo.y = Swift.min(lo.y, j); hi.y = Swift.max(hi.y, j)
                        }
                    }
                    if any { out[k] = IndexBox(lower: lo, upper: hi) }
                }
            }
        }
        let boxes = found.compactMap { $0 }
        guard var box = boxes.first else { throw ImageCoreError.emptySelection("the mask has no nonzero voxel") }
        for b in boxes.dropFirst() {
            box.lower = pointwiseMin(box.lower, b.lower)
            box.upper = pointwiseMax(box.upper, b.upper)
        }
        return box
    }
}
