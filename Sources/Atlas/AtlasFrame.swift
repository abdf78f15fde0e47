import Foundation
import ImageCore
import Morphology
import Registration

/// The registered form a U-Net reads: a scan skull-stripped, registered to the atlas template by an
/// affine alone, and cut to a fixed box of the atlas grid around the ASPECTS regions.
///
/// Why a registered form: a network that reads native scans must learn where the regions are in any
/// position, tilt, field of view and head size before it can learn what they look like; with the few
/// thousand CPU training steps this project can afford it learns neither well (the first bundled model
/// found almost nothing on the real GE head). After an affine registration the regions sit within a few
/// millimetres of the same place in every scan, so the network's whole capacity goes to the anatomy that
/// moves them (ventricles, sulci, atrophy) — the reference pipeline trained on this form too. The affine
/// is the label transfer's own first stage (`LabelTransferImages` + `ImageRegistration` without SyN), so
/// the U-Net and the atlas method share nothing after it.
///
/// The box is a whole number of the network's size divisor along each axis and centred on the regions'
/// bounding box, so the network grid *is* the atlas grid there: no resampling between the two.
public struct AtlasFrame: Sendable, Equatable {
    /// The box of the atlas grid the network sees.
    public var box: IndexBox

    public init(box: IndexBox) { self.box = box }

    /// The box around `atlas`'s labelled regions: `marginMM` in-plane and `headFootMarginMM` along the
    /// head-foot axis (to show the network the levels above and below), each size rounded up to a
    /// multiple of `divisor`, centred on the regions and kept inside the grid.
    public init(atlas: Atlas, marginMM: Double = 16, headFootMarginMM: Double = 30, divisor: Int = 16) throws {
        let labels = atlas.labels
        let mask = labels.map { $0 != 0 ? UInt8(1) : 0 }
        guard mask.nonzeroCount > 0 else {
            throw AtlasError(.invalidContent, file: atlas.directory.path, problem: "the atlas has no labelled region to frame")
        }
        let regions = try mask.boundingBox()
        let g = labels.geometry
        let axis = SkullStripper.headFootAxis(g)
        var lower = SIMD3<Int>.zero, upper = SIMD3<Int>.zero
        for a in 0..<3 {
            let margin = (a == axis ? headFootMarginMM : marginMM) / g.spacing[a]
            let wanted = Double(regions.size[a]) + 2 * margin
            var size = Int((wanted / Double(divisor)).rounded(.up)) * divisor
            size = Swift.min(size, (g.size[a] / divisor) * divisor)
            let centre = Double(regions.lower[a] + regions.upper[a]) / 2
            var lo = Int((centre - Double(size - 1) / 2).rounded())
            lo = Swift.max(0, Swift.min(lo, g.size[a] - size))
            lower[a] = lo
            upper[a] = lo + size - 1
        }
        box = IndexBox(lower: lower, upper: upper)
    }

    /// The frame's geometry (a crop of the atlas grid).
    public func geometry(atlas: Atlas) throws -> Geometry {
        try atlas.labels.cropped(to: box).geometry
    }

    /// A scan in the frame, and what takes results back to the scan.
    public struct Registered: Sendable {
        /// The skull-stripped scan (HU) on the frame's grid.
        public var image: Volume<Float>
        /// Affine between the scan and the atlas (no warp).
        public var transforms: LabelTransferTransforms
        /// The scan's brain mask on its own grid; native labels are kept inside it.
        public var brainMask: Volume<UInt8>
        public var brainVolumeML: Double
        /// Correlation of the stripped images after the affine (the label transfer's `nccAffine`).
        public var similarity: Double
        /// The affine's scales (atlas to scan), for the quality gates.
        public var scales: SIMD3<Double>
    }

    /// Strips `scan` (HU), registers it to the atlas by rigid then affine stages of `registration` (its
    /// SyN levels are ignored) and resamples the stripped scan into the frame.
    public func register(_ scan: Volume<Float>, atlas: Atlas, parameters: LabelTransfer.Parameters = .init(preset: .fast),
                         name: String = "scan", progress: ((String) -> Void)? = nil) throws -> Registered {
        progress?("skull stripping \(name)")
        let stripped = try SkullStripper(parameters: parameters.stripper).strip(scan, name: name)
        progress?("affine registration to the atlas template")
        let images = try LabelTransferImages(atlas: atlas, scan: scan, stripped: stripped, stripper: parameters.stripper,
                                            marginMM: parameters.cropMarginMM, name: name)
        var linearOnly = parameters.registration
        linearOnly.syn = nil
        let registration = try ImageRegistration(parameters: linearOnly, label: parameters.presetName, progress: progress)
            .register(fixed: images.fixedCropped, moving: images.movingCropped)
        let transforms = LabelTransferTransforms(affine: registration.affine, warp: nil, inverseWarp: nil)
        let frame = try geometry(atlas: atlas)
        let image = try transforms.ontoAtlas.resample(stripped.brain, onto: frame, interpolation: .linear,
                                                      outside: stripped.brain.data.min() ?? 0)
        return Registered(image: image, transforms: transforms, brainMask: stripped.mask, brainVolumeML: stripped.brainVolumeML,
                          similarity: registration.report.quality.nccAffine, scales: Self.scales(of: registration.affine))
    }

    /// A native label map (a generated patient's truth) in the frame: per-label voting, zero where the
    /// scan's brain mask does not reach, as the network is asked to answer.
    public func labels(_ native: Volume<UInt8>, in registered: Registered, atlas: Atlas) throws -> Volume<UInt8> {
        let frame = try geometry(atlas: atlas)
        let chain = registered.transforms.ontoAtlas
        let pulled = try chain.resample(native.converted(to: Float.self), onto: frame, interpolation: .label, outside: 0)
        let inside = try chain.resample(registered.brainMask.converted(to: Float.self), onto: frame, interpolation: .linear, outside: 0)
        var out = Volume<UInt8>(geometry: frame)
        for v in 0..<out.data.count where inside.data[v] >= 0.5 {
            out.data[v] = UInt8(clampingDouble: Double(pulled.data[v]))
        }
        return out
    }

    /// Labels found in the frame back on the scan's grid, inside its brain mask.
    public func nativeLabels(_ frameLabels: Volume<UInt8>, registered: Registered, atlas: Atlas) throws -> Volume<UInt8> {
        var full = Volume<UInt8>(geometry: atlas.labels.geometry)
        let s = box.size
        for k in 0..<s.z { for j in 0..<s.y {
            let to = full.linearIndex(box.lower.x, box.lower.y + j, box.lower.z + k), from = (k * s.y + j) * s.x
            full.data.replaceSubrange(to..<(to + s.x), with: frameLabels.data[from..<(from + s.x)])
        } }
        return try LabelTransfer.nativeLabels(full, transforms: registered.transforms, brainMask: registered.brainMask)
    }

    /// Lengths of the affine's columns (atlas axes as seen in the scan).
    static func scales(of a: AffineTransform3D) -> SIMD3<Double> {
        let m = a.matrix
        return SIMD3((0..<3).map { c in (0..<3).map { r in m[r, c] * m[r, c] }.reduce(0, +).squareRoot() })
    }
}
