import Rendering

/// How the report pictures colour the `HypodensityMap`: transparent below half the hypodense threshold
/// (healthy left-right noise stays invisible), fading in to full opacity at the threshold, and running
/// from yellow at the threshold to red at three times it (about the deepest early ischaemic change, 8-10 HU
/// at the calibrated 3 HU). Opacity stays below 1 so the CT underneath remains readable.
public struct HypodensityHeatScale: Equatable, Sendable {
    public var thresholdHU: Double
    public var maximumOpacity: Double

    public init(thresholdHU: Double, maximumOpacity: Double = 0.7) {
        self.thresholdHU = thresholdHU
        self.maximumOpacity = maximumOpacity
    }

    public static let low = RGBColor.yellow
    public static let high = RGBColor(230, 0, 0)

    /// HU at which the colour is fully red.
    public var redHU: Double { 3 * thresholdHU }

    /// Colour and opacity of a hypodensity value (HU); nil where nothing is drawn.
    public func colour(_ hu: Float) -> (RGBColor, Double)? {
        let h = Double(hu)
        let start = thresholdHU / 2
        guard h.isFinite, h > start else { return nil }
        let alpha = maximumOpacity * Swift.min(1, (h - start) / (thresholdHU - start))
        let t = Swift.min(1, Swift.max(0, (h - thresholdHU) / (redHU - thresholdHU)))
        func mix(_ a: UInt8, _ b: UInt8) -> UInt8 { UInt8((Double(a) + t * (Double(b) - Double(a))).rounded()) }
        let lo = HypodensityHeatScale.low, hi = HypodensityHeatScale.high
        return (RGBColor(mix(lo.r, hi.r), mix(lo.g, hi.g), mix(lo.b, hi.b)), alpha)
    }
}
