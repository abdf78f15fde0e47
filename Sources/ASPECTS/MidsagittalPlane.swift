import ImageCore

/// The plane between the hemispheres, in LPS millimetres, taken from an ASPECTS label map.
///
/// Why from the labels: the label map already says which voxels belong to which hemisphere, so the
/// plane through the midpoint of the right (1-10) and left (11-20) label centroids, normal to the line
/// joining them, follows the head wherever it lies in the grid. A head turned (yaw) or tilted (roll) in
/// the scanner gets a turned or tilted plane, so reflecting through it compares a voxel with its true
/// anatomical mirror rather than with the voxel at the mirrored grid column.
public struct MidsagittalPlane: Equatable, Sendable {
    /// A point on the plane (the midpoint of the two hemispheres' label centroids), LPS mm.
    public let point: SIMD3<Double>
    /// Unit normal pointing from the right hemisphere to the left (towards LPS +x for a straight head).
    public let normal: SIMD3<Double>

    public init(point: SIMD3<Double>, normal: SIMD3<Double>) throws {
        let length = (normal * normal).sum().squareRoot()
        guard length.isFinite, length > 0, (point * point).sum().isFinite else {
            throw ASPECTSError.invalidArgument("a midsagittal plane needs a finite point and a non-zero normal")
        }
        self.point = point
        self.normal = normal / length
    }

    /// The plane from the centroids of labels 1-10 (right) and 11-20 (left); values above 20 are ignored.
    public init(labels: Volume<UInt8>) throws {
        var sums = [SIMD3<Double>](repeating: .zero, count: 2)
        var counts = [0, 0]
        let s = labels.size
        labels.data.withUnsafeBufferPointer { d in
            for k in 0..<s.z { for j in 0..<s.y {
                let row = (k * s.y + j) * s.x
                for i in 0..<s.x {
                    let l = d[row + i]
                    guard l >= 1 && l <= 20 else { continue }
                    let side = l <= 10 ? 0 : 1
                    sums[side] += SIMD3(Double(i), Double(j), Double(k))
                    counts[side] += 1
                }
            } }
        }
        guard counts[0] > 0, counts[1] > 0 else {
            throw ASPECTSError.noRegions("the midline needs labels of both hemispheres (right 1-10 and left 11-20)")
        }
        // The affine is linear, so the world centroid is the image of the index centroid.
        let right = labels.geometry.worldLPS(sums[0] / Double(counts[0]))
        let left = labels.geometry.worldLPS(sums[1] / Double(counts[1]))
        guard ((left - right) * (left - right)).sum() > 1e-12 else {
            throw ASPECTSError.invalidArgument("the right and left label centroids coincide; no midline can be found")
        }
        try self.init(point: (left + right) / 2, normal: left - right)
    }

    /// Distance from the plane, mm: negative on the right hemisphere's side, positive on the left's.
    @inline(__always)
    public func signedDistance(_ p: SIMD3<Double>) -> Double { ((p - point) * normal).sum() }

    /// Which hemisphere a world point lies in (points on the plane count as left).
    public func hemisphere(of p: SIMD3<Double>) -> Hemisphere { signedDistance(p) < 0 ? .right : .left }

    /// Mirror image of `p` through the plane.
    @inline(__always)
    public func reflect(_ p: SIMD3<Double>) -> SIMD3<Double> { p - 2 * signedDistance(p) * normal }
}
