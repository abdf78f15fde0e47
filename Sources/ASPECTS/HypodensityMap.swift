import Foundation
import ImageCore

/// Voxel-wise evidence of early ischaemic change: how much darker each brain-tissue voxel is than the
/// same place in the other hemisphere, on the CT's own grid.
///
/// Why voxel-wise: a region's mean against its mirror's (`EarlyIschemicChangeRule`) dilutes a lesion that
/// covers only part of the region, and says nothing about *where* the change is. This map shows it and
/// lets the score count the hypodense share of each region, as commercial tools report it.
///
/// Method:
/// 1. **Tissue**: voxels with HU inside `tissueRange` (10-60 HU) within the union of the ASPECTS labels
///    1-20 dilated by `maskDilationMM` (a box of that half-width in mm per axis, so a lesion edge or a
///    label that stops short of the cortex is still measured; thick slices are not dilated across).
///    CSF, calcification, bone and air never enter a mean.
/// 2. **Sides** from the `MidsagittalPlane` of the label map (so a turned head gets a turned plane).
/// 3. **Local tissue mean of each side**: a Gaussian-weighted normalised convolution,
///    `G*(HU x tissue_side) / G*(tissue_side)`, with the same sigma in millimetres on every axis (so a
///    0.5 x 0.5 x 5 mm grid is smoothed over the same physical neighbourhood as an isotropic one). Only
///    tissue of the voxel's own side is averaged: no CSF, no bone, and no bleeding across the midline.
///    The Gaussian is ImageCore's separable one (`SeparableFilter`, edges replicated).
/// 4. **Mirror**: each tissue voxel's centre is reflected through the plane and the other side's
///    smoothed numerator and denominator are sampled there trilinearly.
/// 5. **Hypodensity** = max(0, mirror mean - own mean) in HU; 0 outside tissue and where either mean
///    rests on less than `minimumWeight` of the kernel's mass of tissue (nothing reliable to compare).
///
/// A voxel is **hypodense** when its hypodensity is at least `thresholdHU`. Reported: hypodense volume
/// per hemisphere (mL, by the plane's side) and, per region, the fraction of its tissue voxels (labelled,
/// HU within the range, exactly those `RegionStatistics` measures) that are hypodense.
///
/// Limitations: as every left-right comparison, it cannot see bilateral symmetric change, and a
/// systematic left-right bias (beam hardening, asymmetric anatomy) shows as hypodensity on one side.
public struct HypodensityMap: Equatable, Sendable {
    public struct Options: Equatable, Sendable, Codable {
        /// Gaussian sigma of the local means, mm (same on every axis).
        public var sigmaMM: Double
        /// Hypodensity at or above which a voxel counts as hypodense, HU.
        public var thresholdHU: Double
        public var tissueRange: HURange
        /// Half-width of the box that dilates the label union into the brain mask, mm per axis (floored
        /// to whole voxels, so 3 mm is 3 voxels at 1 mm, 6 at 0.5 mm and none across 5 mm slices).
        public var maskDilationMM: Double
        /// Smallest share of the Gaussian's mass that must fall on same-side tissue for a local mean.
        public var minimumWeight: Double

        public init(sigmaMM: Double = 2.5, thresholdHU: Double = HypodensityMap.calibratedThresholdHU,
                    tissueRange: HURange = .tissue, maskDilationMM: Double = 3, minimumWeight: Double = 0.1) throws {
            guard sigmaMM.isFinite, sigmaMM > 0 else { throw ASPECTSError.invalidArgument("hypodensity sigma \(sigmaMM) mm must be positive") }
            guard thresholdHU.isFinite, thresholdHU > 0 else {
                throw ASPECTSError.invalidArgument("hypodensity threshold \(thresholdHU) HU must be positive")
            }
            guard maskDilationMM.isFinite, maskDilationMM >= 0 else {
                throw ASPECTSError.invalidArgument("mask dilation \(maskDilationMM) mm must be >= 0")
            }
            guard minimumWeight.isFinite, minimumWeight > 0, minimumWeight < 1 else {
                throw ASPECTSError.invalidArgument("minimum weight \(minimumWeight) must lie in (0, 1)")
            }
            self.sigmaMM = sigmaMM
            self.thresholdHU = thresholdHU
            self.tissueRange = tissueRange
            self.maskDilationMM = maskDilationMM
            self.minimumWeight = minimumWeight
        }

        /// The options the voxel threshold was calibrated with (`HypodensityCalibration`, docs/aspects.md).
        public static let calibrated = try! Options()
    }

