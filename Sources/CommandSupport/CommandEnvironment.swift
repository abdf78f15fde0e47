import ImageCore

/// The settings the executables take from environment variables, read once at their entry
/// (`CommandEntry`) and handed on as values, so that no library looks at the environment.
public struct CommandEnvironment: Sendable, Equatable {
    /// `DEEPSTROKE_THREADS`: the thread count of a command run without `--threads`.
    public var threads: Int?

    public init(threads: Int? = nil) {
        self.threads = threads
    }

    /// Reads the variables from `environment` (the process's, at the entry). A value that is not a
    /// positive number is ignored, as it always was.
    public init(_ environment: [String: String]) {
        threads = environment["DEEPSTROKE_THREADS"].flatMap { Int($0) }.flatMap { $0 > 0 ? $0 : nil }
    }

    /// `--threads` if given, else `DEEPSTROKE_THREADS`, else all cores.
    public func parallelism(threads option: Int?) -> Parallelism {
        (option ?? threads).map { Parallelism(threadCount: $0) } ?? .allCores
    }
}
