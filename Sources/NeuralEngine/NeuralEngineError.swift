/// Errors of the tensor engine. Each case says what went wrong in words a user can act on.
public enum NeuralEngineError: Error, CustomStringConvertible, Equatable {
    /// A oneDNN call failed; `what` names the operation, `status` is oneDNN's status code.
    case backend(what: String, status: Int)
    case shapeMismatch(String)
    case invalidArgument(String)
    /// The system refused memory for `what` (an activation or scratch buffer): the input is too large
    /// for this machine, or other processes hold the memory.
    case outOfMemory(String)
    /// A safetensors file is malformed or lacks what the caller needs.
    case safetensors(file: String, problem: String)

    public var description: String {
        switch self {
        case .backend(let what, let status): return "oneDNN failed in \(what) (status \(status))"
        case .shapeMismatch(let s): return "shape mismatch: \(s)"
        case .invalidArgument(let s): return "invalid argument: \(s)"
        case .outOfMemory(let what): return "out of memory allocating \(what)"
        case .safetensors(let file, let problem): return "\(file): \(problem)"
        }
    }
}
