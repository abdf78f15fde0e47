import DICOM
@testable import DICOMNetwork
@testable import DICOMNode
import Foundation
import XCTest

/// The inbox: files in place before the answer, index rows written in groups and recovered by the
/// start-up scan after a crash, pruning of finished studies with the size limit kept, and the
/// not-assessable Secondary Capture built from a received instance.
final class InboxTests: XCTestCase {
    let ctClass = "1.2.840.10008.5.1.4.1.1.2"

    func makeFolder() -> URL {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("inbox-\(UUID().uuidString)")
        addTeardownBlock { try? FileManager.default.removeItem(at: dir) }
        return dir
    }

    func open(_ dir: URL, maxBytes: Int64 = 1 << 30) throws -> Inbox {
        let store = try JobStore(url: dir.appendingPathComponent("deepstroke-node.sqlite"), durable: false)
        return try Inbox(root: dir, store: store, maxBytes: maxBytes, fsync: false, log: NodeLog(sink: { _ in }))
    }

    /// A small CT instance as a modality sends it: a bare Explicit VR Little Endian data set.
    func instance(_ sop: String, study: String = "1.2.826.0.1.1", series: String = "1.2.826.0.1.1.1") -> ReceivedInstance {
        var ds = DataSetWriter()
        ds.add(Tag.sopClassUID, .UI, ctClass)
        ds.add(Tag.sopInstanceUID, .UI, sop)
        ds.add(Tag.patientName, .PN, "TEST^PATIENT")
        ds.add(Tag.studyInstanceUID, .UI, study)
        ds.add(Tag.seriesInstanceUID, .UI, series)
        ds.add(Tag.pixelData, .OW, bytes: [UInt8](repeating: 7, count: 1000))
        return ReceivedInstance(sopClassUID: ctClass, sopInstanceUID: sop, transferSyntaxUID: "1.2.840.10008.1.2.1",
                                callingAE: "MODALITY", peer: "127.0.0.1:1", dataSet: ds.encode(explicit: true)[...])
    }

    func files(_ dir: URL) -> [String] {
        let e = FileManager.default.enumerator(atPath: dir.path)
        return (e?.allObjects as? [String] ?? []).filter { $0.hasSuffix(".dcm") }.sorted()
    }

    func testFilesBeforeTheAnswerRowsInGroupsAndTheStartUpScanIndexesWhatACrashLeft() throws {
        let dir = makeFolder()
        let study = UIDHash.of("1.2.826.0.1.1")
        do {
            let inbox = try open(dir)
            XCTAssertEqual(inbox.receive(instance("1.2.3.1")), .success)
            XCTAssertEqual(inbox.receive(instance("1.2.3.2")), .success)
            XCTAssertEqual(files(dir).count, 2, "each file is in place when the success answer goes out")
            XCTAssertNil(try inbox.store.study(study), "rows wait for the indexer")
            // The process dies here: the pending rows are lost, the files are not.
        }
        try "half".write(to: dir.appendingPathComponent(".x.1\(Inbox.partSuffix)"), atomically: false, encoding: .utf8)
        let inbox = try open(dir)
        XCTAssertFalse(FileManager.default.fileExists(atPath: dir.appendingPathComponent(".x.1\(Inbox.partSuffix)").path),
                       "a half-written file of a crash is removed")
        XCTAssertEqual(try inbox.indexUnindexedFiles(), 2)
        XCTAssertEqual(try inbox.store.study(study)?.instances, 2)
        XCTAssertEqual(try inbox.indexUnindexedFiles(), 0, "indexed once")
        let sizes = try files(dir).map { try FileManager.default.attributesOfItem(atPath: dir.appendingPathComponent($0).path)[.size] as! Int }
        XCTAssertEqual(try inbox.store.inboxBytes(), Int64(sizes.reduce(0, +)))
        XCTAssertEqual(inbox.usedBytes, Int64(sizes.reduce(0, +)))

        // The stored file is the data set behind a Part 10 header, read back whole by the DICOM reader.
        let file = try DICOMFile.read(dir.appendingPathComponent(files(dir)[0]))
        XCTAssertEqual(file.dataSet.string(Tag.studyInstanceUID), "1.2.826.0.1.1")
        XCTAssertEqual(file.meta?.string(DICOMTag(0x0002, 0x0010)), "1.2.840.10008.1.2.1")

        // A resend is acknowledged and counted once.
        XCTAssertEqual(inbox.receive(instance("1.2.3.1")), .success)
        XCTAssertEqual(try inbox.flushIndex(), 0)
        XCTAssertEqual(try inbox.store.study(study)?.instances, 2)
        XCTAssertEqual(inbox.usedBytes, Int64(sizes.reduce(0, +)))
    }

    func testUnparsableOrAnonymousDataSetsAreRefused() throws {
        let inbox = try open(makeFolder())
        var r = instance("1.2.3.9")
        r.dataSet = [0x08, 0x00, 0x16, 0x00, 0x55, 0x49, 0xFF, 0x7F, 0x31][...]
        XCTAssertEqual(inbox.receive(r).status, DIMSEStatus.cannotUnderstand)
        var ds = DataSetWriter()
        ds.add(Tag.sopInstanceUID, .UI, "1.2.3.9")
        r.dataSet = ds.encode(explicit: true)[...]
        XCTAssertEqual(inbox.receive(r).status, DIMSEStatus.dataSetDoesNotMatchSOPClass)
        XCTAssertEqual(inbox.usedBytes, 0, "a refused instance gives its reservation back")
    }

