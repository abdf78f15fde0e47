import ArgumentParser
import CommandSupport
import DICOM
import Foundation
import Pipeline

struct DicomConvertCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "convert",
        abstract: "Convert the selected head CT series of each study (or every series) to NIfTI in HU, with JSON sidecars and overlay masks.")

    @Argument(help: "A DICOMDIR, a folder or a single file.") var path: String
    @OptionGroup var destination: OutputFolder
    @Flag(help: "Convert every greyscale image series, not only the selected one.") var all = false
    @Flag(help: "Write Float32 voxels even when Int16 would hold them exactly.") var float = false
    @Flag(help: "Split a series whose slice spacing changes into exactly spaced parts (_partN, no interpolation) instead of one volume over the whole extent.")
    var exactParts = false

    func run() throws {
        do {
            let index = try DICOMIndex.build(URL(fileURLWithPath: path), progress: DicomProgress.report)
            for w in index.warnings { FileHandle.standardError.write("warning: \(w)\n".data(using: .utf8)!) }
            let outs = try DICOMConverter.convert(index, to: destination.url,
                                                  options: DICOMConverter.Options(all: all, forceFloat: float, exactParts: exactParts)) { line in
                FileHandle.standardError.write((line + "\n").data(using: .utf8)!)
            }
            for o in outs { print(o.volume.path) }
        } catch let e as DICOMError {
            throw DicomFailure(e.description)
        }
    }
}
