import ArgumentParser

/// An HU interval given as `LOW,HIGH` (`--window`, `--tissue-range`, `--tissue-window`): two finite
/// numbers with LOW below HIGH. Parsed by ArgumentParser, so a malformed or reversed interval is refused
/// before the command runs, with the option named, instead of each command splitting the string itself.
public struct HUInterval: ExpressibleByArgument, Equatable, Sendable {
    public let low: Double
    public let high: Double

    /// Nil unless both bounds are finite and `low < high`.
    public init?(low: Double, high: Double) {
        guard low.isFinite, high.isFinite, low < high else { return nil }
        self.low = low
        self.high = high
    }

    /// For defaults written in the source; the range must be finite and not a single point.
    public init(_ range: ClosedRange<Double>) {
        precondition(range.lowerBound.isFinite && range.upperBound.isFinite && range.lowerBound < range.upperBound,
                     "HU interval \(range) must be finite and increasing")
        low = range.lowerBound
        high = range.upperBound
    }

    public init?(argument: String) {
        let values = argument.split(separator: ",", omittingEmptySubsequences: false)
            .map { Double($0.trimmingCharacters(in: .whitespaces)) }
        guard values.count == 2, let low = values[0], let high = values[1] else { return nil }
        self.init(low: low, high: high)
    }

    /// The interval in single precision, as the image code stores HU.
    public var floatRange: ClosedRange<Float> { Float(low)...Float(high) }

    public var defaultValueDescription: String { "\(Self.format(low)),\(Self.format(high))" }

    /// `10` rather than `10.0` for whole numbers, so the help shows what a user would type.
    private static func format(_ v: Double) -> String {
        v == v.rounded() && abs(v) < 1e15 ? String(Int(v)) : String(v)
    }
}
