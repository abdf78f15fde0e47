/// The extended, research-oriented description of a region that goes beyond the 10-point score:
/// shape of the labelled region, and intensity distribution and texture of its tissue voxels.
public struct RegionDescriptors: Equatable, Sendable {
    public let shape: ShapeDescriptors
    public let histogram: HistogramDescriptors
    public let texture: GLCMDescriptors
}
