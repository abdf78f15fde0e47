/// A side of the brain, named from the patient's point of view (as clinicians and ASPECTS do).
public enum Hemisphere: String, Codable, CaseIterable, Sendable {
    case right, left

    public var opposite: Hemisphere { self == .right ? .left : .right }
}
