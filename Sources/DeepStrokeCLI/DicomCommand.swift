import ArgumentParser

/// `deepstroke dicom ...`: DICOM ingest (list, convert, dump, synth).
struct DicomCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "dicom",
        abstract: "Read DICOM folders and DICOMDIR archives, pick the head CT series and convert it to NIfTI.",
        subcommands: [DicomListCommand.self, DicomConvertCommand.self, DicomDumpCommand.self, DicomSynthCommand.self]
    )
}

/// A one-line failure message for the dicom subcommands (ArgumentParser prints it and exits 1).
struct DicomFailure: Error, CustomStringConvertible {
    let description: String
    init(_ message: String) { description = message }
}
