import ArgumentParser
import DICOM
import Foundation

struct DicomDumpCommand: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "dump", abstract: "Print every element of a DICOM file.")

    @Argument(help: "The DICOM file.") var file: String
    @Flag(help: "Show patient-identifying values instead of masking them.") var showIdentifiers = false

    func run() throws {
        do {
            let f = try DICOMFile.read(URL(fileURLWithPath: file))
            print(DICOMDump.render(f, showIdentifiers: showIdentifiers))
        } catch let e as DICOMError {
            throw DicomFailure(e.description)
        }
    }
}