    /// Voxel threshold from `HypodensityCalibration.run()` (default seed, 40 cases per kind, sigma
    /// 2.5 mm): the one of 2-5 HU whose fraction rule made the fewest expected wrong region calls. HU.
    public static let calibratedThresholdHU = 3.5

    public let options: Options
    public let plane: MidsagittalPlane
    /// Hypodensity per voxel on the CT grid, HU; 0 outside tissue.
    public let values: Volume<Float>
    /// Hypodense volume, mL: right, left.
    let volumes: [Double]
    /// Indexed by region code (entry 0 unused): hypodense fraction of the region's tissue voxels.
    let fractions: [Double?]

    /// Hypodense tissue volume of one hemisphere (side of the midsagittal plane), mL.
    public func hypodenseVolumeML(_ side: Hemisphere) -> Double { volumes[side == .right ? 0 : 1] }

    /// Fraction (0-1) of region `code`'s tissue voxels that are hypodense; nil without tissue voxels.
    public func hypodenseFraction(of code: Int) -> Double? { (1...20).contains(code) ? fractions[code] : nil }

    public init(ct: Volume<Float>, labels: Volume<UInt8>, options: Options = .calibrated) throws {
        guard ct.components == 1, labels.components == 1 else {
            throw ASPECTSError.invalidArgument("the CT and the label map must be scalar images")
        }
        guard ct.geometry.isClose(to: labels.geometry, tolerance: 1e-3) else {
            throw ASPECTSError.gridMismatch("the label map is not on the CT grid")
        }
        let plane = try MidsagittalPlane(labels: labels)
        self.options = options
        self.plane = plane
        self.values = try HypodensityMap.compute(ct: ct, labels: labels, plane: plane, options: options)
        (fractions, volumes) = HypodensityMap.measure(values: values, ct: ct, labels: labels, plane: plane,
                                                      range: options.tissueRange, thresholdHU: options.thresholdHU)
    }

    /// The same map judged with another voxel threshold (used by the calibration; nothing is recomputed
    /// but the counts).
    public func rethresholded(_ thresholdHU: Double, ct: Volume<Float>, labels: Volume<UInt8>) throws -> HypodensityMap {
        var o = options
        o.thresholdHU = thresholdHU
        let validated = try Options(sigmaMM: o.sigmaMM, thresholdHU: o.thresholdHU, tissueRange: o.tissueRange,
                                    maskDilationMM: o.maskDilationMM, minimumWeight: o.minimumWeight)
        let m = HypodensityMap.measure(values: values, ct: ct, labels: labels, plane: plane, range: o.tissueRange, thresholdHU: thresholdHU)
        return HypodensityMap(options: validated, plane: plane, values: values, volumes: m.volumes, fractions: m.fractions)
    }

    init(options: Options, plane: MidsagittalPlane, values: Volume<Float>, volumes: [Double], fractions: [Double?]) {
        self.options = options
        self.plane = plane
        self.values = values
        self.volumes = volumes
        self.fractions = fractions
    }

    // MARK: - Computation

