import Foundation
import ImageCore

/// Generated patients for testing and calibrating the scorer: a head CT and its 20-label ASPECTS map
/// with, optionally, a hypodense lesion of known depth in known regions of one hemisphere.
///
/// The layout is schematic but keeps what matters for scoring: the regions are ellipsoids at their
/// usual places (C beside the frontal horn, IC between C and L, I lateral to L, M1-M3 around the
/// ganglionic level and M4-M6 about 28 mm above), tissue values differ between deep grey matter, white
/// matter and cortex, each region carries a small physiological left-right difference, ventricular CSF
/// overlaps the caudate labels and small calcifications sit in both lentiform nuclei (so the HU window
/// has work to do), and noise is smoothed in-plane like a reconstruction kernel. Slices are thick (5 mm)
/// as in clinical NCCT. Coordinates below are millimetres from the layout centre, LPS (x to the patient's
/// left, y posterior, z superior); right-hemisphere structures have negative x.
public struct SyntheticBrainPhantom: Sendable {
    public struct Options: Sendable {
        public var size = SIMD3<Int>(160, 192, 28)
        public var spacing = SIMD3<Double>(1, 1, 5)
        /// Voxel noise after smoothing, HU.
        public var noiseSD = 4.0
        /// Gaussian in-plane smoothing of the image (reconstruction kernel), voxels.
        public var smoothingSigma = 0.8
        /// Standard deviation of each region's own left-right offset, HU.
        public var asymmetrySD = 0.5
        /// Spread of the whole-brain HU level between patients, HU.
        public var baselineSD = 1.5
        /// Lesion depth range, HU darker than the healthy tissue.
        public var lesionDepth: ClosedRange<Double> = 4...8
        /// When set, each lesioned region is darkened only in a cap of the region cut off by a plane in a
        /// random direction, covering this fraction of the region's ellipsoid (drawn per region): a lesion
        /// that fills part of a region, which a region-mean comparison dilutes. Nil: whole regions.
        public var partialLesionFraction: ClosedRange<Double>? = nil
        /// Head turned about the vertical (LPS z) axis by this angle, degrees (positive: nose towards the
        /// patient's left): the grid stays axis-aligned, the anatomy and its midline do not.
        public var yawDegrees = 0.0

        public init() {}
    }

    /// What a generated case contains.
    public struct Truth: Equatable, Sendable {
        /// Lesioned region codes (empty for a lesion-free case).
        public let lesionCodes: [Int]
        public let side: Hemisphere?
        public let lesionDepthHU: Double
        /// Volume of the voxels darkened by the lesion (not counting those the ventricles or
        /// calcifications overwrite), mL.
        public let lesionVolumeML: Double
        public var score: (right: Int, left: Int) {
            (10 - lesionCodes.filter { $0 <= 10 }.count, 10 - lesionCodes.filter { $0 > 10 }.count)
        }
    }

    public let ct: Volume<Float>
    public let labels: Volume<UInt8>
    public let truth: Truth

    /// Ellipsoid in layout millimetres.
    struct Blob {
        var centre: SIMD3<Double>
        var radii: SIMD3<Double>
        func contains(_ p: SIMD3<Double>) -> Bool {
            let d = (p - centre) / radii
            return (d * d).sum() <= 1
        }
    }

