import ASPECTS
import Foundation
import ImageCore
import Morphology

/// The rules that decide what of a scan may be scored. Each gate is a documented rule with a limit;
/// docs/quality-gates.md lists them with how each limit was calibrated. A gate refuses the regions it
/// names (or the whole scan) or only warns; the scorer then gives a hemisphere a number only when all
/// its regions passed (`ASPECTSResult.score(_:)`).
///
/// Gates run at three moments: on the image before any labelling (`image`), on each method's labels
/// (`labels`), and across methods when both ran (`agreement`).
public struct QualityGates: Sendable {
    public struct Limits: Sendable, Codable, Equatable {
        /// Largest acquired slice spacing (mm along the slice normal) that can show the ASPECTS regions.
        public var maximumSliceSpacingMM = 10.0
        /// Brain volume found by skull stripping (mL): outside it, the scan is not a usable adult head.
        public var brainVolumeML: ClosedRange<Double> = 700...2100
        /// Share of a region's atlas voxels inside the field of view (atlas method).
        public var minimumFieldOfViewFraction = 0.9
        /// A region's volume against its expected volume (atlas volume scaled by brain size).
        public var regionVolumeRatio: ClosedRange<Double> = 0.35...2.5
        /// A region's volume against its mirror region's.
        public var leftRightRatio: ClosedRange<Double> = 0.45...2.2
        /// NCC between the atlas template and the registered scan within the brain (atlas method); a
        /// warning only: it depends on how much anatomy the scan shows inside the brain (noise, slice
        /// thickness), and the failures it would catch are refused by the coverage, affine and volume gates.
        public var minimumNCC = 0.3
        /// Share of folded (Jacobian <= 0) voxels in the deformable warp.
        public var maximumFoldedFraction = 0.001
        /// Length of each atlas axis after the affine stage; the largest ratio between the two in-plane
        /// axes (heads differ in shape: the real GE head is 1.15 wider than the template for its length);
        /// and the largest ratio between the vertical axis and the in-plane mean, either way: a linear
        /// stage that fits the neck or the scalp stretches the atlas vertically.
        public var affineScale: ClosedRange<Double> = 0.75...1.35
        public var maximumInPlaneAnisotropy = 1.3
        public var maximumVerticalStretch = 1.15
        /// Share of a region's labelled voxels on the first or last slice (head-foot): a region cut by
        /// the field of view (any method).
        public var maximumEdgeSliceFraction = 0.2
        /// Brain tissue must vary like brain: a phantom's or a water bath's interior is nearly
        /// uniform. Standard deviation (HU) of the stripped brain's 0-80 HU voxels, smoothed.
        public var minimumTissueSDHU = 3.0
        /// Share of brain voxels above 90 HU (enhanced vessels, sinuses; contrast agent).
        public var maximumBrightFraction = 0.04
        /// Metal: voxels at or above `metalHU` (scanners saturate near 3,071 HU; the densest bone, the
        /// petrous ridge, stays below 3,000) inside the cranial cavity (the brain mask grown by
        /// `metalMarginMM`: clips and coils sit in sulci and cisterns the stripping leaves out). More than
        /// `maximumIntracranialMetalML` of it refuses the scan: its streaks shift the HU of the tissue
        /// around it by tens of HU, far more than the 3-8 HU an early infarct shows. Dental fillings and
        /// earrings lie outside the cavity and do not count.
        public var metalHU: Float = 3000
        public var metalMarginMM = 5.0
        public var maximumIntracranialMetalML = 0.02
        /// Per-region Dice between the two methods below which a warning is shown.
        public var agreementWarningDice = 0.3

        public init() {}
    }

    public var limits: Limits

    public init(limits: Limits = Limits()) { self.limits = limits }

    // MARK: image

