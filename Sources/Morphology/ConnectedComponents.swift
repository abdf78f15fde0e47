import ImageCore

/// Connected components of a mask: a label volume (0 outside, 1...count inside, numbered in raster
/// order of each component's first voxel) and the size of each component.
public struct ConnectedComponents {
    public let labels: Volume<Int32>
    /// `sizes[l - 1]` is the voxel count of label `l`.
    public let sizes: [Int]
    public var count: Int { sizes.count }

    public init(_ mask: BinaryMask, connectivity: Connectivity = .twentySix) {
        let labeller = mask.data.withUnsafeBufferPointer {
            RunLengthLabeller($0, size: mask.size, foreground: true, connectivity: connectivity)
        }
        var out = Volume<Int32>(geometry: mask.geometry, repeating: 0)
        out.data.withUnsafeMutableBufferPointer { o in labeller.paint(o) { Int32($0 + 1) } }
        labels = out
        sizes = labeller.sizes()
    }

    /// The voxels of label `label` (1-based) as a mask.
    public func mask(of label: Int) -> BinaryMask {
        let l = Int32(label)
        return labels.map { $0 == l ? UInt8(1) : UInt8(0) }
    }

    /// The largest component (ties: the first in raster order); an empty mask stays empty.
    public static func largest(_ mask: BinaryMask, connectivity: Connectivity = .twentySix) -> BinaryMask {
        keeping(mask, connectivity: connectivity) { sizes in
            guard let best = sizes.indices.max(by: { sizes[$0] < sizes[$1] || (sizes[$0] == sizes[$1] && $0 > $1) }) else { return [] }
            return [best]
        }
    }

    /// Components of at least `minimumVoxels` voxels.
    public static func removingSmall(_ mask: BinaryMask, minimumVoxels: Int, connectivity: Connectivity = .twentySix) -> BinaryMask {
        keeping(mask, connectivity: connectivity) { sizes in Set(sizes.indices.filter { sizes[$0] >= minimumVoxels }) }
    }

    /// Keeps the components (0-based) that `select` picks from their sizes, without a label volume.
    static func keeping(_ mask: BinaryMask, connectivity: Connectivity, _ select: ([Int]) -> Set<Int>) -> BinaryMask {
        let labeller = mask.data.withUnsafeBufferPointer {
            RunLengthLabeller($0, size: mask.size, foreground: true, connectivity: connectivity)
        }
        let keep = select(labeller.sizes())
        var flags = [Bool](repeating: false, count: labeller.componentCount)
        for c in keep { flags[c] = true }
        var out = BinaryMask(geometry: mask.geometry, repeating: 0)
        out.data.withUnsafeMutableBufferPointer { o in labeller.paint(o) { flags[$0] ? UInt8(1) : nil } }
        return out
    }
}
