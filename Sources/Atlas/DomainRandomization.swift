import ASPECTS
import Foundation
import ImageCore
import Morphology
import Registration

/// Variety for generated training patients: the idea of SynthSeg (Billot et al. 2023) for MRI, applied
/// to CT. A network trained on deformations of one template learns that template's scanner, its young
/// brain and its exact contrast; real studies differ in all of these, and the bundled U-Net found almost
/// nothing on the one real head. Every draw changes what the network must not depend on, while the labels
/// stay exact because every anatomical change is a point map that the labels go through too.
///
/// Three stages, each with its own ranges (a range of width zero switches a change off):
/// 1. **Anatomy**, on the atlas grid: atrophy (the lateral ventricles enlarged by a radial point map
///    that thins the surrounding tissue and leaves the cortex in place; sulci widened by a rim of CSF
///    density at the brain surface), the grey/white contrast scaled, an acute hypodense lesion in part of
///    some regions of one side, an old CSF-density infarct.
/// 2. **Position and shape**: `SyntheticPatient`'s random affine (rotation includes gantry-like pitch) and
///    smooth deformation, onto a native grid with the drawn in-plane spacing.
/// 3. **Scanner**, on the native grid: HU offset, beam hardening (brain near the skull brighter), slice
///    thickness with partial volume (thin sub-slices averaged), correlated noise, a field of view cut at
///    the top or the bottom of the head.
public struct DomainRandomization: Sendable {
    public var ventricleExpansion: ClosedRange<Double> = 0...0.45
    public var sulcalWideningMM: ClosedRange<Double> = 0...2
    public var greyWhiteContrast: ClosedRange<Double> = 0.6...1.5
    public var acuteLesionProbability = 0.5
    public var acuteLesionDepthHU: ClosedRange<Double> = 3...10
    public var oldInfarctProbability = 0.2
    public var huOffset: ClosedRange<Double> = -6...6
    public var beamHardeningHU: ClosedRange<Double> = 0...8
    public var noiseSD: ClosedRange<Double> = 2...9
    public var noiseCorrelationMM: ClosedRange<Double> = 0...1.2
    public var inPlaneSpacingMM: ClosedRange<Double> = 0.8...1.6
    public var sliceThicknessMM: ClosedRange<Double> = 1...5
    public var maximumRotationDegrees = 15.0
    public var maximumDisplacementMM: ClosedRange<Double> = 3...10
    /// Probability that the field of view is cut at the top or the bottom (by up to `maximumCropMM`).
    public var cropProbability = 0.3
    public var maximumCropMM = 25.0

    public init() {}

    /// No change at all: the generator then makes exactly `SyntheticPatient`'s patient (a test pins it).
    public static var none: DomainRandomization {
        var r = DomainRandomization()
        r.ventricleExpansion = 0...0
        r.sulcalWideningMM = 0...0
        r.greyWhiteContrast = 1...1
        r.acuteLesionProbability = 0
        r.oldInfarctProbability = 0
        r.huOffset = 0...0
        r.beamHardeningHU = 0...0
        r.noiseSD = 0...0
        r.noiseCorrelationMM = 0...0
        r.inPlaneSpacingMM = 1.5...1.5
        r.sliceThicknessMM = 1.5...1.5
        r.cropProbability = 0
        r.maximumRotationDegrees = 10
        r.maximumDisplacementMM = 5...5
        return r
    }

    /// What one patient drew: written beside its image so a dataset says what it holds.
    public struct Draw: Codable, Sendable, Equatable {
        public var seed: UInt64
        public var ventricleExpansion: Double
        public var sulcalWideningMM: Double
        public var greyWhiteContrast: Double
        /// Codes of the regions given an acute lesion (empty: none), its depth and the share of each
        /// region's tissue it covers.
        public var acuteLesionCodes: [Int]
        public var acuteLesionDepthHU: Double
        public var acuteLesionCoverage: Double
        /// Centre (atlas LPS mm) and radius of an old infarct, when there is one.
        public var oldInfarctCentreLPS: [Double]?
        public var oldInfarctRadiusMM: Double
        public var huOffset: Double
        public var beamHardeningHU: Double
        public var noiseSD: Double
        public var noiseCorrelationMM: Double
        public var inPlaneSpacingMM: Double
        public var sliceThicknessMM: Double
        public var maximumDisplacementMM: Double
        /// Millimetres cut from the top (positive) or the bottom (negative) of the field of view.
        public var cropMM: Double
    }

