import ArgumentParser
import Foundation
import ImageCore
import Pipeline

/// The settings the executables take from environment variables, read once at their entry
/// (`CommandEntry`) and handed on as values, so that no library looks at the environment.
public struct CommandEnvironment: Sendable, Equatable {
    /// `DEEPSTROKE_THREADS`: the thread count of a command run without `--threads`.
    public var threads: Int?
    /// `DEEPSTROKE_DATA`, `XDG_CACHE_HOME`/`HOME` and `PATH`: the data folder, the cache, where curl is.
    public var paths: DataPaths
    /// The shipped atlas and U-Net: `DEEPSTROKE_ATLAS` / `DEEPSTROKE_MODEL`, else found from the executable.
    public var resources: BundledResources
    /// Whether an MPI launcher started this process (`OMPI_COMM_WORLD_SIZE`, `PMI_SIZE`, `PMIX_RANK`, Slurm).
    public var launch: ProcessLaunch

    public init(threads: Int? = nil, paths: DataPaths, resources: BundledResources, launch: ProcessLaunch = ProcessLaunch()) {
        self.threads = threads
        self.paths = paths
        self.resources = resources
        self.launch = launch
    }

    /// Reads the variables from `environment` (the process's, at the entry). A thread count that is not
    /// a positive number, or an empty path, is ignored, as it always was.
    public init(_ environment: [String: String]) {
        threads = environment["DEEPSTROKE_THREADS"].flatMap { Int($0) }.flatMap { $0 > 0 ? $0 : nil }
        paths = DataPaths(environment: environment)
        resources = BundledResources.current(environment: environment)
        launch = ProcessLaunch(environment: environment)
    }

    /// `--threads` if given, else `DEEPSTROKE_THREADS`, else all cores.
    public func parallelism(threads option: Int?) -> Parallelism {
        (option ?? threads).map { Parallelism(threadCount: $0) } ?? .allCores
    }
}

/// A command that needs settings from the environment (data folder, cache, model): `CommandEntry` hands
/// them in, read once, instead of the command or a library reading variables.
public protocol EnvironmentCommand: ParsableCommand {
    mutating func run(in environment: CommandEnvironment) throws
}

extension EnvironmentCommand {
    /// Only reached when the command is run without `CommandEntry` (e.g. from a test): reads the
    /// environment here instead.
    public mutating func run() throws {
        try run(in: CommandEnvironment(ProcessInfo.processInfo.environment))
    }
}
