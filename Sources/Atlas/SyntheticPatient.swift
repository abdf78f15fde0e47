import ASPECTS
import Foundation
import ImageCore
import Morphology
import Registration

/// A generated "patient" whose ASPECTS labels are known exactly: the atlas template with skull moved
/// into a scanner frame by a known random affine and a known random smooth deformation, with CT noise,
/// plus a legacy-style outline overlay (the outlines of the true regions on some axial slices, sampled
/// sparsely as a point cloud, as old ASPECTS annotations were stored in DICOM overlay planes).
///
/// Everything is pulled through one truth map, native point -> atlas point, so the true native labels
/// are the atlas labels read through exactly the map the image was made with: a label transfer that
/// recovers the map recovers the labels. Generation is deterministic for a seed, so tests and the
/// pipeline can regenerate the same patient anywhere.
public struct SyntheticPatient: Sendable {
    public struct Parameters: Sendable {
        /// Native voxel spacing (mm); nil keeps the atlas spacing.
        public var spacing: SIMD3<Double>? = nil
        /// Largest length (mm) of the smooth deformation's displacements.
        public var maximumDisplacementMM = 5.0
        /// Gaussian smoothness (mm) of the random deformation: larger is smoother.
        public var deformationSigmaMM = 16.0
        /// Rotation about each axis is uniform in +-this many degrees.
        public var maximumRotationDegrees = 10.0
        /// Scale along each axis is uniform in 1 +- this.
        public var maximumScale = 0.08
        /// Off-diagonal shear terms are uniform in +-this.
        public var maximumShear = 0.03
        /// Translation along each axis is uniform in +-this many mm.
        public var maximumTranslationMM = 10.0
        /// Standard deviation of the added Gaussian CT noise (HU).
        public var noiseSD = 6.0
        /// HU given to the air around the head (the template stores it as 0).
        public var airHU: Float = -1000
        /// Air margin (mm) around the head in the native field of view.
        public var marginMM = 12.0
        /// Distance (mm) between the axial slices that carry outlines; 0 outlines every slice.
        public var overlaySliceSpacingMM = 6.0
        /// Fraction of each outline's voxels kept in the point cloud.
        public var overlayPointFraction = 0.35
        public var seed: UInt64 = 1

        public init() {}
    }

    /// Native head CT in HU, with noise.
    public let ct: Volume<Float>
    /// The true native labels (20-label convention) on the CT's grid.
    public let labels: Volume<UInt8>
    /// The outline point cloud on the CT's grid (1 on a point).
    public let overlay: Volume<UInt8>
    /// The truth: native LPS point -> atlas LPS point (the field first, then the affine).
    public let nativeToAtlas: TransformChain
    public let affine: AffineTransform3D
    /// The smooth deformation on the native grid.
    public let deformation: DisplacementField