    /// What the image tells before labelling: slice spacing, whether it is a head with a plausible
    /// brain, whether the brain tissue looks like brain (not a phantom), contrast. `acquiredSpacingMM`
    /// is the largest spacing between acquired slices (the converted grid may be finer).
    public func image(_ scan: Volume<Float>, acquiredSpacingMM: Double?, stripper: SkullStripper = SkullStripper()) -> (findings: [GateFinding], brain: SkullStripper.Result?) {
        var out: [GateFinding] = []
        let spacing = acquiredSpacingMM ?? scan.geometry.spacing[SkullStripper.headFootAxis(scan.geometry)]
        if spacing > limits.maximumSliceSpacingMM {
            out.append(GateFinding(gate: "slice_spacing", severity: .refuse,
                                   message: String(format: "slices %.1f mm apart (limit %.0f mm): too thick to judge the ASPECTS regions", spacing, limits.maximumSliceSpacingMM)))
        }
        // Judged on a copy at 1.5 mm or coarser (averaged like a larger voxel would): the figures are
        // brain-sized, and a 512x512x150 grid would take the gates ten seconds instead of one.
        let coarse = Self.atMost(scan, spacingMM: 1.5)
        let strip: SkullStripper.Result
        do { strip = try stripper.strip(coarse, name: "scan") } catch {
            out.append(GateFinding(gate: "head", severity: .refuse, message: "no brain found inside a skull: \(error)"))
            return (out, nil)
        }
        let ml = strip.brainVolumeML
        if !limits.brainVolumeML.contains(ml) {
            out.append(GateFinding(gate: "head", severity: .refuse, message: String(
                format: "skull stripping found %.0f mL of brain (an adult head holds %.0f-%.0f mL): not a usable head CT, or the head is only partly in the field of view",
                ml, limits.brainVolumeML.lowerBound, limits.brainVolumeML.upperBound)))
            return (out, strip)
        }
        let t = Self.tissueFigures(coarse, mask: strip.mask)
        if t.sd < limits.minimumTissueSDHU {
            out.append(GateFinding(gate: "not_brain", severity: .refuse, message: String(
                format: "the tissue inside the skull is nearly uniform (SD %.1f HU after light smoothing, a brain shows at least %.1f): a phantom or water bath, not a brain",
                t.sd, limits.minimumTissueSDHU)))
        }
        let metalML = Self.intracranialMetalML(scan, brainMask: strip.mask, thresholdHU: limits.metalHU, marginMM: limits.metalMarginMM)
        if metalML > limits.maximumIntracranialMetalML {
            out.append(GateFinding(gate: "metal", severity: .refuse, message: String(
                format: "%.2f mL of metal (%.0f HU or more) inside the skull: its streaks change the HU of the brain around it, so hypodensity cannot be judged",
                metalML, limits.metalHU)))
        }
        if t.brightFraction > limits.maximumBrightFraction {
            out.append(GateFinding(gate: "contrast", severity: .refuse, message: String(
                format: "%.1f %% of the brain is brighter than 90 HU (limit %.1f %%): contrast agent, haemorrhage or metal; ASPECTS is read on non-contrast CT",
                100 * t.brightFraction, 100 * limits.maximumBrightFraction)))
        }
        return (out, strip)
    }

    /// `v` resampled to at least `spacingMM` per axis (Gaussian of matching width first); `v` itself
    /// when it is already that coarse.
    static func atMost(_ v: Volume<Float>, spacingMM: Double) -> Volume<Float> {
        let s = v.geometry.spacing
        guard (0..<3).contains(where: { s[$0] < spacingMM * 0.9 }) else { return v }
        let target = SIMD3<Double>((0..<3).map { Swift.max(s[$0], spacingMM) })
        var sigma = SIMD3<Double>(repeating: 0)
        for a in 0..<3 where target[a] > s[a] {
            let t = target[a], own = s[a]
            sigma[a] = (t * t - own * own).squareRoot() / 2.355
        }
        do {
            let smoothed = try v.gaussianSmoothed(sigmaMM: sigma)
            return try smoothed.resampled(to: v.geometry.resampled(spacing: target), interpolation: Interpolation.linear, outsideValue: Double(v.data.min() ?? -1024))
        } catch {
            return v
        }
    }

    /// Volume (mL) of voxels of `scan` at or above `thresholdHU` that lie within `marginMM` of the brain
    /// mask (which may be on a coarser grid of the same space). The full-resolution scan is searched, so a
    /// 2 mm clip is not averaged away.
    static func intracranialMetalML(_ scan: Volume<Float>, brainMask: BinaryMask, thresholdHU: Float, marginMM: Double) -> Double {
        let g = scan.geometry, s = g.spacing
        var metal: [SIMD3<Double>] = []
        for k in 0..<g.size.z { for j in 0..<g.size.y { for i in 0..<g.size.x where scan[i, j, k] >= thresholdHU {
            metal.append(SIMD3(Double(i), Double(j), Double(k)))
        } } }
        // Most scans have none: no distance transform then.
        guard !metal.isEmpty, let cavity = try? BinaryMorphology.dilate(brainMask, radius: marginMM) else { return 0 }
        let mg = cavity.geometry
        let toMask = mg.inverseAffineLPS, toWorld = g.affineLPS
        let inside = metal.filter { p in
            let q = toMask.apply(toWorld.apply(p)).rounded(.toNearestOrAwayFromZero)
            let x = Int(q.x), y = Int(q.y), z = Int(q.z)
            return x >= 0 && y >= 0 && z >= 0 && x < mg.size.x && y < mg.size.y && z < mg.size.z && cavity[x, y, z] != 0
        }
        return Double(inside.count) * s.x * s.y * s.z / 1000
    }

