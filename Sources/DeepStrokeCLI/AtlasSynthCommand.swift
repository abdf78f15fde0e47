import ArgumentParser
import Atlas
import CommandSupport
import Foundation
import ImageCore
import NIfTI

struct AtlasSynthCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "synth-patient",
        abstract: "Generate a synthetic patient with known labels from an atlas (template with skull, known warp, noise, outline overlay).",
        discussion: "Writes ct.nii.gz (HU), labels.nii.gz (+ labels.json, the truth) and overlay.nii.gz (outline point cloud) into the output folder.")

    @Argument(help: "Atlas folder holding template_with_skull.nii.gz and labels.nii.gz.")
    var atlas: String

    @OptionGroup var destination: OutputFolder

    @Option(help: "Native voxel spacing in mm: one value, or x,y,z (e.g. 1,1,5 for thick axial slices; default: the atlas spacing).")
    var spacing: Spacing?

    @Option(help: "Random seed.")
    var seed: UInt64 = 1

    @Option(help: "Largest displacement of the smooth deformation, mm.")
    var displacement = 5.0

    @Option(help: "CT noise standard deviation, HU.")
    var noise = 6.0

    func run() throws {
        let a = try Atlas(directory: URL(fileURLWithPath: atlas))
        guard let head = try a.templateWithSkull() else {
            throw ValidationError("\(atlas) has no template_with_skull.nii.gz; a synthetic patient needs the template with its skull")
        }
        var p = SyntheticPatient.Parameters()
        if let spacing { p.spacing = spacing.millimetres }
        p.seed = seed
        p.maximumDisplacementMM = displacement
        p.noiseSD = noise
        let patient = try SyntheticPatient.generate(templateWithSkull: head, labels: a.labels, parameters: p)
        let dir = destination.url
        try NIfTIFile.write(patient.ct, to: dir.appendingPathComponent("ct.nii.gz"))
        let labels = dir.appendingPathComponent("labels.nii.gz")
        try NIfTIFile.write(patient.labels, to: labels)
        try LabelSidecar.write(for: labels, extra: ["source": "synthetic patient (truth)", "atlas": a.directory.path, "seed": Int(seed)])
        try NIfTIFile.write(patient.overlay, to: dir.appendingPathComponent("overlay.nii.gz"))
        let s = patient.ct.size
        print("synthetic patient \(s.x)x\(s.y)x\(s.z) -> \(destination.output) (\(patient.overlay.data.reduce(0) { $0 + Int($1) }) overlay points)")
    }
}
