import ArgumentParser

/// Hidden tools around the NIfTI module, for the reference tests.
struct NIfTICommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "nifti",
        abstract: "NIfTI utilities (for tests).",
        shouldDisplay: false,
        subcommands: [NIfTIConvertCommand.self])
}
