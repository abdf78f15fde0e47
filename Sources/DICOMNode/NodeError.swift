/// Errors of the DICOM node: its job store and its inbox. Each names the file concerned.
public enum NodeError: Error, CustomStringConvertible {
    case jobStore(path: String, problem: String)
    case inbox(path: String, problem: String)
    case configuration(String)

    public var description: String {
        switch self {
        case .jobStore(let p, let s): return "job store \(p): \(s)"
        case .inbox(let p, let s): return "inbox \(p): \(s)"
        case .configuration(let s): return s
        }
    }
}
