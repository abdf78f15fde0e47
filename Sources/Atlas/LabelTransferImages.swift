import ImageCore
import Morphology

/// The two images the label transfer registers, made alike so that the registration aligns anatomy
/// rather than the way each brain was cut out.
///
/// Skull stripping leaves its own mark at the brain's edge: ours keeps the partial-volume rim at the
/// inner table (clamped to the top of the tissue window, so bright, and about one voxel thick, so its
/// width depends on the grid), while the public template's brain fades out at its edge. Registered
/// against each other, the strongest local feature would be that disagreement and the warp would follow
/// it (on generated patients this costs about 2 mm everywhere). So:
/// - when the atlas has its template with skull, the target is that template stripped by the same
///   `SkullStripper`, and the scan image is the scan resampled to the atlas's voxel size (in the scan's
///   own orientation) and stripped the same way: same method, same resolution, same edge;
/// - otherwise the target is `template.nii.gz` and the scan image is the scan at the atlas's voxel size
///   within its brain mask with out-of-window voxels (the rim) set to 0 rather than clamped, which
///   resembles a fading edge.
///
/// Both are cropped to their brain's box plus `marginMM` (most of an atlas grid is background, and
/// registration time grows with the grid).
struct LabelTransferImages {
    /// Registration target on the atlas grid, and the scan image registered to it (scan orientation,
    /// atlas voxel size).
    let fixed: Volume<Float>
    let moving: Volume<Float>
    let fixedCropped: Volume<Float>
    let movingCropped: Volume<Float>
    /// True when the target is the atlas's template with skull stripped like the scan.
    let strippedAlike: Bool

    init(atlas: Atlas, scan: Volume<Float>, stripped: SkullStripper.Result, stripper: SkullStripper.Parameters,
         marginMM: Double, name: String) throws {
        let stripperAlike = SkullStripper(parameters: stripper)
        var target: Volume<Float>? = nil
        if let head = try atlas.templateWithSkull() {
            target = try? stripperAlike.strip(head, name: Atlas.templateWithSkullName).brain
        }
        let spacing = atlas.template.geometry.spacing
        let sameSize = (0..<3).allSatisfy { abs(scan.geometry.spacing[$0] - spacing[$0]) < 1e-3 }
        let grid = sameSize ? scan.geometry : scan.geometry.resampled(spacing: spacing)
        var resampled = scan
        if !sameSize {
            // Average what a larger voxel would (Gaussian of matching width) before sampling it.
            let sigma = SIMD3<Double>((0..<3).map { a -> Double in
                let t = spacing[a], s = scan.geometry.spacing[a]
                return t > s ? (t * t - s * s).squareRoot() / 2.355 : 0
            })
            let smoothed = sigma.max() > 0 ? try scan.gaussianSmoothed(sigmaMM: sigma) : scan
            resampled = try smoothed.resampled(to: grid, interpolation: .linear, outsideValue: Double(scan.data.min() ?? -1024))
        }
        if let t = target {
            fixed = t
            moving = sameSize ? stripped.brain : try stripperAlike.strip(resampled, name: name).brain
            strippedAlike = true
        } else {
            fixed = atlas.template
            let mask = sameSize ? stripped.mask : try stripped.mask.resampled(to: grid, interpolation: .nearest)
            let window = stripper.tissueWindow
            moving = try resampled.masked(by: mask).map { window.contains($0) ? $0 : 0 }
            strippedAlike = false
        }
        func crop(_ v: Volume<Float>) throws -> Volume<Float> {
            let mask = v.map { $0 != 0 ? UInt8(1) : 0 }
            guard mask.nonzeroCount > 0 else { return v }
            let margin = Int((marginMM / v.geometry.spacing.min()).rounded(.up))
            return try v.cropped(to: mask.boundingBox().padded(by: margin, within: v.size))
        }
        fixedCropped = try crop(fixed)
        movingCropped = try crop(moving)
    }
}