    /// A generated patient with its draw.
    public struct Patient: Sendable {
        public var ct: Volume<Float>
        public var labels: Volume<UInt8>
        public var draw: Draw
    }

    /// Draws every random choice of one patient from `seed`.
    public func draw(seed: UInt64) -> Draw {
        var rng = SplitMix64(seed: seed ^ 0x5DEE_CE66_D1CE_5EED)
        func pick(_ r: ClosedRange<Double>) -> Double { r.lowerBound + (r.upperBound - r.lowerBound) * rng.uniform() }
        var d = Draw(seed: seed, ventricleExpansion: pick(ventricleExpansion), sulcalWideningMM: pick(sulcalWideningMM),
                     greyWhiteContrast: pick(greyWhiteContrast), acuteLesionCodes: [], acuteLesionDepthHU: 0,
                     acuteLesionCoverage: 0, oldInfarctCentreLPS: nil, oldInfarctRadiusMM: 0, huOffset: pick(huOffset),
                     beamHardeningHU: pick(beamHardeningHU), noiseSD: pick(noiseSD), noiseCorrelationMM: pick(noiseCorrelationMM),
                     inPlaneSpacingMM: pick(inPlaneSpacingMM), sliceThicknessMM: pick(sliceThicknessMM),
                     maximumDisplacementMM: pick(maximumDisplacementMM), cropMM: 0)
        if rng.uniform() < acuteLesionProbability {
            // An MCA-territory stroke: a few neighbouring regions of one side, deep, cortical or both.
            let groups: [[Int]] = [[1, 2, 3], [2, 3, 4], [4, 5, 6], [5, 6, 7], [6, 7, 4], [8, 9, 10], [5, 8], [6, 9], [7, 10],
                                   [4, 6, 9, 7], [2, 4, 5, 6, 7]]
            let g = groups[Int(rng.next() % UInt64(groups.count))]
            let n = 1 + Int(rng.next() % UInt64(g.count))
            let side = rng.uniform() < 0.5 ? 0 : 10
            d.acuteLesionCodes = Array(g.prefix(n)).map { $0 + side }.sorted()
            d.acuteLesionDepthHU = pick(acuteLesionDepthHU)
            d.acuteLesionCoverage = 0.5 + 0.5 * rng.uniform()
        }
        if rng.uniform() < oldInfarctProbability {
            d.oldInfarctCentreLPS = [rng.uniform(), rng.uniform(), rng.uniform()]   // placed in the brain later
            d.oldInfarctRadiusMM = 6 + 10 * rng.uniform()
        }
        if rng.uniform() < cropProbability {
            let mm = maximumCropMM * rng.uniform()
            d.cropMM = rng.uniform() < 0.5 ? mm : -mm
        }
        return d
    }

    /// Makes the patient of `seed` from an atlas that has a template with skull.
    public func generate(atlas: Atlas, seed: UInt64) throws -> Patient {
        guard let withSkull = try atlas.templateWithSkull() else {
            throw AtlasError(.missingFile, file: atlas.directory.path, problem: "has no \(Atlas.templateWithSkullName); a generated patient is made from it")
        }
        return try generate(templateWithSkull: withSkull, brain: atlas.template, labels: atlas.labels, draw: draw(seed: seed))
    }

