import ImageCore

/// Resamples axial slices onto square display pixels, so a 0.45 x 0.45 mm CT and a 1 x 1.2 mm atlas both
/// appear with true proportions: by nearest neighbour (`sample`, for labels, whose values must never be
/// blended) or bilinearly (`sampleLinear`, for intensities, so a coarse grid enlarged for display shows
/// smooth gradients instead of blocks).
public struct SliceSampler: Sendable {
    public let plane: AxialPlane
    /// Millimetres per display pixel (same in both directions).
    public let pixelSize: Double
    public let width: Int
    public let height: Int
    /// Display column -> voxel column, display row -> voxel row (both in display order).
    @usableFromInline let columnOf: [Int]
    @usableFromInline let rowOf: [Int]

    /// `pixelSize` defaults to the finer in-plane spacing, so no voxel is skipped.
    public init(plane: AxialPlane, pixelSize: Double? = nil) throws {
        let p = pixelSize ?? Swift.min(plane.columnSpacing, plane.rowSpacing)
        guard p.isFinite, p > 0 else { throw RenderingError.invalidArgument("display pixel size \(p) mm must be positive") }
        let w = Swift.max(1, Int((Double(plane.columns) * plane.columnSpacing / p).rounded()))
        let h = Swift.max(1, Int((Double(plane.rows) * plane.rowSpacing / p).rounded()))
        guard w * h <= 1 << 26 else { throw RenderingError.invalidArgument("display of \(w)x\(h) pixels is too large; raise the pixel size") }
        self.plane = plane
        self.pixelSize = p
        width = w
        height = h
        columnOf = (0..<w).map { Swift.min(plane.columns - 1, Int((Double($0) + 0.5) * p / plane.columnSpacing)) }
        rowOf = (0..<h).map { Swift.min(plane.rows - 1, Int((Double($0) + 0.5) * p / plane.rowSpacing)) }
    }

    /// Chooses the pixel size so the display is about `targetWidth` pixels wide.
    public init(plane: AxialPlane, targetWidth: Int) throws {
        guard targetWidth > 0 else { throw RenderingError.invalidArgument("target width must be positive") }
        try self.init(plane: plane, pixelSize: Double(plane.columns) * plane.columnSpacing / Double(targetWidth))
    }

    /// A sampler at the grid's native in-plane resolution (the finer spacing), enlarged when needed so the
    /// display is at least `minimumWidth` pixels wide (a 2 mm grid is not shown 100 pixels wide).
    public static func native(plane: AxialPlane, minimumWidth: Int = 512) throws -> SliceSampler {
        guard minimumWidth > 0 else { throw RenderingError.invalidArgument("minimum width must be positive") }
        let fieldWidth = Double(plane.columns) * plane.columnSpacing
        return try SliceSampler(plane: plane, pixelSize: Swift.min(plane.columnSpacing, plane.rowSpacing, fieldWidth / Double(minimumWidth)))
    }

    /// Bilinear display pixels of slice `slice`: each pixel centre is placed in continuous voxel coordinates
    /// (voxel centres at whole numbers) and the four surrounding voxels of the slice are blended; beyond the
    /// outermost voxel centres the edge value is held. Slices are not interpolated between.
    public func sampleLinear(_ volume: Volume<Float>, slice: Int) throws -> [Float] {
        guard volume.geometry.size == plane.geometry.size, volume.components == 1 else {
            throw RenderingError.invalidArgument("volume size \(volume.size) differs from the plane's \(plane.geometry.size)")
        }
        guard slice >= 0 && slice < plane.sliceCount else {
            throw RenderingError.invalidArgument("slice \(slice) outside 0..<\(plane.sliceCount)")
        }
        // Per display column / row: the lower neighbour (display order) and the weight of the upper one.
        func taps(_ count: Int, voxels: Int, spacing: Double) -> [(Int, Float)] {
            (0..<count).map { x in
                let u = Swift.min(Double(voxels - 1), Swift.max(0, (Double(x) + 0.5) * pixelSize / spacing - 0.5))
                let lo = Swift.min(Int(u), Swift.max(0, voxels - 2))
                return (lo, Float(u - Double(lo)))
            }
        }
        let cols = taps(width, voxels: plane.columns, spacing: plane.columnSpacing)
        let rows = taps(height, voxels: plane.rows, spacing: plane.rowSpacing)
        let base = plane.voxel(column: 0, row: 0, slice: slice)
        let origin = volume.linearIndex(base.x, base.y, base.z)
        let strides = [1, volume.size.x, volume.size.x * volume.size.y]
        // Linear-index step per display step along columns and rows (negative where the axis is flipped).
        let colStep = (plane.flipped[0] ? -1 : 1) * strides[plane.columnAxis]
        let rowStep = (plane.flipped[1] ? -1 : 1) * strides[plane.rowAxis]
        let oneCol = plane.columns > 1 ? colStep : 0, oneRow = plane.rows > 1 ? rowStep : 0
        var out = [Float](repeating: 0, count: width * height)
        volume.data.withUnsafeBufferPointer { d in
            for y in 0..<height {
                let (r, fy) = rows[y]
                let rowBase = origin + r * rowStep
                for x in 0..<width {
                    let (c, fx) = cols[x]
                    let p = rowBase + c * colStep
                    let top = d[p] + fx * (d[p + oneCol] - d[p])
                    let bottom = d[p + oneRow] + fx * (d[p + oneRow + oneCol] - d[p + oneRow])
                    out[y * width + x] = top + fy * (bottom - top)
                }
            }
        }
        return out
    }

    /// Display pixels of slice `slice` (display order, inferior to superior), row-major from the top-left.
    @inlinable
    public func sample<V: VoxelType>(_ volume: Volume<V>, slice: Int) throws -> [V] {
        guard volume.geometry.size == plane.geometry.size else {
            throw RenderingError.invalidArgument("volume size \(volume.size) differs from the plane's \(plane.geometry.size)")
        }
        guard slice >= 0 && slice < plane.sliceCount else {
            throw RenderingError.invalidArgument("slice \(slice) outside 0..<\(plane.sliceCount)")
        }
        var out = [V](repeating: .zero, count: width * height)
        for y in 0..<height {
            for x in 0..<width {
                let v = plane.voxel(column: columnOf[x], row: rowOf[y], slice: slice)
                out[y * width + x] = volume.data[volume.linearIndex(v.x, v.y, v.z)]
            }
        }
        return out
    }
}
