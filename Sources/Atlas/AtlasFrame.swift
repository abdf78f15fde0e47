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

    /// Class probabilities found in the frame (`components` = classes, on the frame's grid) back on the
    /// scan's grid, inside its brain mask: each native voxel takes the class whose trilinearly
    /// interpolated probability is largest at the voxel's place in the frame; outside the frame it is
    /// background.
    ///
    /// Why probabilities and not the frame's labels: the frame is the atlas's 2 mm grid, and the caudate,
    /// internal capsule and insular ribbon are one or two of its voxels across. Interpolated
    /// probabilities put a region's border where the network's evidence changes sides, between frame
    /// voxel centres; a vote of the frame's labels can only put it on a frame voxel's face, a 1 mm error
    /// on each side of a 3 mm structure. (On held-out generated patients the change raised the frame
    /// model's native Dice; figures in docs/neural.md.)
    public func nativeLabels(probabilities: Volume<Float>, registered: Registered, atlas: Atlas) throws -> Volume<UInt8> {
        let frame = try geometry(atlas: atlas)
        let K = probabilities.components
        guard probabilities.size == box.size, K >= 2, K <= 256 else {
            throw AtlasError(.invalidContent, file: atlas.directory.path,
                             problem: "frame probabilities of \(probabilities.size) with \(K) classes do not fit the frame \(box.size)")
        }
        let mask = registered.brainMask
        var out = Volume<UInt8>(geometry: mask.geometry)
        guard mask.nonzeroCount > 0 else { return out }
        let crop = try mask.boundingBox()
        let chain = registered.transforms.ontoNative
        // An affine-only chain (the frame's) folds into one index-to-index matrix: no per-voxel chain walk.
        let affineOnly = chain.components.allSatisfy { if case .affine = $0 { return true } else { return false } }
        let folded = chain.components.reduce(Matrix4.identity) { acc, c in
            if case .affine(let a) = c { return a.matrix * acc } else { return acc }
        }
        let indexMap = frame.inverseAffineLPS * folded * mask.geometry.affineLPS
        let toWorld = mask.geometry.affineLPS, toFrame = frame.inverseAffineLPS
        let n = probabilities.voxelCount, size = box.size, shape = mask.geometry.size
        probabilities.data.withUnsafeBufferPointer { pb in
            mask.data.withUnsafeBufferPointer { mb in
                out.data.withUnsafeMutableBufferPointer { ob in
                    let op = ob.baseAddress!
                    let samplers = (0..<K).map { c in GridSampler(UnsafeBufferPointer(rebasing: pb[(c * n)..<((c + 1) * n)]), size: size) }
                    parallelFor(crop.size.z) { dk in
                        let k = crop.lower.z + dk
                        for j in crop.lower.y...crop.upper.y {
                            for i in crop.lower.x...crop.upper.x {
                                let v = (k * shape.y + j) * shape.x + i
                                guard mb[v] != 0 else { continue }
                                let p = SIMD3(Double(i), Double(j), Double(k))
                                let x = affineOnly ? indexMap.apply(p) : toFrame.apply(chain.map(toWorld.apply(p)))
                                guard samplers[0].contains(x.x, x.y, x.z) else { continue }
                                var best = 0
                                var bestP = -Float.infinity
                                for c in 0..<K {
                                    let q = samplers[c].linear(x.x, x.y, x.z)
                                    if q > bestP { bestP = q; best = c }
                                }
                                op[v] = UInt8(best)
                            }
                        }
                    }
                }
            }
        }
        return out
    }

    /// Lengths of the affine's columns (atlas axes as seen in the scan).
    static func scales(of a: AffineTransform3D) -> SIMD3<Double> {
        let m = a.matrix
        return SIMD3((0..<3).map { c in (0..<3).map { r in m[r, c] * m[r, c] }.reduce(0, +).squareRoot() })
    }
}
