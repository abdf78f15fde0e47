import ArgumentParser
import Foundation

/// `-o/--output FOLDER` for the commands that write a folder of files: one declaration, one help
/// line, used with `@OptionGroup var destination: OutputFolder`. Commands whose output is one file or
/// a prefix keep their own `--output`, whose help says what that file is.
public struct OutputFolder: ParsableArguments {
    @Option(name: .shortAndLong, help: "Output folder.")
    public var output: String

    public init() {}

    public var url: URL { URL(fileURLWithPath: output) }
}
