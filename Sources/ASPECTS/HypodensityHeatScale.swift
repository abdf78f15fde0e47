import Rendering

/// How the report pictures colour the `HypodensityMap`: transparent below the hypodense threshold (so
/// the picture shows exactly the voxels that are counted, and healthy left-right noise stays invisible),
/// then from yellow at the threshold to red at twice it (a typical 6-8 HU early ischaemic change), opacity
/// rising from `minimumOpacity` to `maximumOpacity` over the same span. Opacity stays below 1 so the CT
/// underneath remains readable.
public struct HypodensityHeatScale: Equatable, Sendable {
    public var thresholdHU: Double
    public var minimumOpacity: Double
    public var maximumOpacity: Double

    public init(thresholdHU: Double, minimumOpacity: Double = 0.45, maximumOpacity: Double = 0.75) {
        self.thresholdHU = thresholdHU
        self.minimumOpacity = minimumOpacity
        self.maximumOpacity = maximumOpacity
    }

    public static let low = RGBColor.yellow
    public static let high = RGBColor(230, 0, 0)

    /// HU at which the colour is fully red.
    public var redHU: Double { 2 * thresholdHU }

    /// Colour and opacity of a hypodensity value (HU); nil where nothing is drawn.
    public func colour(_ hu: Float) -> (RGBColor, Double)? {
        let h = Double(hu)
        guard h.isFinite, h >= thresholdHU else { return nil }
        let t = Swift.min(1, (h - thresholdHU) / (redHU - thresholdHU))
        let alpha = minimumOpacity + t * (maximumOpacity - minimumOpacity)
        func mix(_ a: UInt8, _ b: UInt8) -> UInt8 { UInt8((Double(a) + t * (Double(b) - Double(a))).rounded()) }
        let lo = HypodensityHeatScale.low, hi = HypodensityHeatScale.high
        return (RGBColor(mix(lo.r, hi.r), mix(lo.g, hi.g), mix(lo.b, hi.b)), alpha)
    }
}
