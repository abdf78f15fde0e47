/// Errors raised while encoding, decoding or composing images. Each case says what is wrong in plain words.
public enum RenderingError: Error, CustomStringConvertible, Equatable {
    /// The image has no pixels, or its buffer does not match its width, height and channels.
    case invalidImage(String)
    /// zlib refused to compress or decompress (the message names the zlib status).
    case compression(String)
    /// A PNG stream that this decoder cannot read (bad signature, CRC, unsupported variant, truncation).
    case invalidPNG(String)
    case invalidArgument(String)

    public var description: String {
        switch self {
        case .invalidImage(let s): return "invalid image: \(s)"
        case .compression(let s): return "compression failed: \(s)"
        case .invalidPNG(let s): return "cannot read PNG: \(s)"
        case .invalidArgument(let s): return "invalid argument: \(s)"
        }
    }
}
