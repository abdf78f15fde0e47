/// Errors raised while scoring or reporting. Each case names the input and the problem in plain words.
public enum ASPECTSError: Error, CustomStringConvertible, Equatable {
    /// The CT and the label map do not describe the same voxel grid.
    case gridMismatch(String)
    /// The label map holds no ASPECTS labels (1-20) at all.
    case noRegions(String)
    case invalidArgument(String)
    /// Writing the report failed (the message names the file).
    case output(String)

    public var description: String {
        switch self {
        case .gridMismatch(let s): return "CT and labels do not match: \(s)"
        case .noRegions(let s): return "no ASPECTS regions: \(s)"
        case .invalidArgument(let s): return "invalid argument: \(s)"
        case .output(let s): return "cannot write report: \(s)"
        }
    }
}