    /// Generates a patient from an atlas template with skull and the atlas labels on the same grid.
    public static func generate(templateWithSkull head: Volume<Float>, labels atlasLabels: Volume<UInt8>,
                                parameters p: Parameters = Parameters()) throws -> SyntheticPatient {
        guard head.components == 1, atlasLabels.components == 1,
              atlasLabels.geometry.isClose(to: head.geometry, tolerance: 1e-3) else {
            throw AtlasError(.invalidContent, file: "atlas", problem: "the template with skull and the labels must be scalar images on one grid")
        }
        guard p.maximumDisplacementMM >= 0, p.deformationSigmaMM > 0, p.noiseSD >= 0, p.marginMM >= 0,
              (0...1).contains(p.overlayPointFraction), p.overlaySliceSpacingMM >= 0,
              p.spacing.map({ $0.min() > 0 }) ?? true else {
            throw AtlasError(.invalidContent, file: "synthetic patient", problem: "parameters out of range (negative sizes, fraction outside 0...1)")
        }
        var rng = SplitMix64(seed: p.seed)
        let headHU = withAir(head, airHU: p.airHU)

        // 1. the affine, native -> atlas, about the head's centre
        let headMask = headHU.thresholded(lower: Double(p.airHU) + 1)
        let box = try headMask.boundingBox()
        let centre = head.geometry.worldLPS((SIMD3<Double>(box.lower) + SIMD3<Double>(box.upper)) / 2)
        func uniform(_ r: Double) -> Double { (2 * rng.uniform() - 1) * r }
        let angles = SIMD3(uniform(1), uniform(1), uniform(1)) * (p.maximumRotationDegrees * .pi / 180)
        let rotation = AffineTransform3D.rigid(angles: angles, translation: .zero, center: .zero).linear
        let scaleShear = [1 + uniform(p.maximumScale), uniform(p.maximumShear), uniform(p.maximumShear),
                          uniform(p.maximumShear), 1 + uniform(p.maximumScale), uniform(p.maximumShear),
                          uniform(p.maximumShear), uniform(p.maximumShear), 1 + uniform(p.maximumScale)]
        var linear = [Double](repeating: 0, count: 9)
        for r in 0..<3 { for c in 0..<3 { linear[r * 3 + c] = (0..<3).reduce(0) { $0 + rotation[r * 3 + $1] * scaleShear[$1 * 3 + c] } } }
        let translation = SIMD3(uniform(p.maximumTranslationMM), uniform(p.maximumTranslationMM), uniform(p.maximumTranslationMM))
        let affine = AffineTransform3D(linear: linear, translation: translation, center: centre)
        guard let toNative = affine.inverse else {
            throw AtlasError(.invalidContent, file: "synthetic patient", problem: "the random affine is singular")
        }

        // 2. the native field of view: the head's box carried into the scanner frame, plus margins
        let spacing = p.spacing ?? head.geometry.spacing
        var lo = SIMD3<Double>(repeating: .infinity), hi = SIMD3<Double>(repeating: -.infinity)
        for c in 0..<8 {
            let ijk = SIMD3<Double>(Double(c & 1 == 0 ? box.lower.x : box.upper.x), Double(c & 2 == 0 ? box.lower.y : box.upper.y),
                                    Double(c & 4 == 0 ? box.lower.z : box.upper.z))
            let x = toNative.apply(head.geometry.worldLPS(ijk))
            lo = pointwiseMin(lo, x)
            hi = pointwiseMax(hi, x)
        }
        let pad = p.marginMM + p.maximumDisplacementMM
        lo -= pad
        hi += pad
        let size = SIMD3<Int>((0..<3).map { Int(((hi[$0] - lo[$0]) / spacing[$0]).rounded(.up)) + 1 })
        let native = Geometry(size: size, spacing: spacing, origin: lo)

        // 3. the smooth deformation: Gaussian-filtered white noise on a coarse grid, scaled so its longest
        //    displacement within the head is the maximum asked for. The noise grid extends 3 sigma
        //    beyond the field of view, so the filter's border (where fewer samples average and the field
        //    grows) lies outside it and the deformation is statistically the same everywhere in the head.
        let coarseSpacing = Swift.max(spacing.max(), p.deformationSigmaMM / 4)
        let border = 3 * p.deformationSigmaMM
        let coarseSize = SIMD3<Int>((0..<3).map { Int(((hi[$0] - lo[$0] + 2 * border) / coarseSpacing).rounded(.up)) + 1 })
        let coarse = Geometry(size: coarseSize, spacing: SIMD3(repeating: coarseSpacing), origin: lo - border)
        var noise = Volume<Float>(geometry: coarse, components: 3)
        for q in 0..<noise.data.count { noise.data[q] = Float(rng.gaussian()) }
        var smooth = try SeparableFilter.gaussian(sigmaMM: SIMD3(repeating: p.deformationSigmaMM), spacing: coarse.spacing)
            .apply(to: noise)
        let n = coarse.voxelCount
        var longest: Float = 0
        let headBox = (lo + pad, hi - pad)
        for k in 0..<coarseSize.z { for j in 0..<coarseSize.y { for i in 0..<coarseSize.x {
            let x = coarse.worldLPS(SIMD3(Double(i), Double(j), Double(k)))
            guard x.x >= headBox.0.x, x.y >= headBox.0.y, x.z >= headBox.0.z,
                  x.x <= headBox.1.x, x.y <= headBox.1.y, x.z <= headBox.1.z else { continue }
            let q = coarse.size.x * (coarse.size.y * k + j) + i
            let v = SIMD3(smooth.data[q], smooth.data[n + q], smooth.data[2 * n + q])
            longest = Swift.max(longest, (v * v).sum().squareRoot())
        } } }
        let factor = longest > 0 ? Float(p.maximumDisplacementMM) / longest : 0
        for q in 0..<smooth.data.count { smooth.data[q] *= factor }
        let deformation = try DisplacementField(worldVolume: smooth).resampled(to: native)

        // 4. image, labels and outline through the truth map
        let truth = TransformChain([.field(deformation), .affine(affine)])
        var ct = try truth.resample(headHU, onto: native, interpolation: .linear, outside: p.airHU)
        if p.noiseSD > 0 {
            let sd = Float(p.noiseSD)
            for q in 0..<ct.data.count { ct.data[q] += sd * Float(rng.gaussian()) }
        }
        let labels = try truth.resample(atlasLabels.converted(to: Float.self), onto: native, interpolation: .label, outside: 0)
            .converted(to: UInt8.self)
        let overlay = outlineOverlay(labels, sliceSpacingMM: p.overlaySliceSpacingMM, fraction: p.overlayPointFraction, rng: &rng)
        return SyntheticPatient(ct: ct, labels: labels, overlay: overlay, nativeToAtlas: truth, affine: affine,
                                deformation: deformation)
    }