    /// Right-hemisphere regions in code order 1...10 (the left ones mirror x) and their tissue HU.
    static let layout: [(blob: Blob, hu: Double)] = [
        (Blob(centre: SIMD3(-12, -10, 3), radii: SIMD3(5, 9, 9)), 37),     // C
        (Blob(centre: SIMD3(-25, 0, 0), radii: SIMD3(6, 13, 9)), 37),      // L
        (Blob(centre: SIMD3(-17.5, -1, 0), radii: SIMD3(3, 13, 9)), 29),   // IC
        (Blob(centre: SIMD3(-36, 0, 0), radii: SIMD3(3.5, 15, 10)), 37),   // I
        (Blob(centre: SIMD3(-32, -38, 2), radii: SIMD3(11, 11, 10)), 35),  // M1
        (Blob(centre: SIMD3(-52, 0, 0), radii: SIMD3(7, 18, 11)), 35),     // M2
        (Blob(centre: SIMD3(-38, 38, 2), radii: SIMD3(11, 11, 10)), 35),   // M3
        (Blob(centre: SIMD3(-30, -26, 30), radii: SIMD3(11, 13, 9)), 35),  // M4
        (Blob(centre: SIMD3(-50, 0, 30), radii: SIMD3(7, 15, 9)), 35),     // M5
        (Blob(centre: SIMD3(-35, 28, 30), radii: SIMD3(11, 13, 9)), 35),   // M6
    ]
    static let brain = Blob(centre: SIMD3(0, 0, 10), radii: SIMD3(68, 88, 60))
    static let skullThickness = 6.0
    static let ventricles = [Blob(centre: SIMD3(-6, -8, 6), radii: SIMD3(5, 16, 10)),
                             Blob(centre: SIMD3(6, -8, 6), radii: SIMD3(5, 16, 10)),
                             Blob(centre: SIMD3(0, 6, 0), radii: SIMD3(2, 10, 8))]
    static let calcifications = [Blob(centre: SIMD3(-24, 4, 0), radii: SIMD3(1.5, 1.5, 2.5)),
                                 Blob(centre: SIMD3(24, 4, 0), radii: SIMD3(1.5, 1.5, 2.5))]

    /// Vascular-territory patterns a lesion takes (region names, one hemisphere).
    static let lesionPatterns: [[String]] = [
        ["L", "I", "M2"], ["M1", "M4"], ["I", "M2", "M3", "M5"], ["C", "L", "IC"], ["M3", "M6"],
        ["I", "M2"], ["M2", "M5", "M6"], ["L", "IC", "I", "M1", "M2"], ["M5"], ["C", "L", "IC", "I", "M2", "M3"],
    ]

    /// A case: `lesion` false gives a healthy brain, true a lesion in a randomly chosen pattern and side.
    public static func generate(seed: UInt64, lesion: Bool, options: Options = Options()) -> SyntheticBrainPhantom {
        var rng = SplitMix64(seed: seed)
        var truthCodes: [Int] = []
        var side: Hemisphere? = nil
        var depth = 0.0
        if lesion {
            let pattern = lesionPatterns[Int(rng.next() % UInt64(lesionPatterns.count))]
            let s: Hemisphere = rng.next() % 2 == 0 ? .right : .left
            truthCodes = pattern.map { ASPECTSRegion(name: $0, hemisphere: s)!.code }.sorted()
            side = s
            depth = options.lesionDepth.lowerBound + rng.uniform() * (options.lesionDepth.upperBound - options.lesionDepth.lowerBound)
        }
        return generate(seed: &rng, lesionCodes: truthCodes, side: side, depth: depth, options: options)
    }

    /// A case with a lesion of `depth` HU in exactly `lesionCodes` (all on one side, or empty).
    public static func generate(seed: UInt64, lesionCodes: [Int], depth: Double, options: Options = Options()) -> SyntheticBrainPhantom {
        var rng = SplitMix64(seed: seed)
        let sides = Set(lesionCodes.map { $0 <= 10 ? Hemisphere.right : .left })
        precondition(sides.count <= 1, "a generated lesion lies in one hemisphere")
        return generate(seed: &rng, lesionCodes: lesionCodes.sorted(), side: sides.first, depth: depth, options: options)
    }

