import DICOM
import Foundation
import XCTest

final class DICOMDirectoryTests: XCTestCase {
    /// A DICOMDIR without offsets (so the reader rebuilds the tree from record order).
    static func dicomdir(fileIDs: [[String]]) -> [UInt8] {
        dicomdir(records: [("PATIENT", []), ("STUDY", []), ("SERIES", [])] + fileIDs.map { ("IMAGE", $0) })
    }

    /// Records in order, each with its ReferencedFileID (empty for none).
    static func dicomdir(records: [(type: String, fileID: [String])]) -> [UInt8] {
        func record(_ type: String, _ edit: (inout DataSetWriter) -> Void = { _ in }) -> DataSetWriter {
            var r = DataSetWriter()
            r.addUL(Tag.offsetOfNextRecord, 0)
            r.addUS(Tag.recordInUseFlag, [0xFFFF])
            r.addUL(Tag.offsetOfLowerLevelEntity, 0)
            r.add(Tag.directoryRecordType, .CS, type)
            edit(&r)
            return r
        }
        let items = records.map { r in
            record(r.type) { if !r.fileID.isEmpty { $0.add(Tag.referencedFileID, .CS, r.fileID.joined(separator: "\\")) } }
        }
        var ds = DataSetWriter()
        ds.add(DICOMTag(0x0004, 0x1130), .CS, "TEST")
        ds.addUL(Tag.offsetOfFirstRootRecord, 0)
        ds.addUL(Tag.offsetOfLastRootRecord, 0)
        ds.addUS(DICOMTag(0x0004, 0x1212), [0])
        ds.addSequence(Tag.directoryRecordSequence, items: items)
        return DataSetWriter.part10(dataSet: ds, sopClassUID: DICOMDirectory.mediaStorageSOPClass, sopInstanceUID: "2.25.9", syntax: .explicitLittle)
    }

    func makeArchive(_ name: String, fileIDs: [[String]]) throws -> URL {
        let dir = SynthVolumes.tempDir(name)
        let v = SynthVolumes.head(size: SIMD3(8, 8, 3))
        _ = try CTSeriesSynthesizer.write(v, to: dir.appendingPathComponent("DATA"))
        try Data(Self.dicomdir(fileIDs: fileIDs)).write(to: dir.appendingPathComponent("DICOMDIR"))
        return dir
    }

    func testReferencedFilesResolveCaseInsensitivelyWithoutOffsets() throws {
        let dir = try makeArchive("ok", fileIDs: [["DATA", "IM00001.DCM"], ["DATA", "IM00002.DCM"], ["DATA", "IM00003.DCM"], ["DATA", "GONE"]])
        defer { try? FileManager.default.removeItem(at: dir) }
        let index = try DICOMIndex.build(dir)
        XCTAssertEqual(index.images.count, 3)
        XCTAssertTrue(index.warnings.contains { $0.contains("rebuilt the tree from record order") }, "\(index.warnings)")
        XCTAssertTrue(index.warnings.contains { $0.contains("do not exist") }, "\(index.warnings)")
        let parts = try VolumeAssembler.assemble(SeriesGrouping.group(index.images)[0].series[0])
        XCTAssertEqual(parts[0].data.geometry.size.z, 3)
    }