    /// Spread and bright share of the stripped brain's voxels (the mask eroded so the rim at the inner
    /// table does not count). The spread is measured after a 1 mm Gaussian so that noise alone (a
    /// phantom scanned at a low dose) does not pass for anatomy.
    static func tissueFigures(_ scan: Volume<Float>, mask: BinaryMask) -> (sd: Double, brightFraction: Double) {
        let smoothed = (try? scan.gaussianSmoothed(sigmaMM: 1.0)) ?? scan
        let inner = (try? BinaryMorphology.erode(mask, radius: 4)) ?? mask
        var n = 0, bright = 0
        var sum = 0.0, sum2 = 0.0, m = 0
        for q in inner.data.indices where inner.data[q] != 0 {
            n += 1
            let v = Double(scan.data[q])
            if v > 90 { bright += 1 }
            let s = Double(smoothed.data[q])
            if v >= 0 && v <= 80 { sum += s; sum2 += s * s; m += 1 }
        }
        let mean = m > 0 ? sum / Double(m) : 0
        let sd = m > 1 ? max(0, sum2 / Double(m) - mean * mean).squareRoot() : 0
        return (sd, n > 0 ? Double(bright) / Double(n) : 0)
    }

    // MARK: labels

    /// One method's labels: regions cut by the field of view, regions too small or too large for the
    /// brain, left-right volume mismatch, and (atlas method, from `qa`) registration quality.
    /// `expectedML` is each region's expected volume by code (index 1...20).
    public func labels(_ labels: Volume<UInt8>, expectedML: [Double]?, qa: LabelingQA?) -> [GateFinding] {
        var out: [GateFinding] = []
        let g = labels.geometry
        let voxelML = g.spacing.x * g.spacing.y * g.spacing.z / 1000
        let axis = SkullStripper.headFootAxis(g)
        var count = [Int](repeating: 0, count: 21), edge = [Int](repeating: 0, count: 21)
        let s = g.size
        for k in 0..<s.z { for j in 0..<s.y { for i in 0..<s.x {
            let l = Int(labels.data[labels.linearIndex(i, j, k)])
            guard l >= 1 && l <= 20 else { continue }
            count[l] += 1
            let c = [i, j, k][axis]
            if c == 0 || c == s[axis] - 1 { edge[l] += 1 }
        } } }
        let ml = count.map { Double($0) * voxelML }

        // Coverage: from the registration when known, else from the labels touching the end slices.
        var uncovered: [Int] = []
        var coverageText: [String] = []
        for r in ASPECTSRegion.all {
            if let f = qa?.fieldOfViewFractions?[String(r.code)] {
                if f < limits.minimumFieldOfViewFraction {
                    uncovered.append(r.code); coverageText.append(String(format: "%@ %.0f %%", r.description, 100 * f))
                }
            } else if count[r.code] > 0 && Double(edge[r.code]) / Double(count[r.code]) > limits.maximumEdgeSliceFraction {
                uncovered.append(r.code)
                coverageText.append(String(format: "%@ %.0f %% on the edge slices", r.description, 100 * Double(edge[r.code]) / Double(count[r.code])))
            }
        }
        if !uncovered.isEmpty {
            out.append(GateFinding(gate: "coverage", severity: .refuse, message: String(
                format: "field of view: %@ of the region(s) inside the scanned range (needs %.0f %% with a 3 mm margin); the series does not cover both ASPECTS levels",
                coverageText.joined(separator: ", "), 100 * limits.minimumFieldOfViewFraction), regions: uncovered))
        }

        // Volumes against the expected and against the mirror.
        if let expected = expectedML {
            var bad: [Int] = [], text: [String] = []
            for r in ASPECTSRegion.all where !uncovered.contains(r.code) && expected[r.code] > 0 {
                let ratio = ml[r.code] / expected[r.code]
                if !limits.regionVolumeRatio.contains(ratio) {
                    bad.append(r.code); text.append(String(format: "%@ %.1f mL (expected %.1f)", r.description, ml[r.code], expected[r.code]))
                }
            }
            if !bad.isEmpty {
                out.append(GateFinding(gate: "region_volume", severity: .refuse, message: String(
                    format: "region size implausible for this brain: %@ (allowed %.2f-%.1f x expected)", text.joined(separator: ", "),
                    limits.regionVolumeRatio.lowerBound, limits.regionVolumeRatio.upperBound), regions: bad))
            }
        }
        var lr: [Int] = [], lrText: [String] = []
        for r in ASPECTSRegion.regions(of: .right) where !uncovered.contains(r.code) && !uncovered.contains(r.mirrorCode) {
            let a = ml[r.code], b = ml[r.mirrorCode]
            let ratio = b > 0 ? a / b : (a > 0 ? Double.infinity : 1)
            if !limits.leftRightRatio.contains(ratio) {
                lr += [r.code, r.mirrorCode]
                lrText.append(String(format: "%@ %.1f mL vs left %.1f mL", r.description, a, b))
            }
        }
        if !lr.isEmpty {
            out.append(GateFinding(gate: "left_right_volume", severity: .refuse, message: String(
                format: "left and right regions differ in size beyond %.2f-%.1f: %@", limits.leftRightRatio.lowerBound,
                limits.leftRightRatio.upperBound, lrText.joined(separator: ", ")), regions: lr))
        }

        if let q = qa {
            if let ncc = q.nccFinal, ncc < limits.minimumNCC {
                out.append(GateFinding(gate: "registration", severity: .warning, message: String(
                    format: "the scan does not match the atlas after registration (NCC %.2f, needs %.2f)", ncc, limits.minimumNCC)))
            }
            if let f = q.foldedFraction, f > limits.maximumFoldedFraction {
                out.append(GateFinding(gate: "registration", severity: .refuse, message: String(
                    format: "the deformation folds %.2f %% of the brain (limit %.2f %%)", 100 * f, 100 * limits.maximumFoldedFraction)))
            }
            if let sc = q.affineScales, sc.count == 3 {
                let inPlane = max(sc[0], sc[1]) / min(sc[0], sc[1])
                let vertical = sc[2] / ((sc[0] + sc[1]) / 2)
                if !sc.allSatisfy(limits.affineScale.contains) || inPlane > limits.maximumInPlaneAnisotropy
                    || max(vertical, 1 / vertical) > limits.maximumVerticalStretch {
                    out.append(GateFinding(gate: "affine", severity: .refuse, message: String(
                        format: "the linear stage scaled the atlas by %.2f / %.2f / %.2f (left-right / front-back / vertical; allowed %.2f-%.2f each, vertical at most %.2f times the in-plane mean): it fitted something other than the brain",
                        sc[0], sc[1], sc[2], limits.affineScale.lowerBound, limits.affineScale.upperBound, limits.maximumVerticalStretch)))
                }
            }
        }
        return out
    }

