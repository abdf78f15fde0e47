import ArgumentParser
import CommandSupport
import Foundation
import ImageCore
import NIfTI
import Registration

struct ApplyCommand: ThreadedCommand {
    static let configuration = CommandConfiguration(
        commandName: "apply",
        abstract: "Resample an image through a transform chain onto a reference grid.",
        discussion: """
            --transform PREFIX uses the files `register` wrote (or ANTs' PREFIX0GenericAffine.mat, \
            PREFIX1Warp.nii.gz, PREFIX1InverseWarp.nii.gz): forward pulls moving-space images onto the fixed \
            grid; --inverse pulls fixed-space images (e.g. atlas labels) onto the moving grid. Several \
            --transform options instead take files in antsApplyTransforms order (affine .txt/.mat or warp \
            .nii.gz; [affine.txt,1] inverts an affine). label: each output voxel takes the label with the \
            largest trilinear weight among its 8 neighbours; nearest and label keep the input's datatype.
            """)

    @Option(help: "Image whose grid the output takes.")
    var reference: String

    @Option(help: "Image to resample.")
    var input: String

    @Option(parsing: .singleValue, help: "A registration PREFIX, or transform files in antsApplyTransforms order.")
    var transform: [String] = []

    @Flag(help: "With a PREFIX: apply the inverse chain (fixed space to moving space).")
    var inverse = false

    @Option(help: "Interpolation.")
    var interpolation: Interpolation = .linear

    @Option(help: "Value for output voxels outside the input.")
    var outside: Double = 0

    @Option(name: .shortAndLong, help: "Output .nii or .nii.gz.")
    var output: String

    @OptionGroup var threadOptions: ThreadOptions

    func validate() throws {
        guard !transform.isEmpty else { throw ValidationError("give --transform PREFIX (or transform files)") }
        if inverse && !isPrefix { throw ValidationError("--inverse needs a single --transform PREFIX; with files, list the inverse chain ([affine,1] inverse_warp)") }
    }

    /// One argument without a transform-file extension is a prefix.
    private var isPrefix: Bool {
        guard transform.count == 1 else { return false }
        let t = transform[0].lowercased()
        return !(t.hasPrefix("[") || [".txt", ".tfm", ".mat", ".nii", ".nii.gz"].contains { t.hasSuffix($0) })
    }

    func run() throws {
        let chain = isPrefix ? try TransformFiles.chain(prefix: transform[0], inverse: inverse)
                             : try TransformFiles.chain(specifications: transform)
        let grid = try NIfTIFile.readHeader(URL(fileURLWithPath: reference)).grid(file: reference)
        let image = try NIfTIFile.read(URL(fileURLWithPath: input))
        let mode = interpolation
        let result = try chain.resample(image.volume(as: Float.self), onto: grid, interpolation: mode, outside: Float(outside))
        // nearest and label produce input values only, so the input's type holds them exactly
        let keepType = mode == .nearest || mode == .label
        var options = NIfTIWriteOptions(datatype: keepType ? image.storedDatatype : nil)
        if image.components == 3 { options.intentCode = image.header.intentCode == 0 ? nil : image.header.intentCode }
        try NIfTIFile.write(result, to: URL(fileURLWithPath: output), options: options)
    }
}