    static func compute(ct: Volume<Float>, labels: Volume<UInt8>, plane: MidsagittalPlane, options: Options) throws -> Volume<Float> {
        let g = ct.geometry, size = g.size
        var out = Volume<Float>(geometry: g)
        // Work inside the labels' bounding box, padded by the dilation, the kernel and one voxel: nothing
        // outside it can be tissue, and mirrored positions of tissue lie near the other side's labels.
        var lo = SIMD3<Int>(repeating: Int.max), hi = SIMD3<Int>(repeating: Int.min)
        labels.data.withUnsafeBufferPointer { d in
            for k in 0..<size.z { for j in 0..<size.y {
                let row = (k * size.y + j) * size.x
                for i in 0..<size.x where d[row + i] >= 1 && d[row + i] <= 20 {
                    let p = SIMD3(i, j, k)
                    lo = pointwiseMin(lo, p)
                    hi = pointwiseMax(hi, p)
                }
            } }
        }
        guard lo.x <= hi.x else { throw ASPECTSError.noRegions("the label map contains no voxel labelled 1-20") }
        let kernel = try SeparableFilter.gaussian(sigmaMM: SIMD3(repeating: options.sigmaMM), spacing: g.spacing)
        let dilation = SIMD3<Int>((0..<3).map { Int(options.maskDilationMM / g.spacing[$0] + 1e-9) })
        let kernelRadius = SIMD3<Int>(kernel.halfKernels.map { $0.count - 1 })
        let pad = dilation &+ kernelRadius &+ 1
        let lower = pointwiseMax(lo &- pad, .zero)
        let upper = pointwiseMin(hi &+ pad, size &- 1)
        let n = upper &- lower &+ 1
        let nx = n.x, ny = n.y, nz = n.z, count = nx * ny * nz

        // Brain mask: label union dilated by a box (any labelled voxel within the box's reach).
        var mask = [Float](repeating: 0, count: count)
        for k in 0..<nz { for j in 0..<ny {
            let src = ((lower.z + k) * size.y + lower.y + j) * size.x + lower.x
            let dst = (k * ny + j) * nx
            for i in 0..<nx {
                let l = labels.data[src + i]
                if l >= 1 && l <= 20 { mask[dst + i] = 1 }
            }
        } }
        if dilation != .zero {
            let box = try SeparableFilter.box(radius: dilation)
            mask.withUnsafeMutableBufferPointer { m in box.apply(UnsafePointer(m.baseAddress!), into: m.baseAddress!, size: n) }
        }

        // Tissue per side: weight (1 where tissue of that side) and weighted HU, right then left.
        // side[v]: 0 not tissue, 1 right, 2 left.
        var side = [UInt8](repeating: 0, count: count)
        var wR = [Float](repeating: 0, count: count), vR = wR, wL = wR, vL = wR
        let affine = g.affineLPS
        let world0 = affine.apply(SIMD3<Double>(lower))
        let step = affine.linearColumns  // world displacement per voxel along i, j, k
        let dStep = step.map { ($0 * plane.normal).sum() }
        let d0 = plane.signedDistance(world0)
        let range = options.tissueRange
        side.withUnsafeMutableBufferPointer { sb in
            wR.withUnsafeMutableBufferPointer { wrb in vR.withUnsafeMutableBufferPointer { vrb in
            wL.withUnsafeMutableBufferPointer { wlb in vL.withUnsafeMutableBufferPointer { vlb in
            mask.withUnsafeBufferPointer { mb in
                let s = sb, wr = wrb, vr = vrb, wl = wlb, vl = vlb, m = mb
                ct.data.withUnsafeBufferPointer { hu in
                    parallelFor(nz) { k in
                        for j in 0..<ny {
                            let src = ((lower.z + k) * size.y + lower.y + j) * size.x + lower.x
                            let dst = (k * ny + j) * nx
                            let rowD = d0 + Double(j) * dStep[1] + Double(k) * dStep[2]
                            for i in 0..<nx where m[dst + i] > 0 {
                                let v = hu[src + i]
                                guard range.contains(v) else { continue }
                                if rowD + Double(i) * dStep[0] < 0 {
                                    s[dst + i] = 1; wr[dst + i] = 1; vr[dst + i] = v
                                } else {
                                    s[dst + i] = 2; wl[dst + i] = 1; vl[dst + i] = v
                                }
                            }
                        }
                    }
                }
            } } } } }
        }
        mask = []
        func smooth(_ a: inout [Float]) {
            a.withUnsafeMutableBufferPointer { b in kernel.apply(UnsafePointer(b.baseAddress!), into: b.baseAddress!, size: n) }
        }
        smooth(&wR); smooth(&vR); smooth(&wL); smooth(&vL)

        // Crop index -> crop index of the mirror position: an affine map (reflection between two affines).
        let inverse = g.inverseAffineLPS
        func mirror(_ c: SIMD3<Double>) -> SIMD3<Double> {
            inverse.apply(plane.reflect(affine.apply(c + SIMD3<Double>(lower)))) - SIMD3<Double>(lower)
        }
        let m0 = mirror(.zero)
        let mCols = (0..<3).map { a -> SIMD3<Double> in
            var e = SIMD3<Double>.zero
            e[a] = 1
            return mirror(e) - m0
        }
        let minWeight = Float(options.minimumWeight)
        let limit = SIMD3<Double>(n &- 1)
        let rows = ny * nz
        out.data.withUnsafeMutableBufferPointer { ob in
            let o = ob
            side.withUnsafeBufferPointer { s in
                wR.withUnsafeBufferPointer { wR in vR.withUnsafeBufferPointer { vR in
                wL.withUnsafeBufferPointer { wL in vL.withUnsafeBufferPointer { vL in
                    parallelChunks(rows, minChunk: 8) { chunk in
                        for r in chunk {
                            let j = r % ny, k = r / ny
                            let base = r * nx
                            let rowStart = m0 + Double(j) * mCols[1] + Double(k) * mCols[2]
                            let dst = ((lower.z + k) * size.y + lower.y + j) * size.x + lower.x
                            for i in 0..<nx {
                                let sd = s[base + i]
                                guard sd != 0 else { continue }
                                let (ownW, ownV, mW, mV) = sd == 1 ? (wR, vR, wL, vL) : (wL, vL, wR, vR)
                                let w = ownW[base + i]
                                guard w >= minWeight else { continue }
                                let own = ownV[base + i] / w
                                let c = rowStart + Double(i) * mCols[0]
                                guard c.x >= 0, c.y >= 0, c.z >= 0, c.x <= limit.x, c.y <= limit.y, c.z <= limit.z else { continue }
                                let (mw, mv) = trilinear(mW, mV, at: c, n: n)
                                guard mw >= minWeight else { continue }
                                let h = mv / mw - own
                                if h > 0 { o[dst + i] = h }
                            }
                        }
                    }
                } } } }
            }
        }
        return out
    }

