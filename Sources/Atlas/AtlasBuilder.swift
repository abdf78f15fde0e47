import ASPECTS
import Foundation
import ImageCore
import Morphology

/// Builds the volumetric ASPECTS atlas (20-label convention) in the CT template's space from its
/// anatomical labels, tissue classes and ventricle mask, by the rules in `TerritoryRules` (also written
/// into labels.json and docs/atlas.md).
///
/// Everything is decided in LPS millimetres (levels along z, anterior-posterior boundaries along y,
/// hemispheres along x from the midline), so the result does not depend on how the template is stored.
public struct AtlasBuilder: Sendable {
    public struct Parameters: Sendable, Equatable {
        /// How deep below an M region's cortex its white matter may reach (mm).
        public var subjacentWhiteMatterDepthMM = 20.0
        public init() {}
    }

    /// Where the rules put the levels and boundaries in one hemisphere (LPS mm).
    public struct HemisphereGeometry: Sendable, Equatable {
        /// z of the lowest and highest lentiform-nucleus voxel centres.
        public var ganglionicZ: ClosedRange<Double>
        /// z above the ganglionic level up to the top of the lateral ventricle.
        public var supraganglionicTopZ: Double
        /// y of the insula's most anterior and most posterior voxel centres (anterior is negative).
        public var insulaY: ClosedRange<Double>
    }

    public struct Result: Sendable {
        public var labels: Volume<UInt8>
        /// Sagittal midline: LPS x of the plane separating the hemispheres.
        public var midlineX: Double
        public var right: HemisphereGeometry
        public var left: HemisphereGeometry
        public var parameters: Parameters

        public func geometry(of side: Hemisphere) -> HemisphereGeometry { side == .right ? right : left }
    }

    public var parameters: Parameters

    public init(parameters: Parameters = Parameters()) {
        self.parameters = parameters
    }

