import ArgumentParser
import CommandSupport
import Foundation

@main
struct DeepStroke: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "deepstroke",
        abstract: "Non-contrast head CT to ASPECTS regions and score.",
        version: DeepStrokeVersion.string,
        subcommands: [
            DemoCommand.self, RunCommand.self, DoctorCommand.self, InfoCommand.self, DicomCommand.self, ResampleCommand.self,
            StripCommand.self, AtlasCommand.self, DatasetCommand.self, TrainCommand.self, ModelCommand.self,
            NNCommand.self, SegmentCommand.self, ScoreCommand.self, FetchTemplateCommand.self,
            RegisterCommand.self, ApplyCommand.self, LabelCommand.self, ServeCommand.self,
        ]
    )

    /// Reads the environment once and runs the parsed command inside its thread count (`CommandEntry`).
    static func main() {
        CommandEntry.main(DeepStroke.self)
    }
}

enum DeepStrokeVersion {
    static let string = "0.1.0"
}