    /// Per-region Dice of the two methods' labels, and a warning for each region below the limit.
    public func agreement(_ a: Volume<UInt8>, _ b: Volume<UInt8>) -> (dice: [Double?], findings: [GateFinding]) {
        var inter = [Int](repeating: 0, count: 21), na = inter, nb = inter
        for q in a.data.indices {
            let x = Int(a.data[q]), y = Int(b.data[q])
            if x <= 20 { na[x] += 1 }
            if y <= 20 { nb[y] += 1 }
            if x == y && x <= 20 { inter[x] += 1 }
        }
        var dice = [Double?](repeating: nil, count: 21)
        for c in 1...20 where na[c] + nb[c] > 0 {
            dice[c] = 2 * Double(inter[c]) / Double(na[c] + nb[c])
        }
        let low = ASPECTSRegion.all.filter { (dice[$0.code] ?? 0) < limits.agreementWarningDice }
        guard !low.isEmpty else { return (dice, []) }
        let text = low.map { String(format: "%@ %.2f", $0.description, dice[$0.code] ?? 0) }.joined(separator: ", ")
        return (dice, [GateFinding(gate: "agreement", severity: .warning, message: String(
            format: "the atlas and U-Net regions disagree (Dice below %.2f): %@", limits.agreementWarningDice, text), regions: low.map(\.code))])
    }
}
