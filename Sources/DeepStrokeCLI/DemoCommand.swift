import ArgumentParser
import Atlas
import CommandSupport
import Foundation
import ImageCore
import Pipeline
import Registration

struct DemoCommand: ThreadedCommand, EnvironmentCommand {
    static let configuration = CommandConfiguration(
        commandName: "demo",
        abstract: "Run DeepStroke end to end on a built-in synthetic patient (the bundled atlas's CT template with a known lesion).",
        discussion: """
            Makes a synthetic patient from the CT template that ships with the bundled atlas (no data folder or network \
            needed) with the right insula, M2, M3 and M5 about 6 HU hypodense, writes it as a DICOMDIR study with decoy \
            series, then runs `deepstroke run` on it with the atlas and the bundled U-Net. \
            Research software, not for clinical use.
            """)

    @Option(name: .shortAndLong, help: "Folder for the demo study and its results.")
    var output: String = "deepstroke-demo"

    @Option(help: "Registration preset.")
    var preset: RegistrationPreset = .default

    @OptionGroup var threadOptions: ThreadOptions

    func run(in environment: CommandEnvironment) throws {
        let log: (String) -> Void = { print($0) }
        let out = URL(fileURLWithPath: output)
        let resources = environment.resources
        let atlasFolder = try DefaultAtlas.directory(resources)
        let atlas = try Atlas(directory: atlasFolder)
        log("atlas: \(atlasFolder.path) (\(resources.atlas.source))")
        let patient = DemoPatient()
        let study = out.appendingPathComponent("study")
        let dicomdir = try patient.writeStudy(atlas: atlas, to: study)
        print("synthetic patient: \(patient.lesionDescription) hypodense by \(patient.depthHU) HU (expected ASPECTS right \(patient.expectedScore.right), left \(patient.expectedScore.left))")
        print("DICOMDIR study: \(dicomdir.path)")
        // Both methods: the U-Net ships with the atlas, and a demo that quietly drops one is no demo.
        guard BundledModel.directory(resources) != nil else {
            throw ValidationError("the bundled U-Net was not found: \(resources.model.problem ?? "unknown")")
        }
        let outcome = try RunCommand.execute(environment: environment, input: dicomdir, output: out.appendingPathComponent("result"), method: .both,
                                             atlas: atlasFolder.path, model: nil, preset: preset, secondaryCapture: true)
        RunCommand.printOutcome(outcome)
        for r in outcome.methods {
            print("open \(r.folder.appendingPathComponent("report.html").path) in a browser (\(r.method))")
        }
    }
}
