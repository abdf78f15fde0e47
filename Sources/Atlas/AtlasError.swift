/// Errors raised while building, writing or opening an ASPECTS atlas. Each case names the file (or
/// folder) and says what is wrong in words a user can act on.
public enum AtlasError: Error, CustomStringConvertible, Equatable {
    /// A required file is absent.
    case missingFile(file: String, problem: String)
    /// A file exists but its content cannot be used (wrong grid, labels outside the convention, ...).
    case invalidContent(file: String, problem: String)
    /// The template's anatomy does not allow a rule to be applied (a structure is missing or empty).
    case anatomy(file: String, problem: String)
    /// Writing the atlas failed.
    case output(file: String, problem: String)

    public var description: String {
        switch self {
        case .missingFile(let f, let p): return "\(f): missing: \(p)"
        case .invalidContent(let f, let p): return "\(f): \(p)"
        case .anatomy(let f, let p): return "\(f): cannot build the atlas: \(p)"
        case .output(let f, let p): return "\(f): cannot write: \(p)"
        }
    }
}
