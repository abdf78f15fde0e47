import Foundation

/// How many independent measurements a region's voxels are worth.
///
/// CT noise is spatially correlated (reconstruction kernel, in-plane interpolation), so n voxels carry
/// less information than n independent samples, and a plain standard error would make every small
/// left-right difference look "significant". The noise autocorrelation is modelled as Gaussian and
/// separable, the assumption behind SPM's and AFNI's smoothness estimates: with lag-1 correlation rho_d
/// along voxel axis d, the correlation at lag l is rho_d^(l^2). The variance of the mean of n voxels in a
/// region much larger than the correlation length is then inflated by prod_d sum_l rho_d^(l^2), so
/// n_eff = n / that product (for white noise the product is 1; for noise smoothed by a Gaussian of
/// sigma = 0.8 voxels in-plane it is about 8). rho_d is estimated from the region's own tissue voxels
/// (neighbour pairs inside the region), clamped to [0, 0.95] so a tiny region cannot produce a negative
/// or runaway correction. Anatomical structure inside a region raises rho and so lowers n_eff, which
/// errs towards smaller z-scores.
public struct EffectiveSampleSize: Equatable, Sendable {
    /// Lag-1 correlation along i, j, k.
    public let lagCorrelation: [Double]
    public let voxels: Int
    public let value: Double

    public init(voxels: Int, lagCorrelation: [Double]) {
        self.voxels = voxels
        self.lagCorrelation = lagCorrelation
        var inflation = 1.0
        for r in lagCorrelation {
            inflation *= EffectiveSampleSize.inflation(lagCorrelation: r)
        }
        value = voxels == 0 ? 0 : Swift.min(Double(voxels), Swift.max(1, Double(voxels) / inflation))
    }

    /// Variance inflation of a mean along one axis with Gaussian autocorrelation: sum over all lags l of
    /// rho^(l^2) (a Jacobi theta value), summed until the terms vanish.
    public static func inflation(lagCorrelation r: Double) -> Double {
        let rho = Swift.min(0.95, Swift.max(0, r.isFinite ? r : 0))
        guard rho > 0 else { return 1 }
        var total = 1.0
        var l = 1.0
        while true {
            let term = pow(rho, l * l)
            if term < 1e-12 { break }
            total += 2 * term
            l += 1
        }
        return total
    }

    /// Estimates the correlation from the tissue voxels of region `code` with values `hu`.
    static func estimate(code: Int, in regions: RegionVoxels, hu: [Float], mean: Double) -> EffectiveSampleSize {
        let voxels = regions.tissue[code]
        guard voxels.count > 1 else { return EffectiveSampleSize(voxels: voxels.count, lagCorrelation: [0, 0, 0]) }
        var variance = 0.0
        for n in voxels { variance += (Double(hu[n]) - mean) * (Double(hu[n]) - mean) }
        variance /= Double(voxels.count)
        let strides = regions.axisStrides
        let label = UInt8(code)
        let rho: [Double] = (0..<3).map { axis in
            var sum = 0.0, pairs = 0
            for n in voxels where regions.hasForwardNeighbour(n, axis: axis) {
                let m = n + strides[axis]
                guard regions.tissueLabel[m] == label else { continue }
                sum += (Double(hu[n]) - mean) * (Double(hu[m]) - mean)
                pairs += 1
            }
            return pairs > 0 && variance > 0 ? sum / Double(pairs) / variance : 0
        }
        return EffectiveSampleSize(voxels: voxels.count, lagCorrelation: rho)
    }
}
