/// Errors of the segmentation module, each saying what is wrong and where.
public enum SegmentationError: Error, CustomStringConvertible, Equatable {
    case invalidConfig(String)
    case invalidInput(String)
    case modelFolder(path: String, problem: String)
    case dataset(path: String, problem: String)
    case training(String)

    public var description: String {
        switch self {
        case .invalidConfig(let s): return "invalid model configuration: \(s)"
        case .invalidInput(let s): return "invalid input: \(s)"
        case .modelFolder(let p, let s): return "model folder \(p): \(s)"
        case .dataset(let p, let s): return "dataset \(p): \(s)"
        case .training(let s): return "training: \(s)"
        }
    }
}
