import Foundation
import NIfTI
import XCTest

/// `deepstroke dicom dump` on a file `dicom synth` wrote: every element listed, identifiers hidden unless
/// asked for, and a file that is no DICOM refused in one line naming it.
final class DicomDumpCommandTests: XCTestCase {
    let deepstroke = CommandLineRunner.deepstroke

    func testDumpListsElementsAndHidesIdentifiers() throws {
        let dir = try temporaryFolder(self)
        let volume = dir.appendingPathComponent("ct.nii.gz"), series = dir.appendingPathComponent("series")
        try NIfTIFile.write(try TinyImages.ct(size: 12), to: volume)
        let synth = try deepstroke(["dicom", "synth", volume.path, "-o", series.path])
        XCTAssertEqual(synth.status, ExitStatus.success, synth.stderr)
        let files = try FileManager.default.contentsOfDirectory(atPath: series.path).sorted()
        let file = try XCTUnwrap(files.first.map { series.appendingPathComponent($0).path })

        let dump = try deepstroke(["dicom", "dump", file])
        XCTAssertEqual(dump.status, ExitStatus.success, dump.stderr)
        let lines = dump.stdout.split(separator: "\n").map(String.init)
        XCTAssertEqual(lines.first, "# \(file)")
        XCTAssertTrue(lines.contains { $0.contains("Rows") && $0.hasSuffix(" 12") }, dump.stdout)
        let name = try XCTUnwrap(lines.first { $0.contains("PatientName") })
        XCTAssertTrue(name.hasSuffix("<hidden>"), name)

        let shown = try deepstroke(["dicom", "dump", file, "--show-identifiers"])
        XCTAssertEqual(shown.status, ExitStatus.success, shown.stderr)
        XCTAssertTrue(shown.stdout.contains("[SYNTHETIC^PHANTOM]"), shown.stdout)
    }

    func testDumpOfANonDICOMFileFailsWithOneLineNamingIt() throws {
        let dir = try temporaryFolder(self)
        let bogus = dir.appendingPathComponent("notes.txt")
        try Data("hello, not a DICOM file".utf8).write(to: bogus)
        let r = try deepstroke(["dicom", "dump", bogus.path])
        XCTAssertEqual(r.status, ExitStatus.failure)
        XCTAssertEqual(r.errorLines.count, 1, r.stderr)
        XCTAssertTrue(r.stderr.contains(bogus.path), r.stderr)
        XCTAssertTrue(r.stdout.isEmpty)

        let missing = try deepstroke(["dicom", "dump", dir.appendingPathComponent("missing.dcm").path])
        XCTAssertEqual(missing.status, ExitStatus.failure)
        XCTAssertTrue(missing.stderr.contains("missing.dcm"), missing.stderr)
    }
}
