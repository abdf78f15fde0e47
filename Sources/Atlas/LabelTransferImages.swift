import ImageCore
import Morphology

/// The two images the label transfer registers, made alike so that the registration aligns anatomy
/// rather than the way each brain was cut out.
///
/// Skull stripping leaves its own mark at the brain's edge: ours keeps the partial-volume rim at the
/// inner table (clamped to the top of the tissue window, so bright), while the public template's brain
/// fades out at its edge. Registered against each other, the strongest local feature would be that
/// disagreement and the warp would follow it (on generated patients this costs about 2 mm everywhere).
/// So when the atlas has its template with skull, the target is that template stripped by the same
/// `SkullStripper` as the scan; otherwise it is `template.nii.gz`, and the scan's out-of-window voxels
/// (the rim) are set to 0 instead of clamped, which resembles a fading edge.
///
/// Both are cropped to their brain's box plus `marginMM` for the registration itself (most of an
/// atlas grid is background, and registration time grows with the grid).
struct LabelTransferImages {
    /// Registration target on the atlas grid, and the scan image registered to it on the scan grid.
    let fixed: Volume<Float>
    let moving: Volume<Float>
    let fixedCropped: Volume<Float>
    let movingCropped: Volume<Float>
    /// True when the target is the atlas's template with skull stripped like the scan.
    let strippedAlike: Bool

    init(atlas: Atlas, scan: Volume<Float>, stripped: SkullStripper.Result, stripper: SkullStripper.Parameters,
         marginMM: Double) throws {
        var target: Volume<Float>? = nil
        if let head = try atlas.templateWithSkull() {
            target = try? SkullStripper(parameters: stripper).strip(head, name: Atlas.templateWithSkullName).brain
        }
        if let t = target {
            fixed = t
            moving = stripped.brain
            strippedAlike = true
        } else {
            fixed = atlas.template
            let window = stripper.tissueWindow
            moving = try scan.masked(by: stripped.mask).map { window.contains($0) ? $0 : 0 }
            strippedAlike = false
        }
        func crop(_ v: Volume<Float>, _ mask: Volume<UInt8>) throws -> Volume<Float> {
            guard mask.nonzeroCount > 0 else { return v }
            let margin = Int((marginMM / v.geometry.spacing.min()).rounded(.up))
            return try v.cropped(to: mask.boundingBox().padded(by: margin, within: v.size))
        }
        fixedCropped = try crop(fixed, fixed.map { $0 > 0 ? UInt8(1) : 0 })
        movingCropped = try crop(moving, stripped.mask)
    }
}
