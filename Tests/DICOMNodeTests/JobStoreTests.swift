@testable import DICOMNode
import Foundation
import XCTest

/// The study life cycle in the job store: duplicates, the study timeout, claiming, instances arriving
/// during a run, a crash mid-run, and send retries.
final class JobStoreTests: XCTestCase {
    func makeStore() throws -> JobStore {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("jobstore-\(UUID().uuidString)")
        addTeardownBlock { try? FileManager.default.removeItem(at: dir) }
        return try JobStore(url: dir.appendingPathComponent("node.sqlite"), durable: false)
    }

    func instance(_ sop: String, study: String = "s1") -> JobStore.Instance {
        JobStore.Instance(sop: sop, study: study, series: "se", sopClass: "1.2", path: "\(study)/se/\(sop).dcm", bytes: 100)
    }

    func testDuplicatesTimeoutClaimAndFinish() throws {
        let store = try makeStore()
        XCTAssertTrue(try store.recordInstance(instance("a"), at: 100))
        XCTAssertTrue(try store.recordInstance(instance("b"), at: 101))
        XCTAssertFalse(try store.recordInstance(instance("a"), at: 102), "a resent instance is not indexed twice")
        XCTAssertEqual(try store.study("s1")?.instances, 2)
        XCTAssertEqual(try store.inboxBytes(), 200)
        XCTAssertEqual(try store.queueCompleted(timeout: 10, now: 110), [], "the last arrival was 9 s ago")
        XCTAssertEqual(try store.queueCompleted(timeout: 10, now: 111), ["s1"])
        let job = try XCTUnwrap(try store.claimNext(now: 112))
        XCTAssertEqual(job.key, "s1")
        XCTAssertEqual(job.attempt, 1)
        XCTAssertNil(try store.claimNext(now: 112), "a claimed study is not handed out twice")
        XCTAssertEqual(try store.finish("s1", state: .done, reason: nil, files: ["s1/segmentation.dcm"], now: 150), .done)
        let s = try XCTUnwrap(try store.study("s1"))
        XCTAssertEqual(s.state, .done)
        XCTAssertEqual(s.completions, 1)
        XCTAssertEqual(try store.dueSends(now: 150).map(\.file), ["s1/segmentation.dcm"])
        // A duplicate after completion changes nothing; a new instance sends the study back to receiving.
        XCTAssertFalse(try store.recordInstance(instance("b"), at: 200))
        XCTAssertEqual(try store.study("s1")?.state, .done)
        XCTAssertTrue(try store.recordInstance(instance("c"), at: 201))
        XCTAssertEqual(try store.study("s1")?.state, .receiving)
    }

    func testInstanceDuringProcessingMeansAnotherRun() throws {
        let store = try makeStore()
        try store.recordInstance(instance("a"), at: 0)
        _ = try store.queueCompleted(timeout: 1, now: 5)
        _ = try store.claimNext(now: 5)
        try store.recordInstance(instance("late"), at: 6)
        XCTAssertEqual(try store.finish("s1", state: .done, reason: nil, files: ["x.dcm"], now: 7), .receiving)
        XCTAssertEqual(try store.dueSends(now: 7).count, 0, "results of a run that missed an instance are not sent")
        XCTAssertEqual(try store.study("s1")?.completions, 0)
    }

    func testCrashMidRunIsQueuedAgainUntilTheAttemptLimit() throws {
        let store = try makeStore()
        try store.recordInstance(instance("a"), at: 0)
        _ = try store.queueCompleted(timeout: 1, now: 5)
        _ = try store.claimNext(now: 5)
        XCTAssertEqual(try store.recoverAfterRestart(maxAttempts: 2, now: 6).requeued, ["s1"])
        XCTAssertEqual(try store.claimNext(now: 7)?.attempt, 2)
        let r = try store.recoverAfterRestart(maxAttempts: 2, now: 8)
        XCTAssertEqual(r.failed, ["s1"], "a study that kills the node every time ends failed")
        XCTAssertEqual(try store.study("s1")?.state, .failed)
        XCTAssertNil(try store.claimNext(now: 9))
    }

    func testPipelineErrorsRetryThenFail() throws {
        let store = try makeStore()
        try store.recordInstance(instance("a"), at: 0)
        _ = try store.queueCompleted(timeout: 1, now: 5)
        _ = try store.claimNext(now: 5)
        XCTAssertEqual(try store.failProcessing("s1", reason: "boom", maxAttempts: 2, now: 6), .queued)
        _ = try store.claimNext(now: 7)
        XCTAssertEqual(try store.failProcessing("s1", reason: "boom", maxAttempts: 2, now: 8), .failed)
        XCTAssertEqual(try store.study("s1")?.reason, "boom")
    }

    func testSendRetriesAreRecorded() throws {
        let store = try makeStore()
        try store.recordInstance(instance("a"), at: 0)
        _ = try store.queueCompleted(timeout: 1, now: 5)
        _ = try store.claimNext(now: 5)
        try store.finish("s1", state: .done, reason: nil, files: ["f1", "f2"], now: 6)
        let due = try store.dueSends(now: 6)
        XCTAssertEqual(due.count, 2)
        try store.markSendFailed(due[0].id, error: "connection refused", nextAttempt: 16, giveUp: false)
        try store.markSent(due[1].id, now: 6)
        XCTAssertEqual(try store.dueSends(now: 10).count, 0, "not before the backoff")
        let again = try store.dueSends(now: 16)
        XCTAssertEqual(again.map(\.file), ["f1"])
        XCTAssertEqual(again[0].attempts, 1)
    }

    func testUIDHashIsSHA256Prefix() {
        // The same names a script computes with hashlib.sha256(uid.encode()).hexdigest()[:16].
        XCTAssertEqual(UIDHash.of("1.2.3"), "c47f5b18b8a430e6")  // sha256sum of "1.2.3", first 16 hex digits
        XCTAssertEqual(UIDHash.of("1.2.3"), String(sha256Hex("1.2.3").prefix(16)))
        XCTAssertEqual(UIDHash.of("1.2.3").count, 16)
        XCTAssertNotEqual(UIDHash.of("1.2.3"), UIDHash.of("1.2.4"))
    }

    private func sha256Hex(_ s: String) -> String {
        let p = Process()
        p.executableURL = URL(fileURLWithPath: "/usr/bin/sha256sum")
        let inPipe = Pipe(), outPipe = Pipe()
        p.standardInput = inPipe
        p.standardOutput = outPipe
        try? p.run()
        inPipe.fileHandleForWriting.write(Data(s.utf8))
        inPipe.fileHandleForWriting.closeFile()
        p.waitUntilExit()
        return String(decoding: outPipe.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self).components(separatedBy: " ")[0]
    }
}
