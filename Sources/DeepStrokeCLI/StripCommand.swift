import ArgumentParser
import CommandSupport
import Foundation
import ImageCore
import Morphology
import NIfTI

struct StripCommand: ThreadedCommand {
    static let configuration = CommandConfiguration(
        commandName: "strip",
        abstract: "Skull-strip a head CT (Hounsfield units): write the brain and optionally its mask.",
        discussion: """
            The brain keeps its HU (clamped to the tissue window) and is 0 outside; the mask is uint8 0/1. \
            Method and parameters: docs/atlas.md (skull stripping).
            """)

    @Argument(help: "Head CT in HU (.nii or .nii.gz).")
    var input: String

    @Option(name: .shortAndLong, help: "Output brain image (.nii or .nii.gz).")
    var output: String

    @Option(help: "Also write the brain mask here.")
    var mask: String?

    @Option(parsing: .unconditional, help: ArgumentHelp("Tissue window in HU.", valueName: "low,high"))
    var tissueWindow = HUInterval(-15...100)

    @Option(help: "Bone threshold in HU.")
    var boneThreshold: Float = 300

    @Option(help: "Radius (mm) of the opening that separates the brain from extracranial tissue.")
    var openingRadius = 6.0

    @Flag(help: "Do not restrict the brain to the convex hull of the bone (the craniectomy safeguard).")
    var noBoneHull = false

    @OptionGroup var threadOptions: ThreadOptions

    func run() throws {
        var p = SkullStripper.Parameters()
        p.tissueWindow = tissueWindow.floatRange
        p.boneThreshold = boneThreshold
        p.openingRadius = openingRadius
        p.useBoneHull = !noBoneHull

        let url = URL(fileURLWithPath: input)
        let ct = try NIfTIFile.readVolume(url, as: Float.self)
        let result = try SkullStripper(parameters: p).strip(ct, name: url.lastPathComponent)
        if let m = mask { try NIfTIFile.write(result.mask, to: URL(fileURLWithPath: m)) }
        try NIfTIFile.write(result.brain, to: URL(fileURLWithPath: output))
        print(String(format: "brain %.0f mL -> %@%@", result.brainVolumeML, output, mask.map { ", mask -> \($0)" } ?? ""))
    }
}