    static func generate(seed rng: inout SplitMix64, lesionCodes: [Int], side: Hemisphere?, depth: Double,
                         options o: Options) -> SyntheticBrainPhantom {
        let size = o.size
        // Centre the layout in x and y; z from 50 mm below the ganglionic level.
        let origin = SIMD3<Double>(-Double(size.x - 1) / 2 * o.spacing.x, -Double(size.y - 1) / 2 * o.spacing.y, -50)
        let geometry = Geometry(size: size, spacing: o.spacing, origin: origin)
        var ct = Volume<Float>(geometry: geometry, repeating: -1000)
        var labels = Volume<UInt8>(geometry: geometry)

        let baseline = o.baselineSD * rng.gaussian()
        var regionHU = [Double](repeating: 0, count: 21)
        for code in 1...20 {
            regionHU[code] = layout[(code - 1) % 10].hu + baseline + o.asymmetrySD * rng.gaussian()
        }
        let lesioned = (0...20).map { lesionCodes.contains($0) }
        let brainHU = 32 + baseline
        // Partial lesions: per lesioned region a unit direction u and offset t in the ellipsoid's unit-ball
        // coordinates; the lesion is where d.u >= t. A cap above t holds (1-t)^2 (2+t) / 4 of the ball.
        var caps = [(u: SIMD3<Double>, t: Double)?](repeating: nil, count: 21)
        if let f = o.partialLesionFraction {
            for code in lesionCodes {
                var u = SIMD3(rng.gaussian(), rng.gaussian(), rng.gaussian())
                u /= (u * u).sum().squareRoot()
                let share = f.lowerBound + rng.uniform() * (f.upperBound - f.lowerBound)
                var lo = -1.0, hi = 1.0
                for _ in 0..<60 {
                    let t = (lo + hi) / 2
                    if (1 - t) * (1 - t) * (2 + t) / 4 > share { lo = t } else { hi = t }
                }
                caps[code] = (u, (lo + hi) / 2)
            }
        }
        let yaw = o.yawDegrees * Double.pi / 180
        let (cosYaw, sinYaw) = (cos(yaw), sin(yaw))
        var lesionVoxels = 0

        for k in 0..<size.z { for j in 0..<size.y { for i in 0..<size.x {
            let world = origin + SIMD3(Double(i), Double(j), Double(k)) * o.spacing
            // Layout coordinates: the world turned back by the head's yaw about the vertical axis.
            let p = o.yawDegrees == 0 ? world
                : SIMD3(cosYaw * world.x + sinYaw * world.y, -sinYaw * world.x + cosYaw * world.y, world.z)
            let b = (p - brain.centre) / brain.radii
            let r = (b * b).sum().squareRoot()
            let outer = (p - brain.centre) / (brain.radii + skullThickness)
            let n = ct.linearIndex(i, j, k)
            if r > 1 {
                ct.data[n] = (outer * outer).sum() <= 1 ? 1000 : -1000
                continue
            }
            var hu = brainHU
            var inLesion = false
            for code in 1...20 {
                var blob = layout[(code - 1) % 10].blob
                if code > 10 { blob.centre.x = -blob.centre.x }
                if blob.contains(p) {
                    labels.data[n] = UInt8(code)
                    hu = regionHU[code]
                    if lesioned[code] {
                        if let cap = caps[code] {
                            inLesion = (((p - blob.centre) / blob.radii) * cap.u).sum() >= cap.t
                        } else {
                            inLesion = true
                        }
                        if inLesion { hu = regionHU[code] - depth }
                    }
                    break
                }
            }
            // Atlas labels routinely overlap CSF and calcification; the image shows them regardless.
            if ventricles.contains(where: { $0.contains(p) }) { hu = 5; inLesion = false }
            if calcifications.contains(where: { $0.contains(p) }) { hu = 160; inLesion = false }
            if inLesion { lesionVoxels += 1 }
            ct.data[n] = Float(hu)
        } } }

        smoothAndAddNoise(&ct, sigma: o.smoothingSigma, noiseSD: o.noiseSD, rng: &rng)
        return SyntheticBrainPhantom(ct: ct, labels: labels,
                                     truth: Truth(lesionCodes: lesionCodes, side: side, lesionDepthHU: depth,
                                                  lesionVolumeML: Double(lesionVoxels) * o.spacing.x * o.spacing.y * o.spacing.z / 1000))
    }

    /// Adds white noise scaled so that after in-plane Gaussian smoothing its SD is `noiseSD`, then smooths
    /// image and noise together (edges get partial-volume blur, noise gets in-plane correlation).
    static func smoothAndAddNoise(_ v: inout Volume<Float>, sigma: Double, noiseSD: Double, rng: inout SplitMix64) {
        let half = SeparableFilter.gaussianHalfKernel(sigma: sigma)
        // Separable 2-D smoothing shrinks white-noise SD by sum(w^2) over the 1-D kernel (sqrt per axis, two axes).
        let shrink = half.enumerated().reduce(0.0) { $0 + Double($1.element * $1.element) * ($1.offset == 0 ? 1 : 2) }
        let preSD = noiseSD / shrink
        let air: Float = -900
        for n in v.data.indices where v.data[n] > air { v.data[n] += Float(preSD * rng.gaussian()) }
        let filter = try! SeparableFilter(halfKernels: [half, half, [1]])
        v = filter.apply(to: v)
    }
}
