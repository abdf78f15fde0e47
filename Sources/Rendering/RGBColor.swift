/// An opaque 8-bit sRGB colour.
public struct RGBColor: Equatable, Hashable, Sendable {
    public var r: UInt8
    public var g: UInt8
    public var b: UInt8

    public init(_ r: UInt8, _ g: UInt8, _ b: UInt8) {
        self.r = r
        self.g = g
        self.b = b
    }

    public init(grey: UInt8) { self.init(grey, grey, grey) }

    public static let black = RGBColor(0, 0, 0)
    public static let white = RGBColor(255, 255, 255)
    public static let red = RGBColor(230, 30, 30)
    public static let yellow = RGBColor(255, 220, 0)

    /// `#rrggbb`, for HTML and CSS.
    public var hex: String {
        let digits = Array("0123456789abcdef")
        return "#" + [r, g, b].map { String([digits[Int($0 >> 4)], digits[Int($0 & 15)]]) }.joined()
    }

    /// `self` laid over `base` with opacity `alpha` (0 keeps base, 1 gives self), rounded to nearest.
    public func over(_ base: RGBColor, alpha: Double) -> RGBColor {
        let a = Swift.min(1, Swift.max(0, alpha))
        func mix(_ top: UInt8, _ bottom: UInt8) -> UInt8 {
            UInt8((Double(top) * a + Double(bottom) * (1 - a)).rounded())
        }
        return RGBColor(mix(r, base.r), mix(g, base.g), mix(b, base.b))
    }
}
