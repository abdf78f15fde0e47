import ArgumentParser
import Foundation

@main
struct DeepStroke: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "deepstroke",
        abstract: "Non-contrast head CT to ASPECTS regions and score.",
        version: DeepStrokeVersion.string,
        subcommands: [
            DemoCommand.self, RunCommand.self, InfoCommand.self, DicomCommand.self, ResampleCommand.self,
            StripCommand.self, AtlasCommand.self, DatasetCommand.self, TrainCommand.self, ModelCommand.self,
            NNCommand.self, SegmentCommand.self, ScoreCommand.self, FetchTemplateCommand.self,
            NIfTICommand.self, BenchCommand.self, RegisterCommand.self, ApplyCommand.self, LabelCommand.self,
            ServeCommand.self,
        ]
    )
}

enum DeepStrokeVersion {
    static let string = "0.1.0"
}
