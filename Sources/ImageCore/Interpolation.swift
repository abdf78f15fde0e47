/// How a resampler reads the input between voxel centres.
///
/// - `nearest`: the closest voxel (ties round up); exact for any voxel type.
/// - `linear`: trilinear, computed in Float32.
/// - `cubic`: cubic B-spline interpolation after recursive prefiltering (scipy's `order=3`), Float32.
/// - `label`: for label maps. Each of the 8 surrounding voxels votes for its label with its trilinear
///   weight and the label with the largest total wins, so boundaries move smoothly like linear
///   interpolation but no label that is not among the neighbours can ever appear.
public enum Interpolation: String, CaseIterable, Sendable {
    case nearest, linear, cubic, label
}
