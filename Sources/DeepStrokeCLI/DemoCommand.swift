import ArgumentParser
import CommandSupport
import Foundation
import ImageCore
import Pipeline
import Registration

struct DemoCommand: ThreadedCommand, EnvironmentCommand {
    static let configuration = CommandConfiguration(
        commandName: "demo",
        abstract: "Run DeepStroke end to end on a built-in synthetic patient (the public CT template with a known lesion).",
        discussion: """
            Makes a synthetic patient from the CT template (fetched on first use) with the right insula, M2, M3 and M5 \
            about 6 HU hypodense, writes it as a DICOMDIR study with decoy series, then runs `deepstroke run` on it. \
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
        let template = try ExampleData.templateDirectory(paths: environment.paths, log: log)
        let atlas = try DefaultAtlas.load(paths: environment.paths, log: log)
        let patient = DemoPatient()
        let study = out.appendingPathComponent("study")
        let dicomdir = try patient.writeStudy(templateDirectory: template, atlas: atlas, to: study)
        print("synthetic patient: \(patient.lesionDescription) hypodense by \(patient.depthHU) HU (expected ASPECTS right \(patient.expectedScore.right), left \(patient.expectedScore.left))")
        print("DICOMDIR study: \(dicomdir.path)")
        // Both methods when the bundled U-Net is there (a checkout), the atlas alone otherwise.
        let method: EndToEndRun.Method = BundledModel.directory(configured: environment.model) == nil ? .atlas : .both
        let outcome = try RunCommand.execute(environment: environment, input: dicomdir, output: out.appendingPathComponent("result"), method: method,
                                             atlas: DefaultAtlas.directory(paths: environment.paths).path, model: nil, preset: preset, secondaryCapture: true)
        RunCommand.printOutcome(outcome)
        for r in outcome.methods {
            print("open \(r.folder.appendingPathComponent("report.html").path) in a browser (\(r.method))")
        }
    }
}
