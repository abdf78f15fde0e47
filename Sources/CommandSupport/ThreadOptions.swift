import ArgumentParser
import ImageCore

/// `--threads`, declared once for every command that runs parallel loops (`@OptionGroup var
/// threadOptions: ThreadOptions`). The command does not apply it itself: `CommandEntry` runs the parsed
/// command inside the `Parallelism` this option chooses, so no command sets a process-wide count.
public struct ThreadOptions: ParsableArguments {
    @Option(help: "Threads (default: DEEPSTROKE_THREADS or all cores).")
    public var threads: Int?

    public init() {}

    public func validate() throws {
        if let threads, threads < 1 { throw ValidationError("--threads must be at least 1, not \(threads)") }
    }
}

/// A command with `--threads`; `CommandEntry` reads it before running the command.
public protocol ThreadedCommand: ParsableCommand {
    var threadOptions: ThreadOptions { get }
}