    func testPruningAfterDeliveryKeepsRowsAndTheSizeLimit() throws {
        let dir = makeFolder()
        let one = Int64(Part10.header(sopClassUID: ctClass, sopInstanceUID: "1.2.3.1", transferSyntaxUID: "1.2.840.10008.1.2.1",
                                      sourceAE: "MODALITY").count + instance("1.2.3.1").dataSet.count)
        let inbox = try open(dir, maxBytes: 2 * one + one / 2)
        let store = inbox.store
        let study = UIDHash.of("1.2.826.0.1.1")
        XCTAssertEqual(inbox.receive(instance("1.2.3.1")), .success)
        XCTAssertEqual(inbox.receive(instance("1.2.3.2")), .success)
        XCTAssertEqual(inbox.receive(instance("1.2.3.3")).status, DIMSEStatus.refusedOutOfResources, "the inbox is full")
        XCTAssertEqual(try inbox.flushIndex(), 2)
        XCTAssertEqual(try store.prunableStudies(awaitingDelivery: false), [], "still receiving")
        _ = try store.queueCompleted(timeout: 1, now: Date().timeIntervalSince1970 + 10)
        _ = try store.claimNext(now: 0)
        try store.finish(study, state: .done, reason: nil, files: ["\(study)/segmentation.dcm"], now: 0)
        XCTAssertEqual(try store.prunableStudies(awaitingDelivery: true), [], "its SEG is not delivered yet")
        XCTAssertEqual(try store.prunableStudies(awaitingDelivery: false), [study], "without a destination: prunable when done")
        try store.markSent(try store.dueSends(now: 0)[0].id, now: 0)
        XCTAssertEqual(try store.prunableStudies(awaitingDelivery: true), [study])

        XCTAssertEqual(try inbox.prune(study: study), 2)
        XCTAssertEqual(files(dir), [])
        XCTAssertFalse(FileManager.default.fileExists(atPath: inbox.folder(study: study).path), "empty folders go too")
        XCTAssertEqual(inbox.usedBytes, 0)
        XCTAssertEqual(try store.inboxBytes(), 0)
        XCTAssertEqual(try store.prunableStudies(awaitingDelivery: true), [])
        XCTAssertEqual(try store.study(study)?.instances, 2, "the rows stay")

        // A resend of the pruned study is acknowledged, recognised, and not kept: scored once.
        XCTAssertEqual(inbox.receive(instance("1.2.3.1")), .success)
        XCTAssertEqual(try inbox.flushIndex(), 0)
        XCTAssertEqual(files(dir), [])
        XCTAssertFalse(FileManager.default.fileExists(atPath: inbox.folder(study: study).path), "nor its folders")
        XCTAssertEqual(try store.study(study)?.state, .done)
        // Room again for new instances (a new study), in a folder made again.
        XCTAssertEqual(inbox.receive(instance("1.2.3.4", study: "1.2.826.0.1.2")), .success)
        XCTAssertEqual(inbox.receive(instance("1.2.3.5", study: "1.2.826.0.1.2")), .success)
        XCTAssertEqual(inbox.receive(instance("1.2.3.6", study: "1.2.826.0.1.2")).status, DIMSEStatus.refusedOutOfResources)
        XCTAssertEqual(try inbox.flushIndex(), 2)
        XCTAssertEqual(files(dir).count, 2)
    }

    func testNotAssessableCaptureJoinsTheReceivedStudy() throws {
        let dir = makeFolder()
        let inbox = try open(dir)
        XCTAssertEqual(inbox.receive(instance("1.2.3.1")), .success)
        let out = dir.appendingPathComponent("out")
        let written = try NotAssessableCapture().write(reasons: ["head_check: this is not a head CT", String(repeating: "long ", count: 40)],
                                                       studyFolder: inbox.folder(study: UIDHash.of("1.2.826.0.1.1")), output: out)
        XCTAssertEqual(written.count, 1)
        XCTAssertEqual(written[0].deletingLastPathComponent().lastPathComponent, NotAssessableCapture.folderName)
        let sc = try DICOMFile.read(written[0])
        XCTAssertEqual(sc.dataSet.string(Tag.sopClassUID), SecondaryCaptureWriter.secondaryCaptureStorage)
        XCTAssertEqual(sc.dataSet.string(Tag.studyInstanceUID), "1.2.826.0.1.1", "in the received study")
        XCTAssertEqual(sc.dataSet.string(Tag.patientName), "TEST^PATIENT")
        XCTAssertEqual(sc.dataSet.string(Tag.seriesDescription), NotAssessableCapture.seriesDescription)
        XCTAssertNotEqual(sc.dataSet.string(Tag.seriesInstanceUID), "1.2.826.0.1.1.1", "a series of its own")
        let lines = NotAssessableCapture.wrap(String(repeating: "word ", count: 30), 20)
        XCTAssertTrue(lines.allSatisfy { $0.count <= 20 })
        XCTAssertEqual(lines.joined(separator: " "), String(repeating: "word ", count: 30).trimmingCharacters(in: .whitespaces))
        XCTAssertThrowsError(try NotAssessableCapture().write(reasons: [], studyFolder: dir.appendingPathComponent("none"), output: out))
    }
}
