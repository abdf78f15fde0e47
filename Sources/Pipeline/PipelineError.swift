import Foundation

/// Errors of the curation and end-to-end pipeline. Each case names the input or output concerned and
/// the problem in plain words, so a failed scan's manifest row and the CLI's one-line message say
/// what to fix.
public enum PipelineError: Error, CustomStringConvertible, Equatable {
    /// The input (DICOMDIR, folder, NIfTI file) cannot be used.
    case input(path: String, problem: String)
    /// An output file or folder cannot be written.
    case output(path: String, problem: String)
    /// The dataset manifest cannot be opened, read or merged.
    case manifest(path: String, problem: String)
    /// A command-line style argument is malformed (shard spec, job count, method).
    case invalidArgument(String)
    /// A step that needs something this build does not have (for example a U-Net model folder).
    case unavailable(String)
    /// A download (the CT template) or its checksum verification failed; `file` is the URL or tool.
    case download(file: String, problem: String)
    /// The run was stopped on purpose (a test hook or an interrupt) before it finished.
    case interrupted(String)

    public var description: String {
        switch self {
        case .input(let p, let s): return "\(p): \(s)"
        case .output(let p, let s): return "cannot write \(p): \(s)"
        case .manifest(let p, let s): return "manifest \(p): \(s)"
        case .invalidArgument(let s): return "invalid argument: \(s)"
        case .unavailable(let s): return s
        case .interrupted(let s): return "interrupted: \(s)"
        case .download(let f, let p): return "\(f): download failed: \(p)"
        }
    }
}
