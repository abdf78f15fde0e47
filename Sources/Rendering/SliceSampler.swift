import ImageCore

/// Resamples axial slices onto square display pixels by nearest neighbour, so a 0.45 x 0.45 mm CT and a
/// 1 x 1.2 mm atlas both appear with true proportions, and label values are never blended.
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
