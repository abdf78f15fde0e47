import ArgumentParser
import CommandSupport
import Foundation
import ImageCore
import NIfTI

struct ResampleCommand: ThreadedCommand {
    static let configuration = CommandConfiguration(
        commandName: "resample",
        abstract: "Resample a NIfTI image into a new grid (new voxel spacing, or another image's grid).",
        discussion: """
            --spacing keeps the first voxel centre, the orientation and the physical extent. --like takes \
            size, spacing, origin and orientation from REF (only its header is read). The output keeps the \
            input's datatype and scaling (integer results are rounded); vector images are resampled per \
            component. Voxels outside the input get --outside. label: each output voxel takes the label \
            with the largest trilinear weight among its 8 neighbours (never a new label); cubic: B-spline \
            with mirror boundary, as scipy's map_coordinates(order=3, mode='mirror').
            """)

    @Argument(help: "Input .nii or .nii.gz.")
    var input: String

    @Option(name: .shortAndLong, help: "Output .nii or .nii.gz (gzip when the name ends in .gz).")
    var output: String

    @Option(help: "New voxel spacing in mm: one value for all axes, or x,y,z (e.g. 1,1,1).")
    var spacing: Spacing?

    @Option(help: "Reference image whose grid the output takes.")
    var like: String?

    @Option(help: "Interpolation.")
    var interpolation: Interpolation = .linear

    @Option(help: "Value for output voxels outside the input (in the image's units).")
    var outside: Double = 0

    @OptionGroup var threadOptions: ThreadOptions

    func validate() throws {
        guard (spacing == nil) != (like == nil) else { throw ValidationError("give exactly one of --spacing and --like") }
    }

    func run() throws {
        let image = try NIfTIFile.read(URL(fileURLWithPath: input))
        let target: Geometry
        switch (spacing, like) {
        case (let spacing?, nil): target = image.geometry.resampled(spacing: spacing.millimetres)
        case (nil, let like?): target = try NIfTIFile.readHeader(URL(fileURLWithPath: like)).grid(file: like)
        default: throw ValidationError("give exactly one of --spacing and --like")
        }
        try image.writeResampled(onto: target, with: Resampler(interpolation: interpolation, outsideValue: outside),
                                 to: URL(fileURLWithPath: output))
    }
}
