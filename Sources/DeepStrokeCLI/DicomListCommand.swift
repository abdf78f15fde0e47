import ArgumentParser
import DICOM
import Foundation

struct DicomListCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "list", abstract: "List studies and series of a DICOMDIR, folder or file, with the series selection and why.")

    @Argument(help: "A DICOMDIR, a folder (scanned recursively when it has no DICOMDIR) or a single file.") var path: String
    @Flag(help: "Print JSON instead of text.") var json = false

    func run() throws {
        do {
            let index = try DICOMIndex.build(URL(fileURLWithPath: path), progress: DicomProgress.report)
            let report = SeriesReport(index: index, choices: SeriesSelector.choose(SeriesGrouping.group(index.images)))
            print(json ? try report.json() : report.text())
        } catch let e as DICOMError {
            throw DicomFailure(e.description)
        }
    }
}

/// Progress of long scans goes to stderr so stdout stays machine-readable.
enum DicomProgress {
    static let report: @Sendable (Int, Int) -> Void = { done, total in
        FileHandle.standardError.write("indexed \(done)/\(total) files\n".data(using: .utf8)!)
    }
}