    public func build(_ anatomy: TemplateAnatomy) throws -> Result {
        let g = anatomy.template.geometry
        let n = g.voxelCount
        let file = anatomy.directory.appendingPathComponent(TemplateAnatomy.FileName.structures).path

        // World coordinates of every voxel centre.
        var wx = [Double](repeating: 0, count: n), wy = wx, wz = wx
        let a = g.affineLPS
        for k in 0..<g.size.z { for j in 0..<g.size.y { for i in 0..<g.size.x {
            let v = (k * g.size.y + j) * g.size.x + i
            let p = a.apply(SIMD3(Double(i), Double(j), Double(k)))
            wx[v] = p.x; wy[v] = p.y; wz[v] = p.z
        } } }

        let midline = try Self.midlineX(anatomy, wx: wx, file: file)
        let brain = anatomy.template.data.map { $0 > 0 }
        let csf = anatomy.tissue.data.map { $0 == 1 }
        var labels = Volume<UInt8>(geometry: g)
        var geometries: [Hemisphere: HemisphereGeometry] = [:]

        for side in Hemisphere.allCases {
            let names = anatomy.names
            let s = anatomy.structures.data
            func mask(_ keys: [String]) throws -> [Bool] {
                let ids = try names.requiredIndices(keys, side: side)
                return s.map { ids.contains(Int($0)) }
            }
            let onSide = (0..<n).map { v in brain[v] && ((wx[v] > midline) == (side == .left)) }
            let caudate = try mask(TerritoryRules.caudate), lentiform = try mask(TerritoryRules.lentiform)
            let thalamus = try mask(TerritoryRules.thalamus), insula = try mask(TerritoryRules.insula)
            let wm = try mask(TerritoryRules.whiteMatter)
            let lvLabel = try mask(TerritoryRules.lateralVentricle)
            let mca = try mask(TerritoryRules.mca), aca = try mask(TerritoryRules.aca), pca = try mask(TerritoryRules.pca)
            let deep = names.indices(TerritoryRules.deep, side: side)
            let deepMask = s.map { deep.contains(Int($0)) }
            let ventricle = (0..<n).map { v in lvLabel[v] || (anatomy.lateralVentricles.data[v] != 0 && onSide[v]) }
            let tissueOK = (0..<n).map { v in onSide[v] && !csf[v] && !ventricle[v] }
            let sideName = side == .right ? "right" : "left"

            // Levels.
            func zRange(_ m: [Bool]) -> ClosedRange<Double>? {
                var lo = Double.infinity, hi = -Double.infinity
                for v in 0..<n where m[v] && onSide[v] { lo = min(lo, wz[v]); hi = max(hi, wz[v]) }
                return lo <= hi ? lo...hi : nil
            }
            guard let gz = zRange(lentiform) else {
                throw AtlasError(.anatomy, file: file, problem: "no \(sideName) lentiform nucleus on the \(sideName) of the midline")
            }
            guard let vz = zRange(ventricle), vz.upperBound > gz.upperBound + 0.5 * g.spacing.min() else {
                throw AtlasError(.anatomy, file: file, problem: "the \(sideName) lateral ventricle does not reach above the lentiform nucleus, so there is no supraganglionic level")
            }
            let eps = 1e-3
            let ganglionic = (0..<n).map { v in wz[v] >= gz.lowerBound - eps && wz[v] <= gz.upperBound + eps }
            let supra = (0..<n).map { v in wz[v] > gz.upperBound + eps && wz[v] <= vz.upperBound + eps }

            // Deep structures and the internal capsule.
            func and(_ ms: [Bool]...) -> [Bool] { (0..<n).map { v in ms.allSatisfy { $0[v] } } }
            let c = and(caudate, ganglionic, tissueOK), l = and(lentiform, ganglionic, tissueOK)
            let ins = and(insula, ganglionic, tissueOK)
            let nuclei = (0..<n).map { v in (caudate[v] || lentiform[v] || thalamus[v]) && onSide[v] && ganglionic[v] }
            let hull = try Self.sliceHulls(nuclei, geometry: g)
            let ic = (0..<n).map { v in hull[v] && wm[v] && ganglionic[v] && tissueOK[v] && !nuclei[v] }
            guard ic.contains(true) else { throw AtlasError(.anatomy, file: file, problem: "no \(sideName) internal capsule found between the basal ganglia") }

            var yA = Double.infinity, yP = -Double.infinity
            for v in 0..<n where ins[v] { yA = min(yA, wy[v]); yP = max(yP, wy[v]) }
            guard yA < yP else { throw AtlasError(.anatomy, file: file, problem: "no \(sideName) insula at the ganglionic level") }
            geometries[side] = HemisphereGeometry(ganglionicZ: gz, supraganglionicTopZ: vz.upperBound, insulaY: yA...yP)

            func code(_ name: String) -> UInt8 { UInt8(ASPECTSRegion(name: name, hemisphere: side)!.code) }
            for v in 0..<n {
                if c[v] { labels.data[v] = code("C") }
                if l[v] { labels.data[v] = code("L") }
                if ic[v] { labels.data[v] = code("IC") }
                if ins[v] { labels.data[v] = code("I") }
            }

            // M regions, one level at a time.
            let deepAll = (0..<n).map { v in (caudate[v] || lentiform[v] || thalamus[v] || insula[v] || ic[v] || ventricle[v] || deepMask[v]) && onSide[v] }
            for (slab, first) in [(ganglionic, 1), (supra, 4)] {
                let cortex = and(mca, slab, tissueOK)
                let parts = [
                    (0..<n).map { v in cortex[v] && wy[v] < yA },
                    (0..<n).map { v in cortex[v] && wy[v] >= yA && wy[v] <= yP },
                    (0..<n).map { v in cortex[v] && wy[v] > yP },
                ]
                let rivals = parts + [and(aca, slab, onSide), and(pca, slab, onSide), and(deepAll, slab)]
                let distances = rivals.map { m -> [Float] in
                    DistanceTransform.squaredDistance(to: BinaryMask.from(m, geometry: g)).data
                }
                let depth2 = Float(parameters.subjacentWhiteMatterDepthMM * parameters.subjacentWhiteMatterDepthMM)
                for q in 0..<3 {
                    let lab = code("M\(first + q)")
                    for v in 0..<n where parts[q][v] { labels.data[v] = lab }
                }
                for v in 0..<n where wm[v] && slab[v] && tissueOK[v] && !ic[v] && labels.data[v] == 0 {
                    var best = 0
                    for r in 1..<rivals.count where distances[r][v] < distances[best][v] { best = r }
                    if best < 3 && distances[best][v] <= depth2 { labels.data[v] = code("M\(first + best)") }
                }
            }
        }

        let counts = ASPECTSLabelMap.counts(labels)
        for r in ASPECTSRegion.all where counts[r.code] == 0 {
            throw AtlasError(.anatomy, file: file, problem: "the rules gave region \(r) no voxels")
        }
        return Result(labels: labels, midlineX: midline, right: geometries[.right]!, left: geometries[.left]!, parameters: parameters)
    }

