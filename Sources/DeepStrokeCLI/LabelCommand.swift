import ArgumentParser
import Atlas
import CommandSupport
import Foundation
import ImageCore
import NIfTI
import Registration

struct LabelCommand: ThreadedCommand {
    static let configuration = CommandConfiguration(
        commandName: "label",
        abstract: "ASPECTS labels for a head CT by atlas label transfer (strip, register, map the atlas labels back).",
        discussion: """
            Writes LABELS (uint8, 20-label convention, on the CT's grid) and LABELS.json (label table, QA summary). \
            With --work, also the stripped scan, the registered scan and labels, the transforms (ANTs layout), qa.json \
            and labels_qa.png. With --overlay (a legacy ASPECTS outline mask on the CT's grid, as 'dicom convert' \
            extracts it) the registration is refined to the outlines when that helps. Method: docs/label-transfer.md.
            """)

    @Argument(help: "Head CT in HU (.nii or .nii.gz).")
    var input: String

    @Option(help: "Atlas folder (template.nii.gz, labels.nii.gz, ...).")
    var atlas: String

    @Option(name: .shortAndLong, help: "Output label file (.nii or .nii.gz).")
    var output: String

    @Option(help: "Legacy ASPECTS outline overlay (uint8 mask on the CT's grid).")
    var overlay: String?

    @Option(help: "Work folder for intermediate files, transforms and QA.")
    var work: String?

    @Option(help: "Registration preset.")
    var preset: RegistrationPreset = .default

    @OptionGroup var threadOptions: ThreadOptions

    @Flag(name: .shortAndLong, help: "Print progress to stderr.")
    var verbose = false

    func run() throws {
        let start = Date()
        let url = URL(fileURLWithPath: input)
        let atlasFolder = try Atlas(directory: URL(fileURLWithPath: atlas))
        let scan = try NIfTIFile.readVolume(url, as: Float.self)
        let mask = try overlay.map { try NIfTIFile.readVolume(URL(fileURLWithPath: $0), as: UInt8.self) }
        let log: ((String) -> Void)? = verbose ? { FileHandle.standardError.write(Data(($0 + "\n").utf8)) } : nil
        let transfer = LabelTransfer(parameters: .init(preset: preset), progress: log)
        let result = try transfer.run(scan: scan, atlas: atlasFolder, overlay: mask, name: url.lastPathComponent)
        try LabelTransferOutput.write(result, scan: scan, labelsURL: URL(fileURLWithPath: output),
                                      workDirectory: work.map { URL(fileURLWithPath: $0) }, atlas: atlasFolder,
                                      generator: "deepstroke \(DeepStrokeVersion.string) label")
        let r = result.report
        var line = String(format: "labels -> %@ (NCC %.3f -> %.3f, brain %.0f mL", output, r.similarity.identity, r.similarity.final, r.brainVolumeML)
        if let j = r.jacobian { line += String(format: ", Jacobian min %.2f", j.minimum) }
        if let f = r.refinement { line += ", overlay refinement " + (f.applied ? "applied" : "rejected") }
        line += String(format: ", %.1f s)", Date().timeIntervalSince(start))
        print(line)
        if !r.missingRegions.isEmpty { print("warning: no voxels for \(r.missingRegions.joined(separator: ", "))") }
    }
}
