import Foundation
import ImageCore

/// Size and compactness of a labelled region.
///
/// Surface area is estimated by counting voxel faces between the region and everything else, then
/// multiplying by 2/3. Why 2/3: a staircase surface's faces normal to axis d add up to the surface's
/// projected area, the integral of |n_d|; summed over the three axes that is the integral of
/// |n_x| + |n_y| + |n_z|, whose mean over uniformly oriented normals is 3/2. The correction is therefore
/// unbiased for curved, irregular surfaces (a sphere, a cortical ribbon), for any voxel spacing; it
/// underestimates axis-aligned boxes by exactly 1/3. Sphericity = pi^(1/3) (6V)^(2/3) / A (1 for a ball).
public struct ShapeDescriptors: Equatable, Sendable {
    public let volumeML: Double
    /// Raw voxel-face area, mm^2.
    public let faceAreaMM2: Double
    /// Corrected surface area estimate, mm^2.
    public let surfaceAreaMM2: Double
    public let sphericity: Double

    /// Measures the region of `labels` equal to `label`; `voxels` (its linear indices) saves a scan when known.
    public static func measure(labels: Volume<UInt8>, label: UInt8, voxels: [Int]? = nil) -> ShapeDescriptors {
        let g = labels.geometry
        let list = voxels ?? labels.data.indices.filter { labels.data[$0] == label }
        let sp = g.spacing
        let faceArea = [sp.y * sp.z, sp.x * sp.z, sp.x * sp.y]
        let s = g.size
        let strides = [1, s.x, s.x * s.y]
        var area = 0.0
        for n in list {
            let coord = [n % s.x, (n / s.x) % s.y, n / (s.x * s.y)]
            for axis in 0..<3 {
                if coord[axis] == 0 || labels.data[n - strides[axis]] != label { area += faceArea[axis] }
                if coord[axis] == s[axis] - 1 || labels.data[n + strides[axis]] != label { area += faceArea[axis] }
            }
        }
        let volumeMM3 = Double(list.count) * sp.x * sp.y * sp.z
        let surface = area * 2 / 3
        let sphericity = surface > 0 ? pow(Double.pi, 1.0 / 3) * pow(6 * volumeMM3, 2.0 / 3) / surface : .nan
        return ShapeDescriptors(volumeML: volumeMM3 / 1000, faceAreaMM2: area, surfaceAreaMM2: surface, sphericity: sphericity)
    }
}
