import ArgumentParser
import Foundation

@main
struct DeepStroke: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "deepstroke",
        abstract: "Non-contrast head CT to ASPECTS regions and score.",
        version: DeepStrokeVersion.string,
        subcommands: [DemoCommand.self, InfoCommand.self, ResampleCommand.self, FetchTemplateCommand.self, NIfTICommand.self, StripCommand.self, AtlasCommand.self, DicomCommand.self, ScoreCommand.self, LabelCommand.self, BenchCommand.self]
    )
}

enum DeepStrokeVersion {
    static let string = "0.1.0"
}