    /// Makes a patient from a template with skull, the skull-stripped template (0 outside the brain) and
    /// the atlas labels, all on one grid, following `draw`.
    public func generate(templateWithSkull head: Volume<Float>, brain: Volume<Float>, labels: Volume<UInt8>,
                         draw d: Draw) throws -> Patient {
        guard head.geometry.isClose(to: labels.geometry, tolerance: 1e-3), brain.geometry.isClose(to: labels.geometry, tolerance: 1e-3) else {
            throw AtlasError(.invalidContent, file: "atlas", problem: "the templates and the labels must share one grid")
        }
        var rng = SplitMix64(seed: d.seed ^ 0xA7A0_5EED_0000_0001)
        var anatomyHead = SyntheticPatient.withAir(head, airHU: -1000)
        let brainMask = brain.map { $0 > 0 ? UInt8(1) : 0 }

        // 1. anatomy on the atlas grid: intensities first, then the atrophy map moves image and labels.
        Self.scaleGreyWhiteContrast(&anatomyHead, brain: brainMask, factor: d.greyWhiteContrast)
        if d.sulcalWideningMM > 0 { Self.widenSulci(&anatomyHead, brain: brainMask, rimMM: d.sulcalWideningMM) }
        var draw = d
        if !d.acuteLesionCodes.isEmpty {
            try Self.addAcuteLesion(&anatomyHead, labels: labels, codes: d.acuteLesionCodes, depthHU: d.acuteLesionDepthHU,
                                    coverage: d.acuteLesionCoverage, rng: &rng)
        }
        if let u = d.oldInfarctCentreLPS {
            draw.oldInfarctCentreLPS = Self.addOldInfarct(&anatomyHead, labels: labels, unit: u, radiusMM: d.oldInfarctRadiusMM)
        }
        var anatomyLabels = labels
        if d.ventricleExpansion > 0 {
            let map = try Self.ventricleExpansion(brain: brain, labels: labels, strength: d.ventricleExpansion)
            anatomyHead = try map.resample(anatomyHead, onto: head.geometry, interpolation: .linear, outside: -1000)
            anatomyLabels = try map.resample(labels.converted(to: Float.self), onto: head.geometry, interpolation: .label, outside: 0)
                .converted(to: UInt8.self)
        }

        // 2. position and shape, onto thin sub-slices when the slices are thick (partial volume below).
        // Sub-slices at most 1.5 mm apart: a 5 mm slice averages 4 of them.
        let subslices = Swift.max(1, Int((d.sliceThicknessMM / 1.5 - 1e-9).rounded(.up)))
        var p = SyntheticPatient.Parameters()
        p.seed = d.seed
        p.spacing = SIMD3(d.inPlaneSpacingMM, d.inPlaneSpacingMM, d.sliceThicknessMM / Double(subslices))
        p.maximumDisplacementMM = d.maximumDisplacementMM
        p.maximumRotationDegrees = maximumRotationDegrees
        p.noiseSD = 0
        p.overlayPointFraction = 0
        let placed = try SyntheticPatient.generate(templateWithSkull: anatomyHead, labels: anatomyLabels, parameters: p)
        var ct = placed.ct
        var nativeLabels = placed.labels

        // 3. scanner
        if d.beamHardeningHU > 0 { Self.addBeamHardening(&ct, amountHU: d.beamHardeningHU) }
        if subslices > 1 {
            ct = Self.averageSlices(ct, group: subslices)
            nativeLabels = Self.centreSlices(nativeLabels, group: subslices)
        }
        if d.noiseSD > 0 { try Self.addNoise(&ct, sd: d.noiseSD, correlationMM: d.noiseCorrelationMM, rng: &rng) }
        if d.huOffset != 0 { for q in ct.data.indices where ct.data[q] > -900 { ct.data[q] += Float(d.huOffset) } }
        if d.cropMM != 0 {
            let box = Self.cropBox(ct.size, spacing: ct.geometry.spacing, cropMM: d.cropMM)
            ct = try ct.cropped(to: box)
            nativeLabels = try nativeLabels.cropped(to: box)
        }
        return Patient(ct: ct, labels: nativeLabels, draw: draw)
    }

    // MARK: anatomy

    /// Tissue (10-60 HU) inside the brain moves away from (or towards) the brain's tissue mean: a factor
    /// of 1.5 makes grey and white matter 50 % further apart.
    static func scaleGreyWhiteContrast(_ head: inout Volume<Float>, brain: Volume<UInt8>, factor: Double) {
        guard factor != 1 else { return }
        var sum = 0.0, n = 0
        for q in head.data.indices where brain.data[q] != 0 && head.data[q] > 10 && head.data[q] < 60 { sum += Double(head.data[q]); n += 1 }
        guard n > 0 else { return }
        let mean = Float(sum / Double(n)), f = Float(factor)
        for q in head.data.indices where brain.data[q] != 0 && head.data[q] > 10 && head.data[q] < 60 {
            head.data[q] = mean + (head.data[q] - mean) * f
        }
    }

    /// CSF density (8 HU) in a rim of the brain at its outer surface: wider sulci, a smaller brain.
    static func widenSulci(_ head: inout Volume<Float>, brain: Volume<UInt8>, rimMM: Double) {
        let inside = DistanceTransform.squaredDistance(toOutsideOf: brain)
        let r2 = Float(rimMM * rimMM)
        for q in head.data.indices where brain.data[q] != 0 && inside.data[q] <= r2 { head.data[q] = 8 }
    }

