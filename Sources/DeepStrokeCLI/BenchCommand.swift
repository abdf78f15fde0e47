import ArgumentParser

/// Hidden timing entry points for `bench/*.py`: each times one library operation in-process and
/// prints one JSON line, so the Python side compares like with like (no file I/O in the timing).
struct Bench: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "bench",
        abstract: "Time one library operation and print JSON (used by bench/*.py).",
        shouldDisplay: false,
        subcommands: [BenchResample.self, BenchSmooth.self]
    )
}
