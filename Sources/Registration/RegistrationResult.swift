import ImageCore

/// The outcome of `ImageRegistration.register`: the affine, the deformable warps on the fixed grid, the
/// moving image resampled onto the fixed grid, and the report.
///
/// Conventions match ANTs: `forwardWarp` maps a fixed-space point y to y + w(y) in the affinely aligned
/// moving space, and `affine` maps that to the moving image, so the forward chain is `[warp, affine]`
/// (`-t warp -t affine`); the inverse chain is `[affine^-1, inverseWarp]` (`-t [affine,1] -t inverseWarp`).
public struct RegistrationResult: Sendable {
    public var affine: AffineTransform3D
    public var forwardWarp: DisplacementField?
    public var inverseWarp: DisplacementField?
    public var warped: Volume<Float>
    public var report: RegistrationReport

    /// Pulls moving-space images onto the fixed grid.
    public var forward: TransformChain {
        TransformChain((forwardWarp.map { [.field($0)] } ?? []) + [.affine(affine)])
    }

    /// Pulls fixed-space images (e.g. atlas labels) onto the moving grid.
    public var inverse: TransformChain {
        TransformChain([.affine(affine.inverse ?? .identity)] + (inverseWarp.map { [.field($0)] } ?? []))
    }
}
