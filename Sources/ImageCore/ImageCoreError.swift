/// Errors raised by the volume core. Each case says what is wrong in words a user understands.
public enum ImageCoreError: Error, CustomStringConvertible, Equatable {
    case invalidGeometry(String)
    case sizeMismatch(String)
    case invalidArgument(String)
    case nonFiniteValues(String)
    /// A statistic or bounding box was asked of no voxels (empty mask, all NaN).
    case emptySelection(String)

    public var description: String {
        switch self {
        case .invalidGeometry(let s): return "invalid geometry: \(s)"
        case .sizeMismatch(let s): return "size mismatch: \(s)"
        case .invalidArgument(let s): return "invalid argument: \(s)"
        case .nonFiniteValues(let s): return "non-finite values: \(s)"
        case .emptySelection(let s): return "nothing selected: \(s)"
        }
    }
}
