import Foundation

/// Limits on how far the affine stage may scale the fixed image (the atlas) along each of its axes.
///
/// Brains differ in size by about ±15 % along an axis and in shape (a head wider for its length by
/// 15 % is ordinary: the real GE head of the data folder is one), so the bounds must be generous. What
/// they stop is the runaway: a linear stage that is free to stretch will, on an unfamiliar head (a scan
/// cut at the skull base, a stripping that kept some scalp), buy a better metric value by stretching the
/// atlas into the neck or the scalp; one such case stretched it 23 % vertically against 5 % across,
/// moving the deep regions 4-9 mm. So each affine step is projected back onto plausible maps, measured
/// as the `affine` quality gate measures them — the lengths of the atlas's LPS axes after the map (the
/// linear part's columns):
/// - each length within [`minimum`, `maximum`];
/// - the two in-plane lengths at most `maximumInPlaneRatio` apart;
/// - the vertical length within `maximumVerticalRatio` of the in-plane mean, either way.
/// A step inside the bounds is left exactly as it was; outside, only the offending columns are rescaled
/// (their directions, hence rotation and shear, are kept).
public struct ScaleBounds: Codable, Sendable, Equatable {
    public var minimum: Double
    public var maximum: Double
    public var maximumInPlaneRatio: Double
    public var maximumVerticalRatio: Double
    /// Index of the vertical (head-foot) axis of the fixed image's LPS frame.
    public var verticalAxis: Int

    public init(minimum: Double = 0.8, maximum: Double = 1.3, maximumInPlaneRatio: Double = 1.3,
                maximumVerticalRatio: Double = 1.2, verticalAxis: Int = 2) {
        self.minimum = minimum
        self.maximum = maximum
        self.maximumInPlaneRatio = maximumInPlaneRatio
        self.maximumVerticalRatio = maximumVerticalRatio
        self.verticalAxis = verticalAxis
    }

    /// Head-sized bounds, a little wider than the `affine` quality gate's limits (0.75-1.35 per axis is
    /// the gate's; 1.3 in-plane; vertical 1.15): the optimiser is kept from running away, and the gate
    /// still refuses what lies between its limits and these.
    public static let head = ScaleBounds()

    /// Column lengths (axis scales) of a row-major 3x3 matrix.
    static func axisScales(_ a: [Double]) -> [Double] {
        (0..<3).map { (c: Int) -> Double in
            let x = a[c], y = a[3 + c], z = a[6 + c]
            return (x * x + y * y + z * z).squareRoot()
        }
    }

    /// The axis scales brought within the bounds.
    func clamped(_ scales: [Double]) -> [Double] {
        func clamp(_ x: Double) -> Double { Swift.min(maximum, Swift.max(minimum, x)) }
        var s = scales.map(clamp)
        let v = verticalAxis, p = (0..<3).filter { $0 != v }
        let (a, b) = (s[p[0]], s[p[1]])
        if Swift.max(a, b) > maximumInPlaneRatio * Swift.min(a, b) {
            // Squeeze the two about their geometric mean until they are the limit apart.
            let g = (a * b).squareRoot(), r = maximumInPlaneRatio.squareRoot()
            s[p[0]] = clamp(Swift.min(g * r, Swift.max(g / r, a)))
            s[p[1]] = clamp(Swift.min(g * r, Swift.max(g / r, b)))
        }
        let mean = (s[p[0]] + s[p[1]]) / 2
        s[v] = clamp(Swift.min(mean * maximumVerticalRatio, Swift.max(mean / maximumVerticalRatio, s[v])))
        return s
    }

    /// The row-major linear part `a` with its columns rescaled into the bounds; unchanged when inside
    /// them (or degenerate).
    public func project(_ a: [Double]) -> [Double] {
        let scales = Self.axisScales(a)
        guard scales.allSatisfy({ $0 > 1e-12 }) else { return a }
        let target = clamped(scales)
        guard zip(scales, target).contains(where: { $0 != $1 }) else { return a }
        var out = a
        for r in 0..<3 { for c in 0..<3 { out[r * 3 + c] *= target[c] / scales[c] } }
        return out
    }
}