    /// Philips-style multi-level file-set: the DICOMDIR's STUDY record points at a directory file, whose
    /// SERIES records point at more; their IDs are relative to the file-set root. A cycle back to the
    /// top is followed once, and an escape inside a nested file is still refused.
    func testNestedDirectoryFilesAreFollowed() throws {
        let dir = try makeArchive("nested", fileIDs: [])
        defer { try? FileManager.default.removeItem(at: dir) }
        let fm = FileManager.default
        try fm.createDirectory(at: dir.appendingPathComponent("S1/SE1"), withIntermediateDirectories: true)
        try fm.createDirectory(at: dir.appendingPathComponent("S1/SE2"), withIntermediateDirectories: true)
        try Data(Self.dicomdir(records: [("STUDY", ["S1", "DIRFILE"])])).write(to: dir.appendingPathComponent("DICOMDIR"))
        try Data(Self.dicomdir(records: [("SERIES", ["S1", "SE1", "DIRFILE"]), ("SERIES", ["S1", "SE2", "DIRFILE"]), ("STUDY", ["DICOMDIR"])]))
            .write(to: dir.appendingPathComponent("S1/DIRFILE"))
        try Data(Self.dicomdir(records: [("IMAGE", ["DATA", "IM00001.DCM"]), ("IMAGE", ["DATA", "IM00002.DCM"])]))
            .write(to: dir.appendingPathComponent("S1/SE1/DIRFILE"))
        // Relative to its own folder rather than the root: accepted as a fallback.
        try fm.copyItem(at: dir.appendingPathComponent("DATA/IM00003.dcm"), to: dir.appendingPathComponent("S1/SE2/IM3"))
        try Data(Self.dicomdir(records: [("IMAGE", ["IM3"])])).write(to: dir.appendingPathComponent("S1/SE2/DIRFILE"))
        let index = try DICOMIndex.build(dir)
        XCTAssertEqual(index.images.count, 3)
        XCTAssertTrue(index.skipped.isEmpty, "\(index.skipped)")
        XCTAssertTrue(index.warnings.contains { $0.contains("3 nested directory file(s) followed") }, "\(index.warnings)")

        try Data(Self.dicomdir(records: [("IMAGE", ["..", "..", "etc", "passwd"])])).write(to: dir.appendingPathComponent("S1/SE2/DIRFILE"))
        XCTAssertThrowsError(try DICOMIndex.build(dir)) { e in XCTAssertTrue("\(e)".contains("refused"), "\(e)") }
    }

    func testPathEscapesAreRefused() throws {
        for bad in [["..", "..", "etc", "passwd"], ["DATA", "..", "..", "x"], ["/etc", "passwd"], ["DATA", "a/b"]] {
            let dir = try makeArchive("esc", fileIDs: [["DATA", "IM00001.DCM"], bad])
            defer { try? FileManager.default.removeItem(at: dir) }
            XCTAssertThrowsError(try DICOMIndex.build(dir), "\(bad)") { e in
                XCTAssertTrue("\(e)".contains("refused"), "\(e)")
                XCTAssertTrue("\(e)".contains("DICOMDIR"), "\(e)")
            }
        }
    }

    func testSymbolicLinkOutOfTheFolderIsRefused() throws {
        let outside = SynthVolumes.tempDir("outside")
        let dir = try makeArchive("link", fileIDs: [["LINK", "IM00001.dcm"]])
        defer { try? FileManager.default.removeItem(at: dir); try? FileManager.default.removeItem(at: outside) }
        _ = try CTSeriesSynthesizer.write(SynthVolumes.head(size: SIMD3(8, 8, 1)), to: outside)
        try FileManager.default.createSymbolicLink(at: dir.appendingPathComponent("LINK"), withDestinationURL: outside)
        XCTAssertThrowsError(try DICOMIndex.build(dir)) { e in XCTAssertTrue("\(e)".contains("symbolic link"), "\(e)") }
    }

    func testSampleVariantsGiveTheSameFiles() throws {
        let base = try SampleData.dicom("dicomdir_pydicom")
        var sets: [Set<String>] = []
        for v in ["DICOMDIR", "DICOMDIR-bigEnd", "DICOMDIR-implicit", "DICOMDIR-nooffset", "DICOMDIR-reordered", "DICOMDIR-nopatient"] {
            let d = try DICOMDirectory.read(base.appendingPathComponent(v))
            sets.append(Set(try d.referencedFiles().files.map { $0.lastPathComponent }))
            XCTAssertEqual(d.roots.reduce(0) { $0 + countRecords($1) }, 52, v)
        }
        XCTAssertEqual(sets[0].count, 31)
        for s in sets { XCTAssertEqual(s, sets[0]) }
        XCTAssertEqual(try DICOMDirectory.read(base.appendingPathComponent("DICOMDIR-empty.dcm")).roots.count, 0)
    }

    func countRecords(_ r: DirectoryRecord) -> Int { 1 + r.children.reduce(0) { $0 + countRecords($1) } }

    func testFolderScanWithoutDICOMDIRSkipsJunk() throws {
        let dir = SynthVolumes.tempDir("scan")
        defer { try? FileManager.default.removeItem(at: dir) }
        _ = try CTSeriesSynthesizer.write(SynthVolumes.head(size: SIMD3(8, 8, 4)), to: dir.appendingPathComponent("a/b"))
        try Data("not dicom".utf8).write(to: dir.appendingPathComponent("a/readme.txt"))
        let index = try DICOMIndex.build(dir)
        XCTAssertEqual(index.source, .folder)
        XCTAssertEqual(index.images.count, 4)
        XCTAssertEqual(index.skipped.count, 1)
    }
}
