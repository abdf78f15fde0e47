import ArgumentParser
import Foundation
import NIfTI
import Pipeline

struct DemoCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "demo",
        abstract: "Run DeepStroke on its built-in example (the public CT template, fetched on first use).")

    func run() throws {
        let dir = try ExampleData.templateDirectory { FileHandle.standardError.write(($0 + "\n").data(using: .utf8)!) }
        let file = dir.appendingPathComponent("template_with_skull_2mm.nii.gz")
        let image = try NIfTIFile.read(file)
        print(NIfTISummary(file: file.path, image: image).text)
    }
}
