import Foundation

/// Shape of a region's HU distribution: central moments and Shannon entropy of a fixed-width histogram.
///
/// Bins are `binWidth` HU wide starting at the tissue range's lower bound (values outside the range fall
/// in the end bins), so entropies are comparable across regions and patients. Entropy is in bits:
/// a histogram spread evenly over k bins has entropy log2(k). Moments are population moments; kurtosis
/// is the excess kurtosis (0 for a normal distribution).
public struct HistogramDescriptors: Equatable, Sendable {
    public let mean: Double
    public let variance: Double
    public let skewness: Double
    public let excessKurtosis: Double
    public let entropyBits: Double
    /// Sum of squared bin probabilities (1 when all values share one bin).
    public let uniformity: Double

    public init(values: [Float], range: HURange, binWidth: Double = 2.5) {
        guard !values.isEmpty, binWidth > 0 else {
            mean = .nan; variance = .nan; skewness = .nan; excessKurtosis = .nan; entropyBits = .nan; uniformity = .nan
            return
        }
        let n = Double(values.count)
        var sum = 0.0
        for v in values { sum += Double(v) }
        let m = sum / n
        var m2 = 0.0, m3 = 0.0, m4 = 0.0
        for v in values {
            let d = Double(v) - m
            m2 += d * d
            m3 += d * d * d
            m4 += d * d * d * d
        }
        m2 /= n; m3 /= n; m4 /= n
        mean = m
        variance = m2
        skewness = m2 > 0 ? m3 / pow(m2, 1.5) : 0
        excessKurtosis = m2 > 0 ? m4 / (m2 * m2) - 3 : 0

        let bins = Swift.max(1, Int(((range.upper - range.lower) / binWidth).rounded(.up)))
        var counts = [Int](repeating: 0, count: bins)
        for v in values {
            let b = Int(((Double(v) - range.lower) / binWidth).rounded(.down))
            counts[Swift.min(bins - 1, Swift.max(0, b))] += 1
        }
        var h = 0.0, u = 0.0
        for c in counts where c > 0 {
            let p = Double(c) / n
            h -= p * log2(p)
            u += p * p
        }
        entropyBits = h
        uniformity = u
    }
}
