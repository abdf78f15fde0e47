import ArgumentParser
import Foundation
import NIfTI

struct NIfTIConvertCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "nifti-convert",
        abstract: "Re-write a NIfTI file with DeepStroke's writer (optionally another datatype or NIfTI-2).")

    @Argument(help: "Input .nii or .nii.gz.")
    var input: String

    @Argument(help: "Output .nii or .nii.gz (gzip when the name ends in .gz).")
    var output: String

    @Option(help: "Stored datatype.")
    var datatype: NIfTIDatatype?

    @Flag(help: "Write NIfTI-2 (540-byte header).")
    var nifti2 = false

    @Flag(help: "Write NIfTI-1 even if the input is NIfTI-2.")
    var nifti1 = false

    func run() throws {
        let image = try NIfTIFile.read(URL(fileURLWithPath: input))
        let version: Int? = nifti2 ? 2 : (nifti1 ? 1 : nil)
        try NIfTIFile.write(image, to: URL(fileURLWithPath: output), version: version, datatype: datatype)
    }
}
