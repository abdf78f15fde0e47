/// A CT display window: Hounsfield units from `level - width/2` to `level + width/2` spread over black
/// to white, everything outside clipped. Early ischaemic change is a 2-8 HU drop, invisible in a bone or
/// soft-tissue window, hence the narrow brain and stroke presets.
public struct CTWindow: Equatable, Sendable {
    public var level: Double
    public var width: Double

    public init(level: Double, width: Double) {
        precondition(width > 0, "CT window width must be positive")
        self.level = level
        self.width = width
    }

    /// Standard brain window (W80 L40).
    public static let brain = CTWindow(level: 40, width: 80)
    /// Narrow stroke window (W40 L35): grey/white contrast and subtle hypodensity stand out.
    public static let stroke = CTWindow(level: 35, width: 40)
    public static let bone = CTWindow(level: 600, width: 2800)

    public var lower: Double { level - width / 2 }
    public var upper: Double { level + width / 2 }

    /// Linear ramp from `lower` (0) to `upper` (255), rounded to nearest; NaN shows as black.
    @inline(__always)
    public func grey(_ hu: Float) -> UInt8 {
        let t = (Double(hu) - lower) / width * 255
        guard t.isFinite, t > 0 else { return 0 }
        return t >= 255 ? 255 : UInt8(t.rounded())
    }
}