    /// Trilinear samples of two fields (same grid `n`) at continuous index `c` inside the grid.
    @inline(__always)
    static func trilinear(_ a: UnsafeBufferPointer<Float>, _ b: UnsafeBufferPointer<Float>, at c: SIMD3<Double>,
                          n: SIMD3<Int>) -> (Float, Float) {
        let i0 = Swift.min(Int(c.x), n.x - 1), j0 = Swift.min(Int(c.y), n.y - 1), k0 = Swift.min(Int(c.z), n.z - 1)
        let fx = Float(c.x - Double(i0)), fy = Float(c.y - Double(j0)), fz = Float(c.z - Double(k0))
        let dx = i0 + 1 < n.x ? 1 : 0, dy = j0 + 1 < n.y ? n.x : 0, dz = k0 + 1 < n.z ? n.x * n.y : 0
        let p = (k0 * n.y + j0) * n.x + i0
        func lerp3(_ f: UnsafeBufferPointer<Float>) -> Float {
            let c00 = f[p] + fx * (f[p + dx] - f[p])
            let c10 = f[p + dy] + fx * (f[p + dy + dx] - f[p + dy])
            let c01 = f[p + dz] + fx * (f[p + dz + dx] - f[p + dz])
            let c11 = f[p + dz + dy] + fx * (f[p + dz + dy + dx] - f[p + dz + dy])
            let c0 = c00 + fy * (c10 - c00), c1 = c01 + fy * (c11 - c01)
            return c0 + fz * (c1 - c0)
        }
        return (lerp3(a), lerp3(b))
    }

    /// Hypodense fraction per region and hypodense volume per hemisphere at `thresholdHU`.
    static func measure(values: Volume<Float>, ct: Volume<Float>, labels: Volume<UInt8>, plane: MidsagittalPlane,
                        range: HURange, thresholdHU: Double) -> (fractions: [Double?], volumes: [Double]) {
        let size = values.size
        let t = Float(thresholdHU)
        let affine = values.geometry.affineLPS
        // Per slice: tissue and hypodense counts per code, hypodense voxels per side; summed in slice order.
        let partial = parallelMapBlocks(size.z, blockSize: 1) { ks -> (tissue: [Int], hypo: [Int], sides: [Int]) in
            var tissue = [Int](repeating: 0, count: 21), hypo = [Int](repeating: 0, count: 21), sides = [0, 0]
            for k in ks { for j in 0..<size.y {
                let row = (k * size.y + j) * size.x
                for i in 0..<size.x {
                    let v = values.data[row + i]
                    let dark = v >= t
                    if dark {
                        let p = affine.apply(SIMD3(Double(i), Double(j), Double(k)))
                        sides[plane.signedDistance(p) < 0 ? 0 : 1] += 1
                    }
                    let l = Int(labels.data[row + i])
                    guard l >= 1 && l <= 20, range.contains(ct.data[row + i]) else { continue }
                    tissue[l] += 1
                    if dark { hypo[l] += 1 }
                }
            } }
            return (tissue, hypo, sides)
        }
        var tissue = [Int](repeating: 0, count: 21), hypo = [Int](repeating: 0, count: 21), sides = [0, 0]
        for p in partial {
            for c in 0..<21 { tissue[c] += p.tissue[c]; hypo[c] += p.hypo[c] }
            sides[0] += p.sides[0]; sides[1] += p.sides[1]
        }
        let voxelML = values.geometry.spacing.x * values.geometry.spacing.y * values.geometry.spacing.z / 1000
        let fractions: [Double?] = (0..<21).map { $0 == 0 || tissue[$0] == 0 ? nil : Double(hypo[$0]) / Double(tissue[$0]) }
        return (fractions, sides.map { Double($0) * voxelML })
    }
}
