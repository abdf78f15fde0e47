import ImageCore

/// Texture from the grey-level co-occurrence matrix (GLCM) of a region's tissue voxels.
///
/// HU values in the tissue range are quantised into `levels` equal bins. Every pair of neighbouring
/// voxels (one step along each offset of the chosen neighbourhood) that are both tissue of the region is
/// counted in both orders (a symmetric GLCM), and the matrix is normalised to probabilities p(i, j).
/// Contrast = sum p(i,j) (i-j)^2; homogeneity = sum p(i,j) / (1 + (i-j)^2) (scikit-image's definition).
/// Thick-slice CT (5 mm slices under 0.5 mm pixels) uses the four in-plane offsets so neighbours are at
/// comparable distances; near-isotropic grids use all 13 offsets of the 26-neighbourhood.
public struct GLCMDescriptors: Equatable, Sendable {
    public let contrast: Double
    public let homogeneity: Double
    /// Number of voxel pairs counted (each once, before symmetrising).
    public let pairs: Int

    public enum Neighbourhood: Equatable, Sendable {
        /// The 13 forward offsets of the 3x3x3 neighbourhood.
        case volumetric
        /// The 4 forward offsets in the plane normal to voxel axis `normalAxis`.
        case inPlane(normalAxis: Int)

        /// In-plane across the coarsest axis when it is more than 1.5 times the finest, else volumetric.
        public static func suited(to spacing: SIMD3<Double>) -> Neighbourhood {
            let axes = [spacing.x, spacing.y, spacing.z]
            guard axes.max()! > 1.5 * axes.min()! else { return .volumetric }
            return .inPlane(normalAxis: axes.firstIndex(of: axes.max()!)!)
        }

        var offsets: [SIMD3<Int>] {
            var all: [SIMD3<Int>] = []
            for dz in -1...1 { for dy in -1...1 { for dx in -1...1 {
                let o = SIMD3(dx, dy, dz)
                // Keep one of each +/- pair: the first non-zero component positive.
                let first = [dx, dy, dz].first { $0 != 0 }
                if let f = first, f > 0 { all.append(o) }
            } } }
            switch self {
            case .volumetric: return all
            case .inPlane(let axis): return all.filter { $0[axis] == 0 }
            }
        }
    }

    /// Texture of the voxels where `labels == label` and `ct` lies in `range`; `voxels` (the region's
    /// linear indices) saves a scan of the whole volume when known.
    public static func measure(ct: Volume<Float>, labels: Volume<UInt8>, label: UInt8, range: HURange,
                               levels: Int = 16, neighbourhood: Neighbourhood, voxels: [Int]? = nil) -> GLCMDescriptors {
        let s = ct.geometry.size
        let g = max(2, levels)
        func level(_ hu: Float) -> Int {
            Swift.min(g - 1, Swift.max(0, Int(((Double(hu) - range.lower) / (range.upper - range.lower) * Double(g)).rounded(.down))))
        }
        var counts = [Double](repeating: 0, count: g * g)
        var pairs = 0
        let offsets = neighbourhood.offsets
        let list = voxels ?? labels.data.indices.filter { labels.data[$0] == label }
        for n in list {
            guard labels.data[n] == label, range.contains(ct.data[n]) else { continue }
            let p = SIMD3(n % s.x, (n / s.x) % s.y, n / (s.x * s.y))
            let a = level(ct.data[n])
            for o in offsets {
                let q = p &+ o
                guard q.x >= 0, q.y >= 0, q.z >= 0, q.x < s.x, q.y < s.y, q.z < s.z else { continue }
                let m = ct.linearIndex(q.x, q.y, q.z)
                guard labels.data[m] == label, range.contains(ct.data[m]) else { continue }
                let b = level(ct.data[m])
                counts[a * g + b] += 1
                counts[b * g + a] += 1
                pairs += 1
            }
        }
        guard pairs > 0 else { return GLCMDescriptors(contrast: .nan, homogeneity: .nan, pairs: 0) }
        let total = Double(2 * pairs)
        var contrast = 0.0, homogeneity = 0.0
        for a in 0..<g { for b in 0..<g where counts[a * g + b] > 0 {
            let p = counts[a * g + b] / total
            let d = Double((a - b) * (a - b))
            contrast += p * d
            homogeneity += p / (1 + d)
        } }
        return GLCMDescriptors(contrast: contrast, homogeneity: homogeneity, pairs: pairs)
    }
}
