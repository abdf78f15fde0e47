import ArgumentParser
import CommandSupport

/// `deepstroke-bench`: the timing commands behind bench/*.py and the NIfTI rewriter the reference
/// tests use. They live apart from `deepstroke` so that the user's tool holds only what a user runs;
/// each timing command times just its operation, inside the process, and prints JSON.
@main
struct DeepStrokeBench: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "deepstroke-bench",
        abstract: "Timing and test tools for bench/*.py and reference-tests (not needed to use DeepStroke).",
        subcommands: [BenchNIfTICommand.self, BenchResample.self, BenchSmooth.self, BenchUNetCommand.self,
                      NIfTIConvertCommand.self])

    static func main() {
        CommandEntry.main(DeepStrokeBench.self)
    }
}
