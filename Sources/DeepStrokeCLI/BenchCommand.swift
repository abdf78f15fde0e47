import ArgumentParser

/// Hidden timing commands used by bench/*.py: each times just the operation, inside the process, and
/// prints JSON.
struct BenchCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "bench",
        abstract: "Time single operations (for bench/*.py).",
        shouldDisplay: false,
        subcommands: [BenchNIfTICommand.self, BenchResample.self, BenchSmooth.self])
}
