/// Summary of the HU values of one region's tissue voxels. Percentiles use linear interpolation between
/// order statistics (NumPy's default, so results can be checked with `numpy.percentile`); the standard
/// deviation is the sample one (n - 1). With no voxels, every value is NaN and `count` is 0.
public struct IntensityStatistics: Equatable, Sendable {
    public let count: Int
    public let mean: Double
    public let standardDeviation: Double
    public let median: Double
    public let p10: Double
    public let p25: Double
    public let p75: Double
    public let p90: Double
    public let minimum: Double
    public let maximum: Double

    public init(values: [Float]) {
        count = values.count
        guard !values.isEmpty else {
            mean = .nan; standardDeviation = .nan; median = .nan; p10 = .nan; p25 = .nan
            p75 = .nan; p90 = .nan; minimum = .nan; maximum = .nan
            return
        }
        let sorted = values.sorted()
        var sum = 0.0
        for v in sorted { sum += Double(v) }
        let m = sum / Double(count)
        var ss = 0.0
        for v in sorted { ss += (Double(v) - m) * (Double(v) - m) }
        mean = m
        standardDeviation = count > 1 ? (ss / Double(count - 1)).squareRoot() : 0
        median = Self.percentile(sorted: sorted, 50)
        p10 = Self.percentile(sorted: sorted, 10)
        p25 = Self.percentile(sorted: sorted, 25)
        p75 = Self.percentile(sorted: sorted, 75)
        p90 = Self.percentile(sorted: sorted, 90)
        minimum = Double(sorted.first!)
        maximum = Double(sorted.last!)
    }

    /// The q-th percentile (0...100) of ascending values, interpolating linearly between neighbours.
    public static func percentile(sorted: [Float], _ q: Double) -> Double {
        precondition(!sorted.isEmpty, "percentile of no values")
        let pos = q / 100 * Double(sorted.count - 1)
        let lo = Int(pos.rounded(.down)), hi = Swift.min(lo + 1, sorted.count - 1)
        let f = pos - Double(lo)
        return Double(sorted[lo]) + (Double(sorted[hi]) - Double(sorted[lo])) * f
    }
}
