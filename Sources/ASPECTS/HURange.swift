/// The Hounsfield range counted as brain tissue when measuring a region. Below it lie CSF (0-15 HU) and
/// fat or air; above it calcification and blood (acute haemorrhage 50-90 HU, calcification > 100 HU).
/// Excluding both keeps a misregistered ventricle edge or a calcified pallidum from masquerading as, or
/// masking, ischaemic hypodensity. Default 10-60 HU, both ends included.
public struct HURange: Equatable, Sendable, Codable {
    public var lower: Double
    public var upper: Double

    public init(lower: Double = 10, upper: Double = 60) throws {
        guard lower.isFinite, upper.isFinite, lower < upper else {
            throw ASPECTSError.invalidArgument("tissue HU range \(lower)...\(upper) must be finite and increasing")
        }
        self.lower = lower
        self.upper = upper
    }

    public static let tissue = try! HURange()

    @inline(__always)
    public func contains(_ hu: Float) -> Bool { Double(hu) >= lower && Double(hu) <= upper }
}
