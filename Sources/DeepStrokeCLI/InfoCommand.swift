import ArgumentParser
import Foundation
import NIfTI

struct InfoCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "info",
        abstract: "Print a NIfTI file's dimensions, spacing, datatype, orientation, affine and value range.",
        discussion: "The affine is the one nibabel's get_best_affine returns (sform if set, else qform, else pixdim), in RAS+ millimetres. The value range is after scl_slope/scl_inter.")

    @Argument(help: "A .nii or .nii.gz file.")
    var file: String

    @Flag(help: "Machine-readable JSON output.")
    var json = false

    func run() throws {
        let image = try NIfTIFile.read(URL(fileURLWithPath: file))
        let summary = NIfTISummary(file: file, image: image)
        print(json ? summary.json : summary.text)
    }
}