    /// Lowers tissue in the chosen regions by `depthHU`, in a smooth random patch that covers about
    /// `coverage` of their voxels, with a soft 2 mm edge (an early ischaemic change is not a box).
    static func addAcuteLesion(_ head: inout Volume<Float>, labels: Volume<UInt8>, codes: [Int], depthHU: Double,
                               coverage: Double, rng: inout SplitMix64) throws {
        let set = Set(codes.map(UInt8.init))
        var noise = Volume<Float>(geometry: labels.geometry)
        for q in noise.data.indices { noise.data[q] = Float(rng.gaussian()) }
        noise = try SeparableFilter.gaussian(sigmaMM: SIMD3(repeating: 8), spacing: labels.geometry.spacing).apply(to: noise)
        let values = labels.data.indices.filter { set.contains(labels.data[$0]) }.map { noise.data[$0] }.sorted()
        guard !values.isEmpty else { return }
        let cut = values[Swift.min(values.count - 1, Int(Double(values.count) * (1 - coverage)))]
        var lesion = Volume<Float>(geometry: labels.geometry)
        for q in labels.data.indices where set.contains(labels.data[q]) && noise.data[q] >= cut { lesion.data[q] = 1 }
        lesion = try SeparableFilter.gaussian(sigmaMM: SIMD3(repeating: 1), spacing: labels.geometry.spacing).apply(to: lesion)
        for q in head.data.indices where head.data[q] > 10 && head.data[q] < 60 {
            head.data[q] -= Float(depthHU) * Swift.min(1, lesion.data[q])
        }
    }

    /// A ball of CSF density (an old, cavitated infarct) centred on a labelled cortical voxel chosen by
    /// `unit` (three numbers in 0..<1); returns the centre in LPS mm.
    static func addOldInfarct(_ head: inout Volume<Float>, labels: Volume<UInt8>, unit: [Double], radiusMM: Double) -> [Double]? {
        // M1-M6 of either side: codes 5-10 and 15-20.
        let cortical = labels.data.indices.filter { let c = Int(labels.data[$0]); return c > 0 && (c - 1) % 10 + 1 >= 5 }
        guard !cortical.isEmpty else { return nil }
        let q0 = cortical[Swift.min(cortical.count - 1, Int(unit[0] * Double(cortical.count)))]
        let s = labels.size
        let c = labels.geometry.worldLPS(SIMD3(Double(q0 % s.x), Double((q0 / s.x) % s.y), Double(q0 / (s.x * s.y))))
        for k in 0..<s.z { for j in 0..<s.y { for i in 0..<s.x {
            let q = labels.linearIndex(i, j, k)
            guard head.data[q] > 10 && head.data[q] < 60 else { continue }
            let x = labels.geometry.worldLPS(SIMD3(Double(i), Double(j), Double(k)))
            if ((x - c) * (x - c)).sum() <= radiusMM * radiusMM { head.data[q] = Float(6 + 6 * unit[1]) }
        } } }
        return [c.x, c.y, c.z]
    }

    /// The atrophy map (native point -> atlas point): about each lateral ventricle's centre c, a point at
    /// radius r samples the atlas at radius r (1 - s e^{-(r/R)^2}), R = 30 mm. Near c that magnifies
    /// (s = 0.4: ventricles 1.7x wider), around R it compresses (the tissue between thins), far away it is
    /// the identity (the cortex stays). Its radial derivative 1 - s e^{-u}(1 - 2u), u = (r/R)^2, stays
    /// positive for s < 1, so the map is one-to-one.
    static func ventricleExpansion(brain: Volume<Float>, labels: Volume<UInt8>, strength s: Double) throws -> TransformChain {
        let g = brain.geometry
        // The ventricles: brain voxels below 20 HU within 25 mm of the deep regions' centre, per side.
        var centres: [SIMD3<Double>] = []
        for side in [0, 10] {
            var deep = SIMD3<Double>.zero, nd = 0.0
            for q in labels.data.indices where (1...3).contains(Int(labels.data[q]) - side) {
                deep += g.worldLPS(Self.index(q, g.size)); nd += 1
            }
            guard nd > 0 else { continue }
            deep /= nd
            var v = SIMD3<Double>.zero, nv = 0.0
            for q in brain.data.indices where brain.data[q] > 0 && brain.data[q] < 20 {
                let x = g.worldLPS(Self.index(q, g.size))
                if ((x - deep) * (x - deep)).sum() < 25 * 25 { v += x; nv += 1 }
            }
            centres.append(nv > 0 ? v / nv : deep)
        }
        let radius = 30.0
        var field = Volume<Float>(geometry: g, components: 3)
        let n = g.voxelCount
        for q in 0..<n {
            let x = g.worldLPS(Self.index(q, g.size))
            var d = SIMD3<Double>.zero
            for c in centres {
                let u = ((x - c) * (x - c)).sum() / (radius * radius)
                d -= (x - c) * (s * exp(-u))
            }
            for a in 0..<3 { field.data[a * n + q] = Float(d[a]) }
        }
        return TransformChain([.field(try DisplacementField(worldVolume: field))])
    }

