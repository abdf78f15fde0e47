import ImageCore

/// Maps an axial display slice onto a volume's voxel axes in the radiological convention used by every
/// DeepStroke image: patient right on the image's left, anterior at the top, slices counted from
/// inferior to superior. Works for any axis-permuted or flipped storage (RAS, LPS, LAS, PIR, ...); for
/// oblique grids (gantry tilt) each voxel axis is assigned to the world axis it points most along.
public struct AxialPlane: Equatable, Sendable {
    public let geometry: Geometry
    /// Voxel axis (0 = i, 1 = j, 2 = k) shown left to right, i.e. running from patient right to left (LPS +x).
    public let columnAxis: Int
    /// Voxel axis shown top to bottom, i.e. anterior to posterior (LPS +y).
    public let rowAxis: Int
    /// Voxel axis across slices, inferior to superior (LPS +z).
    public let sliceAxis: Int
    /// True where voxel index and display order run opposite ways along that axis.
    public let flipped: [Bool]  // column, row, slice

    public init(geometry: Geometry) {
        self.geometry = geometry
        var worldOfAxis = [0, 1, 2]
        var sign = [true, true, true]
        for a in 0..<3 {
            let d = geometry.direction[a]
            let mags = [abs(d.x), abs(d.y), abs(d.z)]
            let w = mags.firstIndex(of: mags.max()!)!
            worldOfAxis[a] = w
            sign[a] = d[w] >= 0
        }
        if Set(worldOfAxis).count != 3 {  // degenerate direction cosines: fall back to storage order
            worldOfAxis = [0, 1, 2]
            sign = (0..<3).map { geometry.direction[$0][$0] >= 0 }
        }
        let axisOfWorld = (0..<3).map { w in worldOfAxis.firstIndex(of: w)! }
        columnAxis = axisOfWorld[0]
        rowAxis = axisOfWorld[1]
        sliceAxis = axisOfWorld[2]
        flipped = [!sign[columnAxis], !sign[rowAxis], !sign[sliceAxis]]
    }

    public var columns: Int { geometry.size[columnAxis] }
    public var rows: Int { geometry.size[rowAxis] }
    public var sliceCount: Int { geometry.size[sliceAxis] }
    public var columnSpacing: Double { geometry.spacing[columnAxis] }
    public var rowSpacing: Double { geometry.spacing[rowAxis] }

    /// Voxel index along `axis` for display position `p` along it.
    @inline(__always)
    func index(_ p: Int, count: Int, flip: Bool) -> Int { flip ? count - 1 - p : p }

    /// The voxel shown at display column `c`, row `r` of slice `s` (all in display order).
    public func voxel(column c: Int, row r: Int, slice s: Int) -> SIMD3<Int> {
        var v = SIMD3<Int>(0, 0, 0)
        v[columnAxis] = index(c, count: columns, flip: flipped[0])
        v[rowAxis] = index(r, count: rows, flip: flipped[1])
        v[sliceAxis] = index(s, count: sliceCount, flip: flipped[2])
        return v
    }

    /// Display slice number (inferior to superior) that contains voxel `ijk`.
    public func slice(containing ijk: SIMD3<Int>) -> Int {
        index(ijk[sliceAxis], count: sliceCount, flip: flipped[2])
    }
}
