/// Errors raised by the registration engine and its transform files. Each case says what is wrong in
/// words a user can act on; `what` names the image, mask or file concerned.
public enum RegistrationError: Error, CustomStringConvertible, Equatable {
    /// An input image cannot be registered (empty, constant, non-finite values...).
    case invalidImage(what: String, problem: String)
    /// A mask is unusable (wrong grid, no voxels).
    case invalidMask(what: String, problem: String)
    /// Two inputs that must share a grid do not.
    case mismatchedGrids(what: String, problem: String)
    /// A parameter value is out of its valid range.
    case invalidParameter(String)
    /// The optimisation produced something unusable (non-finite values, no overlap left).
    case failed(stage: String, problem: String)
    /// A transform file cannot be read or written.
    case transformFile(file: String, problem: String)

    public var description: String {
        switch self {
        case .invalidImage(let what, let p): return "\(what): \(p)"
        case .invalidMask(let what, let p): return "\(what): \(p)"
        case .mismatchedGrids(let what, let p): return "\(what): \(p)"
        case .invalidParameter(let p): return "invalid registration parameter: \(p)"
        case .failed(let stage, let p): return "registration failed in \(stage): \(p)"
        case .transformFile(let file, let p): return "\(file): \(p)"
        }
    }
}
