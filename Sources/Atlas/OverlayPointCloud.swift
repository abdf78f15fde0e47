import ImageCore
import Registration

/// A legacy ASPECTS overlay as what it really is: a sparse cloud of points (the voxels of the outline
/// mask) in LPS millimetres. Kept as points rather than resampled as an image because a pull
/// resampling of a one-voxel-thin outline onto a coarser or rotated grid drops or doubles points;
/// points are moved exactly through a transform chain and splatted where an image is needed.
public struct OverlayPointCloud: Sendable {
    /// LPS millimetres.
    public var points: [SIMD3<Double>]

    public init(points: [SIMD3<Double>]) {
        self.points = points
    }

    /// The centres of the non-zero voxels of an overlay mask.
    public init(mask: Volume<UInt8>) {
        let g = mask.geometry
        var pts: [SIMD3<Double>] = []
        let s = mask.size
        for k in 0..<s.z { for j in 0..<s.y { for i in 0..<s.x where mask[i, j, k] != 0 {
            pts.append(g.worldLPS(SIMD3(Double(i), Double(j), Double(k))))
        } } }
        points = pts
    }

    public var count: Int { points.count }

    /// Every point through `chain.map` (for a chain that pulls atlas images onto the scan grid, this
    /// carries scan points into the atlas).
    public func mapped(through chain: TransformChain) -> OverlayPointCloud {
        var out = [SIMD3<Double>](repeating: .zero, count: points.count)
        let src = points
        out.withUnsafeMutableBufferPointer { ob in
            let o = ob
            parallelChunks(src.count, minChunk: 256) { range in
                for n in range { o[n] = chain.map(src[n]) }
            }
        }
        return OverlayPointCloud(points: out)
    }

    /// Splits the cloud into a training part and every `every`-th point held out (deterministic).
    public func split(holdingOutEvery every: Int) -> (training: OverlayPointCloud, heldOut: OverlayPointCloud) {
        guard every >= 2 else { return (self, OverlayPointCloud(points: [])) }
        var a: [SIMD3<Double>] = [], b: [SIMD3<Double>] = []
        for (n, p) in points.enumerated() {
            if n % every == every - 1 { b.append(p) } else { a.append(p) }
        }
        return (OverlayPointCloud(points: a), OverlayPointCloud(points: b))
    }

    /// Point density on `geometry`: each point adds its trilinear weights to the 8 surrounding voxels
    /// (points outside the grid are dropped), so the total equals the number of points inside.
    public func splatted(onto geometry: Geometry) -> Volume<Float> {
        var out = Volume<Float>(geometry: geometry)
        let toIndex = geometry.inverseAffineLPS
        let s = geometry.size
        for p in points {
            let x = toIndex.apply(p)
            let f = SIMD3<Double>(x.x.rounded(.down), x.y.rounded(.down), x.z.rounded(.down))
            let t = x - f
            let b = SIMD3<Int>(Int(f.x), Int(f.y), Int(f.z))
            for c in 0..<8 {
                let o = SIMD3<Int>(c & 1, (c >> 1) & 1, (c >> 2) & 1)
                let v = b &+ o
                guard v.x >= 0, v.y >= 0, v.z >= 0, v.x < s.x, v.y < s.y, v.z < s.z else { continue }
                let w = (o.x == 1 ? t.x : 1 - t.x) * (o.y == 1 ? t.y : 1 - t.y) * (o.z == 1 ? t.z : 1 - t.z)
                out[v.x, v.y, v.z] += Float(w)
            }
        }
        return out
    }

    /// Mean of `distance` (an image in mm, e.g. the distance to the atlas outlines) read trilinearly at
    /// the points: the chamfer distance from the cloud to the outlines. Points outside the image read
    /// the nearest edge value. nil for an empty cloud.
    public func meanValue(of distance: Volume<Float>) -> Double? {
        guard !points.isEmpty else { return nil }
        let toIndex = distance.geometry.inverseAffineLPS
        return distance.data.withUnsafeBufferPointer { b -> Double in
            let sampler = GridSampler(b, size: distance.size)
            var sum = 0.0
            for p in points {
                let x = toIndex.apply(p)
                sum += Double(sampler.linear(x.x, x.y, x.z))
            }
            return sum / Double(points.count)
        }
    }
}