    /// The outlines of `labels` on axial slices `sliceSpacingMM` apart, each outline voxel kept with
    /// probability `fraction`.
    public static func outlineOverlay(_ labels: Volume<UInt8>, sliceSpacingMM: Double, fraction: Double,
                                      rng: inout SplitMix64) -> Volume<UInt8> {
        let axis = SkullStripper.headFootAxis(labels.geometry)
        let outline = LabelBoundaries.mask(labels, inPlaneOf: axis)
        let step = Swift.max(1, Int((sliceSpacingMM / labels.geometry.spacing[axis]).rounded()))
        var out = Volume<UInt8>(geometry: labels.geometry)
        let s = labels.size
        for k in 0..<s.z { for j in 0..<s.y { for i in 0..<s.x {
            let q = labels.linearIndex(i, j, k)
            guard outline.data[q] != 0 else { continue }
            let slice = SIMD3(i, j, k)[axis]
            if slice % step == 0 && rng.uniform() < fraction { out.data[q] = 1 }
        } } }
        return out
    }

    /// The template with the exact-zero (or below -500 HU) background connected to the grid border set
    /// to `airHU`: the public template stores air as 0, which no scanner does.
    public static func withAir(_ head: Volume<Float>, airHU: Float) -> Volume<Float> {
        let candidates = head.map { ($0 == 0 || $0 < -500) ? UInt8(1) : UInt8(0) }
        let components = ConnectedComponents(candidates, connectivity: .six)
        let s = head.size
        var border = Set<Int32>()
        for k in 0..<s.z { for j in 0..<s.y { for i in 0..<s.x
            where i == 0 || j == 0 || k == 0 || i == s.x - 1 || j == s.y - 1 || k == s.z - 1 {
            let l = components.labels[i, j, k]
            if l != 0 { border.insert(l) }
        } } }
        var out = head
        for q in 0..<out.data.count where border.contains(components.labels.data[q]) { out.data[q] = airHU }
        return out
    }
}