    // MARK: scanner

    /// Brain-density voxels near the skull brighter by up to `amountHU`, falling off over 8 mm: the cupping
    /// artefact of beam hardening that uncorrected scanners show under the calvaria.
    static func addBeamHardening(_ ct: inout Volume<Float>, amountHU: Double) {
        let bone = ct.map { $0 > 300 ? UInt8(1) : 0 }
        let d2 = DistanceTransform.squaredDistance(to: bone)
        for q in ct.data.indices where ct.data[q] > 0 && ct.data[q] < 80 {
            let d = Double(d2.data[q]).squareRoot()
            ct.data[q] += Float(amountHU * exp(-d / 8))
        }
    }

    /// Mean of each run of `group` slices along k: a thick slice's partial volume.
    static func averageSlices(_ v: Volume<Float>, group: Int) -> Volume<Float> {
        let s = v.size, nz = s.z / group
        var out = Volume<Float>(geometry: thickGeometry(v.geometry, group: group))
        let plane = s.x * s.y
        for k in 0..<nz { for t in 0..<group { for p in 0..<plane { out.data[k * plane + p] += v.data[(k * group + t) * plane + p] } } }
        let w = 1 / Float(group)
        for q in out.data.indices { out.data[q] *= w }
        return out
    }

    /// The labels of the middle sub-slice of each thick slice (on the same grid as `averageSlices`).
    static func centreSlices(_ v: Volume<UInt8>, group: Int) -> Volume<UInt8> {
        let s = v.size, nz = s.z / group
        var out = Volume<UInt8>(geometry: thickGeometry(v.geometry, group: group))
        let plane = s.x * s.y
        for k in 0..<nz {
            let src = (k * group + (group - 1) / 2) * plane
            for p in 0..<plane { out.data[k * plane + p] = v.data[src + p] }
        }
        return out
    }

    /// The grid of thick slices made of `group` sub-slices each: every slice centred on the middle of its
    /// sub-slices (a leftover short of a group is dropped).
    static func thickGeometry(_ fine: Geometry, group: Int) -> Geometry {
        var g = fine
        g.size = SIMD3(fine.size.x, fine.size.y, fine.size.z / group)
        g.spacing.z = fine.spacing.z * Double(group)
        g.origin = fine.worldLPS(SIMD3(0, 0, Double(group - 1) / 2))
        return g
    }

    /// Gaussian noise of standard deviation `sd` in the head (not in air), smoothed over `correlationMM`
    /// (a scanner's noise texture) and rescaled to keep its standard deviation.
    static func addNoise(_ ct: inout Volume<Float>, sd: Double, correlationMM: Double, rng: inout SplitMix64) throws {
        var noise = Volume<Float>(geometry: ct.geometry)
        for q in noise.data.indices { noise.data[q] = Float(rng.gaussian()) }
        if correlationMM > 0.05 {
            let sigma = SIMD3(correlationMM, correlationMM, Swift.min(correlationMM, ct.geometry.spacing.z / 2))
            noise = try SeparableFilter.gaussian(sigmaMM: sigma, spacing: ct.geometry.spacing).apply(to: noise)
            var s2 = 0.0
            for x in noise.data { s2 += Double(x * x) }
            let rms = (s2 / Double(noise.data.count)).squareRoot()
            if rms > 0 { for q in noise.data.indices { noise.data[q] /= Float(rms) } }
        }
        let f = Float(sd)
        for q in ct.data.indices where ct.data[q] > -900 { ct.data[q] += f * noise.data[q] }
    }

    /// The slice range left after cutting `cropMM` from the top (positive: highest k, which is superior on
    /// the generator's LPS grid) or the bottom.
    static func cropBox(_ size: SIMD3<Int>, spacing: SIMD3<Double>, cropMM: Double) -> IndexBox {
        let cut = Swift.min(size.z / 3, Int((abs(cropMM) / spacing.z).rounded()))
        let lo = cropMM < 0 ? cut : 0
        let hi = cropMM > 0 ? size.z - 1 - cut : size.z - 1
        return IndexBox(lower: SIMD3(0, 0, lo), upper: SIMD3(size.x - 1, size.y - 1, hi))
    }

    static func index(_ q: Int, _ s: SIMD3<Int>) -> SIMD3<Double> {
        SIMD3(Double(q % s.x), Double((q / s.x) % s.y), Double(q / (s.x * s.y)))
    }
}
