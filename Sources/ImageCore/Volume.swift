/// A voxel grid with its place in the world.
///
/// Memory order is i fastest, then j, then k (NIfTI on-disk order), so the buffer is a tensor's
/// `[D, H, W]` buffer with W = i and D = k. A vector image (a displacement field, a multi-class
/// probability map) stores `components` whole scalar volumes one after another, again as NIfTI
/// stores its 4th/5th dimension; component c of voxel n is `data[c * voxelCount + n]`.
public struct Volume<Voxel: VoxelType>: Sendable {
    public var geometry: Geometry
    public var components: Int
    public var data: [Voxel]

    /// Wraps existing data; throws when the buffer does not match the geometry.
    public init(geometry: Geometry, components: Int = 1, data: [Voxel]) throws {
        guard components >= 1 else { throw ImageCoreError.invalidArgument("components must be >= 1, got \(components)") }
        let expected = geometry.voxelCount * components
        guard data.count == expected else {
            throw ImageCoreError.sizeMismatch("buffer holds \(data.count) voxels, geometry needs \(expected)")
        }
        self.geometry = geometry
        self.components = components
        self.data = data
    }

    /// A volume filled with one value.
    public init(geometry: Geometry, components: Int = 1, repeating value: Voxel = .zero) {
        self.geometry = geometry
        self.components = max(1, components)
        self.data = [Voxel](repeating: value, count: geometry.voxelCount * self.components)
    }

    public var size: SIMD3<Int> { geometry.size }
    public var voxelCount: Int { geometry.voxelCount }

    @inline(__always)
    public func linearIndex(_ i: Int, _ j: Int, _ k: Int) -> Int { (k * geometry.size.y + j) * geometry.size.x + i }

    public subscript(i: Int, j: Int, k: Int) -> Voxel {
        get { data[linearIndex(i, j, k)] }
        set { data[linearIndex(i, j, k)] = newValue }
    }

    /// Component c at voxel (i, j, k) of a vector image.
    public subscript(i: Int, j: Int, k: Int, component c: Int) -> Voxel {
        get { data[c * voxelCount + linearIndex(i, j, k)] }
        set { data[c * voxelCount + linearIndex(i, j, k)] = newValue }
    }

    /// The same grid with every voxel converted (integers round and clamp). Inlinable so that callers in
    /// other modules get a specialised loop instead of per-voxel generic dispatch (about 10x faster).
    @inlinable
    public func converted<T: VoxelType>(to: T.Type = T.self) -> Volume<T> {
        if let same = self as? Volume<T> { return same }
        var out = Volume<T>(geometry: geometry, components: components)
        let src = data
        out.data.withUnsafeMutableBufferPointer { dst in
            let d = dst
            parallelChunks(src.count) { range in
                for n in range { d[n] = T(clampingDouble: src[n].doubleValue) }
            }
        }
        return out
    }

    /// Applies `f` to every voxel, in parallel.
    @inlinable
    public func map<T: VoxelType>(_ f: @escaping (Voxel) -> T) -> Volume<T> {
        var out = Volume<T>(geometry: geometry, components: components)
        let src = data
        out.data.withUnsafeMutableBufferPointer { dst in
            let d = dst
            parallelChunks(src.count) { range in
                for n in range { d[n] = f(src[n]) }
            }
        }
        return out
    }

    /// One component of a vector image as a scalar volume.
    public func component(_ c: Int) -> Volume<Voxel> {
        precondition(c >= 0 && c < components, "component \(c) out of range 0..<\(components)")
        let n = voxelCount
        return try! Volume(geometry: geometry, data: Array(data[(c * n)..<((c + 1) * n)]))
    }

    /// True when any voxel is NaN or infinite (integers never are).
    public var hasNonFinite: Bool {
        if Voxel.self == Float.self || Voxel.self == Double.self {
            return data.contains { !$0.doubleValue.isFinite }
        }
        return false
    }
}

extension Volume: Equatable {
    public static func == (a: Volume, b: Volume) -> Bool {
        a.geometry == b.geometry && a.components == b.components && a.data == b.data
    }
}
