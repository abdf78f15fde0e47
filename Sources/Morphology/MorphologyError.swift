/// Errors raised by the morphology and skull-stripping code. Each case says what is wrong in words a
/// user understands; `file` is the input's name when known (empty for in-memory volumes).
public enum MorphologyError: Error, CustomStringConvertible, Equatable {
    /// An argument outside its meaningful range (negative radius, empty window, ...).
    case invalidArgument(String)
    /// Two volumes that must share a grid do not.
    case gridMismatch(String)
    /// The input is not usable for stripping (non-finite values, not a CT, ...).
    case unusableInput(file: String, problem: String)
    /// Skull stripping ran but could not find a plausible brain.
    case noBrainFound(file: String, problem: String)

    public var description: String {
        switch self {
        case .invalidArgument(let s): return "invalid argument: \(s)"
        case .gridMismatch(let s): return "grid mismatch: \(s)"
        case .unusableInput(let f, let p): return f.isEmpty ? "unusable input: \(p)" : "\(f): \(p)"
        case .noBrainFound(let f, let p): return f.isEmpty ? "no brain found: \(p)" : "\(f): no brain found: \(p)"
        }
    }
}
