import ImageCore
import Registration

/// A mean overlay template: many scans' legacy outline overlays carried into atlas space through their
/// label-transfer transforms and averaged, so the result at a voxel is the fraction of scans whose
/// outline passes there (how the reference drew its atlas: from where readers put the borders).
///
/// Each overlay's points are pushed, not pulled: every outline voxel's centre is mapped into the atlas
/// (`ontoNative.map`, scan point -> atlas point) and splatted trilinearly, then clamped to 1 per scan so
/// a scan with a dense outline does not weigh more than one with a sparse one. An optional Gaussian
/// turns the mean into a smooth density.
public struct OverlayAggregation {
    /// Gaussian sigma (mm) applied to the mean; 0 keeps the raw mean.
    public var sigmaMM: Double

    public init(sigmaMM: Double = 0) {
        self.sigmaMM = sigmaMM
    }

    /// Running sum over scans; call `add` for each, then `mean`.
    public struct Accumulator: Sendable {
        public let geometry: Geometry
        public private(set) var sum: [Double]
        public private(set) var scans = 0
        public private(set) var points = 0

        public init(geometry: Geometry) {
            self.geometry = geometry
            sum = [Double](repeating: 0, count: geometry.voxelCount)
        }

        /// Adds one scan's overlay (a mask on the scan grid) through that scan's transforms.
        public mutating func add(overlay: Volume<UInt8>, transforms: LabelTransferTransforms) {
            let cloud = OverlayPointCloud(mask: overlay).mapped(through: transforms.ontoNative)
            let density = cloud.splatted(onto: geometry)
            for q in 0..<sum.count where density.data[q] > 0 { sum[q] += Double(Swift.min(density.data[q], 1)) }
            scans += 1
            points += cloud.count
        }
    }

    /// The mean over the accumulated scans (all zero when there were none).
    public func mean(of a: Accumulator) throws -> Volume<Float> {
        let n = Double(Swift.max(a.scans, 1))
        let mean = try Volume<Float>(geometry: a.geometry, data: a.sum.map { Float($0 / n) })
        return sigmaMM > 0 ? try mean.gaussianSmoothed(sigmaMM: sigmaMM) : mean
    }
}
