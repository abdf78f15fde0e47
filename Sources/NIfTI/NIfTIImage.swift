import ImageCore

/// A NIfTI file in memory: its full header, the stored voxel values and the grid they sit on.
public struct NIfTIImage: Sendable {
    /// The header as decoded (`voxOffset` already corrected for single files, byte order recorded).
    public var header: NIfTIHeader
    /// Stored values, before scaling. RGB24 files arrive as `.uint8` with three planar components.
    public var data: NIfTIVoxelData
    /// The grid in LPS, from the best affine.
    public var geometry: Geometry
    /// The best index-to-RAS+ affine exactly as the header gives it (not re-derived from `geometry`).
    public var affineRAS: Matrix4
    public var affineSource: NIfTIAffineSource
    /// Scalar volumes stored one after another (4th and higher dimensions; 3 for RGB24).
    public var components: Int
    /// Whether the file was gzip-compressed.
    public var compressed: Bool

    /// The datatype the data is held in (uint8 for RGB24 files).
    public var storedDatatype: NIfTIDatatype { header.datatype == .rgb24 ? .uint8 : header.datatype }

    /// The values as a volume of `T`, with scl_slope/scl_inter applied when valid (as nibabel does),
    /// then rounded and clamped for integer `T`.
    public func volume<T: VoxelType>(as type: T.Type = T.self, applyScaling: Bool = true) -> Volume<T> {
        let scaling = applyScaling ? header.scaling : nil
        let values = try! data.visit(ConvertVisitor<T>(scaling: scaling))
        return try! Volume(geometry: geometry, components: components, data: values)
    }

    /// Smallest and largest scaled value (NaN ignored).
    public var valueRange: (min: Double, max: Double)? { data.range(scaling: header.scaling) }
}

/// Converts stored values to `T`, applying scaling; hands the array through untouched when nothing
/// changes, so reading float32 as `Float` costs no copy.
struct ConvertVisitor<T: VoxelType>: NIfTIVoxelVisitor {
    let scaling: (slope: Double, intercept: Double)?

    func visit<S: VoxelType>(_ values: [S]) -> [T] {
        convertVoxels(values, to: T.self, scaling: scaling.map { .forward(slope: $0.slope, intercept: $0.intercept) } ?? .none)
    }
}
