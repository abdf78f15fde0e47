import ArgumentParser
import ASPECTS
import Atlas
import CommandSupport
import Foundation
import ImageCore
import Pipeline
import Registration

struct RunCommand: ThreadedCommand, EnvironmentCommand {
    static let configuration = CommandConfiguration(
        commandName: "run",
        abstract: "DICOMDIR, DICOM folder or NIfTI -> ASPECTS regions, score, report and DICOM SEG.",
        discussion: "Research software, not for clinical use. Outputs: docs/pipeline.md.")

    @Argument(help: "DICOMDIR, DICOM folder or file, or a NIfTI CT in HU.")
    var input: String

    @Option(name: .shortAndLong, help: "Output folder.")
    var output: String

    @Option(help: "Segmentation method.")
    var method: EndToEndRun.Method = .atlas

    @Option(help: "Atlas folder (default: the bundled atlas in share/deepstroke/atlas, or DEEPSTROKE_ATLAS).")
    var atlas: String?

    @Option(help: "U-Net model folder (config.json, model.safetensors, preprocessing.json); default: the bundled frame model trained on generated data (share/deepstroke/models/aspects-unet-frame, or DEEPSTROKE_MODEL).")
    var model: String?

    @Option(help: "Registration preset of the atlas method.")
    var preset: RegistrationPreset = .default

    @Flag(help: "Also write the report images as DICOM Secondary Capture.")
    var secondaryCapture = false

    @OptionGroup var threadOptions: ThreadOptions

    func run(in environment: CommandEnvironment) throws {
        let outcome = try RunCommand.execute(environment: environment, input: URL(fileURLWithPath: input), output: URL(fileURLWithPath: output), method: method,
                                             atlas: atlas, model: model, preset: preset, secondaryCapture: secondaryCapture)
        RunCommand.printOutcome(outcome)
        if outcome.notAssessable { throw ExitCode(RunCommand.notAssessableExitCode) }
    }

    /// Exit status of a run that completed but could not score the scan (docs/quality-gates.md): the
    /// report says why; 1 stays for errors.
    static let notAssessableExitCode: Int32 = 3

    /// Shared with `demo`.
    static func execute(environment: CommandEnvironment, input: URL, output: URL, method: EndToEndRun.Method, atlas: String?, model: String?,
                        preset: RegistrationPreset, secondaryCapture: Bool) throws -> EndToEndRun.Outcome {
        var o = EndToEndRun.Options()
        o.method = method
        o.secondaryCapture = secondaryCapture
        o.software = "DeepStroke \(DeepStrokeVersion.string)"
        let log: (String) -> Void = { print($0) }
        let resources = environment.resources
        let labeler: () throws -> ScanLabeler = {
            let a = try atlas.map { try Atlas(directory: URL(fileURLWithPath: $0)) } ?? DefaultAtlas.load(resources)
            return LabelTransferLabeler(atlas: a, preset: preset)
        }
        var segmenter: (() throws -> ScanSegmenter)? = nil
        if method != .atlas {
            guard let folder = model.map({ URL(fileURLWithPath: $0) }) ?? BundledModel.directory(resources) else {
                throw ValidationError("--method \(method.rawValue) needs a U-Net: pass --model MODEL_DIR (the bundled model was not found: \(resources.model.problem ?? "unknown"))")
            }
            if model == nil { print("U-Net model: \(folder.path) (bundled, trained on synthetic data)") }
            // A frame model reads scans registered to the atlas it was trained in: the bundled one.
            segmenter = { try UNetScanSegmenter(directory: folder, atlas: DefaultAtlas.load(resources)) }
        }
        let t0 = Date()
        let outcome = try EndToEndRun(options: o, atlasLabeler: labeler, segmenter: segmenter, log: log).run(input: input, output: output)
        print(String(format: "total %.1f s", Date().timeIntervalSince(t0)))
        return outcome
    }

    static func printOutcome(_ outcome: EndToEndRun.Outcome) {
        if let refusal = outcome.refusal {
            print("NOT ASSESSABLE: no ASPECTS for this scan")
            for f in refusal { print("  \(f.gate): \(f.message)") }
        }
        func text(_ s: Int?) -> String { s.map(String.init) ?? "n/a" }
        for r in outcome.methods {
            let affected = Hemisphere.allCases.flatMap { r.result.score($0) == nil ? [] : r.result.affectedRegions($0) }.map(\.region.description)
            if r.result.status == .notAssessable {
                print("\(r.method): NOT ASSESSABLE (\(r.result.assessment.findings.filter { $0.severity == .refuse }.map(\.gate).joined(separator: ", ")))")
            } else {
                print("\(r.method): ASPECTS right \(text(r.result.score(.right))), left \(text(r.result.score(.left))); affected side \(r.result.affectedSide?.rawValue ?? "none")"
                    + (affected.isEmpty ? "" : " (\(affected.joined(separator: ", ")))"))
            }
            print("  report: \(r.folder.appendingPathComponent("report.html").path)")
            if let s = r.segmentation { print("  DICOM SEG: \(s.path)") }
            if !r.secondaryCaptures.isEmpty { print("  Secondary Capture: \(r.secondaryCaptures.map(\.path).joined(separator: " "))") }
        }
    }
}
