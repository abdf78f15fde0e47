import ArgumentParser
import Foundation
import NIfTI

struct NIfTIConvertCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "convert",
        abstract: "Re-write a NIfTI file with DeepStroke's writer (optionally another datatype or NIfTI-2).")

    @Argument(help: "Input .nii or .nii.gz.")
    var input: String

    @Argument(help: "Output .nii or .nii.gz (gzip when the name ends in .gz).")
    var output: String

    @Option(help: "Stored datatype: uint8, int8, int16, uint16, int32, uint32, int64, uint64, float32, float64.")
    var datatype: String?

    @Flag(help: "Write NIfTI-2 (540-byte header).")
    var nifti2 = false

    @Flag(help: "Write NIfTI-1 even if the input is NIfTI-2.")
    var nifti1 = false

    func run() throws {
        var type: NIfTIDatatype? = nil
        if let name = datatype {
            guard let t = NIfTIDatatype(name: name) else { throw ValidationError("unknown datatype '\(name)'") }
            type = t
        }
        let image = try NIfTIFile.read(URL(fileURLWithPath: input))
        let version: Int? = nifti2 ? 2 : (nifti1 ? 1 : nil)
        try NIfTIFile.write(image, to: URL(fileURLWithPath: output), version: version, datatype: type)
    }
}
