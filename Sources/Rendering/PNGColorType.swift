/// The two 8-bit PNG pixel layouts DeepStroke writes: greyscale (slices, masks) and truecolour (overlays).
public enum PNGColorType: UInt8, Sendable {
    case grey = 0
    case rgb = 2

    public var channels: Int { self == .grey ? 1 : 3 }
}