    /// Median of the midpoints between the centroids (LPS x) of every reliable Right/Left structure
    /// pair. Also checks the template's labels against its affine: Right structures must lie at
    /// smaller LPS x than their Left partners.
    static func midlineX(_ anatomy: TemplateAnatomy, wx: [Double], file: String) throws -> Double {
        var sum = [Int: Double](), count = [Int: Int]()
        for (v, s) in anatomy.structures.data.enumerated() where s > 0 {
            sum[Int(s), default: 0] += wx[v]; count[Int(s), default: 0] += 1
        }
        var mids: [Double] = [], consistent = 0
        for (r, l) in anatomy.names.bilateralPairs {
            guard let nr = count[r], let nl = count[l], nr >= 20, nl >= 20 else { continue }
            let xr = sum[r]! / Double(nr), xl = sum[l]! / Double(nl)
            mids.append((xr + xl) / 2)
            if xr < xl { consistent += 1 }
        }
        guard mids.count >= 5 else { throw AtlasError(.anatomy, file: file, problem: "fewer than 5 Right/Left structure pairs to find the midline") }
        guard Double(consistent) >= 0.9 * Double(mids.count) else {
            throw AtlasError(.anatomy, file: file, problem: "the Right structures do not lie on the patient's right (LPS x < midline) in \(mids.count - consistent) of \(mids.count) pairs: labels and affine disagree")
        }
        mids.sort()
        return mids.count % 2 == 1 ? mids[mids.count / 2] : (mids[mids.count / 2 - 1] + mids[mids.count / 2]) / 2
    }

    /// Convex hull of `mask` filled within each slice across the head-foot voxel axis.
    static func sliceHulls(_ mask: [Bool], geometry g: Geometry) throws -> [Bool] {
        let axis = SkullStripper.headFootAxis(g)
        let (pa, pb) = axis == 0 ? (1, 2) : (axis == 1 ? (0, 2) : (0, 1))
        let strides = SIMD3(1, g.size.x, g.size.x * g.size.y)
        var out = [Bool](repeating: false, count: mask.count)
        for s in 0..<g.size[axis] {
            var originIndex = SIMD3<Double>(0, 0, 0)
            originIndex[axis] = Double(s)
            let sliceGeometry = Geometry(size: SIMD3(g.size[pa], g.size[pb], 1),
                                         spacing: SIMD3(g.spacing[pa], g.spacing[pb], g.spacing[axis]),
                                         origin: g.worldLPS(originIndex),
                                         direction: [g.direction[pa], g.direction[pb], g.direction[axis]])
            var slice = BinaryMask.emptyMask(sliceGeometry)
            var any = false
            for b in 0..<g.size[pb] { for a in 0..<g.size[pa] where mask[s * strides[axis] + a * strides[pa] + b * strides[pb]] {
                slice.data[b * g.size[pa] + a] = 1; any = true
            } }
            guard any else { continue }
            let hull = try ConvexHull.fill(slice)
            for b in 0..<g.size[pb] { for a in 0..<g.size[pa] where hull.data[b * g.size[pa] + a] != 0 {
                out[s * strides[axis] + a * strides[pa] + b * strides[pb]] = true
            } }
        }
        return out
    }
}

extension Volume where Voxel == UInt8 {
    /// A 0/1 mask from booleans in voxel order.
    static func from(_ flags: [Bool], geometry: Geometry) -> BinaryMask {
        try! BinaryMask(geometry: geometry, data: flags.map { $0 ? 1 : 0 })
    }
}
