import Atlas
import DICOM
import Foundation
import ImageCore
import NIfTI
import Pipeline
import XCTest

/// `dataset build` on generated studies with decoy series: the three forms and the manifest, resuming
/// after an interruption, and sharding + merging.
final class DatasetBuildTests: XCTestCase {
    /// Two threads whatever the machine: a one-job build then runs parallel loops on the builder's
    /// worker, the configuration that corrupted the heap when workers were short-lived threads
    /// (docs/pipeline.md, "Parallel and sharded"). Scoped to each test, so nothing needs putting back.
    override func invokeTest() {
        Parallelism(threadCount: 2).run { super.invokeTest() }
    }

    override func setUpWithError() throws {
        try super.setUpWithError()
        try Self.makeSharedFixtures()
    }

    /// Shared by all tests (generation is the slow part): source studies and the atlas, made by the
    /// first test's set-up and removed after the last test of the class.
    nonisolated(unsafe) static var root: URL!
    nonisolated(unsafe) static var studies: [Fixtures.Study] = []
    nonisolated(unsafe) static var atlas: Atlas!
    nonisolated(unsafe) private static var fixtureError: Error?

    private static func makeSharedFixtures() throws {
        if let e = fixtureError { throw e }
        guard root == nil else { return }
        let dir = Fixtures.tempDir("dataset")
        do {
            studies = try Fixtures.makeSource(in: dir.appendingPathComponent("source"), count: 3)
            atlas = try Fixtures.makeAtlas(in: dir.appendingPathComponent("atlas"))
            root = dir
        } catch {
            try? FileManager.default.removeItem(at: dir)
            fixtureError = error
            throw error
        }
    }

    override class func tearDown() {
        if let r = root { try? FileManager.default.removeItem(at: r) }
        root = nil
        studies = []
        atlas = nil
        fixtureError = nil
        super.tearDown()
    }

    var source: URL { Self.root.appendingPathComponent("source") }
    var patients: [Fixtures.Study] { Self.studies.filter { $0.truth != nil } }

    func build(_ out: URL, shard: ShardSpec? = nil, jobs: Int = 1,
               interrupt: (@Sendable (DatasetBuilder.Event) -> Bool)? = nil,
               threadsSeen: ThreadCountRecorder? = nil) throws -> DatasetBuilder.Summary {
        var o = DatasetBuilder.Options()
        o.jobs = jobs
        o.shard = shard
        o.interrupt = interrupt
        let labeler: ScanLabeler = threadsSeen.map { ThreadCountRecordingLabeler(base: Fixtures.labeler(Self.atlas), seen: $0) }
            ?? Fixtures.labeler(Self.atlas)
        return try DatasetBuilder(source: source, output: out, labeler: labeler, options: o).run()
    }

    func testBuildWritesThreeFormsAndManifest() throws {
        let out = Self.root.appendingPathComponent("full")
        let threads = ThreadCountRecorder([])
        let summary = try build(out, jobs: 2, threadsSeen: threads)
        XCTAssertEqual(threads.current, [1], "with several jobs each scan runs on one thread")
        XCTAssertEqual(summary.studies, Self.studies.count)
        XCTAssertEqual(summary.succeeded, patients.count)
        XCTAssertEqual(summary.failed, 0)
        XCTAssertEqual(summary.skipped, 1)

        let rows = try Manifest(url: out.appendingPathComponent(Manifest.fileName)).rows()
        XCTAssertEqual(Set(rows.map(\.key)), Set(Self.studies.map(\.key)))
        let layout = DatasetLayout(root: out)
        for s in Self.studies {
            let row = try XCTUnwrap(rows.first { $0.key == s.key })
            guard let truth = s.truth else {
                XCTAssertEqual(row.status, .skipped)
                XCTAssertTrue(row.selection.contains("no non-contrast"), row.selection)
                XCTAssertTrue(row.verdicts.contains("contrast"), row.verdicts)
                XCTAssertFalse(FileManager.default.fileExists(atPath: layout.rawVolume(s.key).path))
                continue
            }
            XCTAssertEqual(row.status, .done, row.error ?? "")
            // The decoys (scout, bone kernel, contrast) are recorded and not chosen.
            XCTAssertEqual(row.series, "2 \"HEAD NON-CONTRAST\"")
            XCTAssertTrue(row.selection.contains("best of"), row.selection)
            let verdicts = try JSONDecoder().decode([ScanCandidate.SeriesVerdict].self, from: Data(row.verdicts.utf8))
            XCTAssertEqual(verdicts.map(\.status), ["excluded", "selected", "candidate", "excluded"])
            XCTAssertTrue(verdicts[0].reasons.contains("scout/localizer"), "\(verdicts[0].reasons)")
            XCTAssertTrue(verdicts[2].reasons.contains { $0.hasPrefix("bone/sharp kernel") }, "\(verdicts[2].reasons)")
            XCTAssertTrue(verdicts[3].reasons.contains { $0.hasPrefix("contrast-enhanced") }, "\(verdicts[3].reasons)")
            XCTAssertEqual(row.source, s.folder.lastPathComponent)
            XCTAssertEqual(row.attempts, 1)
            XCTAssertNotNil(row.nccFinal)
            XCTAssertEqual(row.missingRegions, 0)

            // Native forms share the converted grid; labels match the phantom's truth there.
            let raw = try NIfTIFile.readVolume(layout.rawVolume(s.key), as: Float.self)
            XCTAssertEqual(raw.size, Fixtures.phantomOptions.size)
            let labels = try NIfTIFile.readVolume(layout.rawSegmentation(s.key), as: UInt8.self)
            let stripped = try NIfTIFile.readVolume(layout.strippedVolume(s.key), as: Float.self)
            XCTAssertTrue(labels.geometry.isClose(to: raw.geometry, tolerance: 1e-4))
            XCTAssertTrue(stripped.geometry.isClose(to: raw.geometry, tolerance: 1e-4))
            let dice = Fixtures.meanDice(labels, Fixtures.resampleNearest(truth, onto: raw.geometry))
            XCTAssertGreaterThan(dice, 0.75, "\(s.key) mean Dice \(dice)")
            // Atlas-space forms share the atlas grid.
            let reg = try NIfTIFile.readVolume(layout.registeredVolume(s.key), as: Float.self)
            let regSeg = try NIfTIFile.readVolume(layout.registeredSegmentation(s.key), as: UInt8.self)
            XCTAssertTrue(reg.geometry.isClose(to: Self.atlas.template.geometry, tolerance: 1e-4))
            XCTAssertTrue(regSeg.geometry.isClose(to: Self.atlas.template.geometry, tolerance: 1e-4))
            XCTAssertGreaterThan(Fixtures.meanDice(regSeg, Self.atlas.labels), 0.7)
            // Label files carry the convention sidecar; the overlay study keeps its overlay.
            XCTAssertNoThrow(try LabelSidecar.read(LabelSidecar.url(for: layout.rawSegmentation(s.key))))
            XCTAssertEqual(FileManager.default.fileExists(atPath: layout.overlay(s.key).path), s.hasOverlay)
            XCTAssertEqual((row.overlaySlices ?? 0) > 0, s.hasOverlay)
            let qa = try JSONSerialization.jsonObject(with: Data(contentsOf: layout.qa(s.key))) as? [String: Any]
            XCTAssertNotNil(qa?["labeling"] as? [String: Any])
            for rel in row.outputPaths { XCTAssertTrue(FileManager.default.fileExists(atPath: out.appendingPathComponent(rel).path), rel) }
        }

        // A rerun has nothing to do.
        let again = try build(out)
        XCTAssertEqual(again.processed, 0)
        XCTAssertEqual(again.alreadyDone, patients.count)
    }

    func testInterruptedBuildResumesWithoutDuplicatesOrGaps() throws {
        let out = Self.root.appendingPathComponent("killed")
        // Stop in the middle of the second scan: after the first is done and two files of the second exist.
        let stopper = StopInSecondScan()
        XCTAssertThrowsError(try build(out, interrupt: stopper.shouldStop)) { e in
            guard case PipelineError.interrupted = e else { return XCTFail("\(e)") }
        }
        let manifest = Manifest.fileName
        let before = try Manifest(url: out.appendingPathComponent(manifest)).rows()
        XCTAssertEqual(before.filter { $0.status == .done }.count, 1)
        XCTAssertEqual(before.filter { $0.status == .running }.count, 1, "\(before.map(\.status))")
        let interrupted = try XCTUnwrap(before.first { $0.status == .running }).key

        let summary = try build(out)
        XCTAssertEqual(summary.alreadyDone, 1)
        XCTAssertEqual(summary.succeeded, patients.count - 1)
        let after = try Manifest(url: out.appendingPathComponent(manifest)).rows()
        XCTAssertEqual(after.count, Self.studies.count)
        XCTAssertEqual(Set(after.map(\.key)).count, after.count)
        XCTAssertEqual(Set(after.map(\.key)), Set(Self.studies.map(\.key)))
        XCTAssertEqual(after.filter { $0.status == .done }.count, patients.count)
        XCTAssertEqual(after.first { $0.key == interrupted }?.attempts, 2)
        // Every done row's files are there, and no temporary file is left anywhere.
        for r in after where r.status == .done {
            XCTAssertFalse(r.outputPaths.isEmpty)
            for rel in r.outputPaths { XCTAssertTrue(FileManager.default.fileExists(atPath: out.appendingPathComponent(rel).path), rel) }
        }
        let leftovers = FileManager.default.enumerator(atPath: out.path)!.compactMap { $0 as? String }.filter { $0.contains(".tmp-") }
        XCTAssertEqual(leftovers, [])
    }

    func testShardsMergedEqualOneUnshardedRun() throws {
        let whole = Self.root.appendingPathComponent("whole")
        let threads = ThreadCountRecorder([])
        _ = try build(whole, threadsSeen: threads)
        XCTAssertEqual(threads.current, [2], "with one job a scan runs with the caller's thread count (invokeTest's two)")
        // Both shards write into one folder (as a SLURM array does), each with its own manifest.
        let shared = Self.root.appendingPathComponent("sharded")
        let s0 = try build(shared, shard: ShardSpec(index: 0, count: 2))
        let s1 = try build(shared, shard: ShardSpec(index: 1, count: 2))
        XCTAssertEqual(s0.inShard + s1.inShard, Self.studies.count)
        let merged = Self.root.appendingPathComponent("merged")
        let summary = try DatasetMerger.merge([shared.appendingPathComponent("manifest-shard-0-of-2.sqlite"),
                                               shared.appendingPathComponent("manifest-shard-1-of-2.sqlite")], into: merged)
        XCTAssertEqual(summary.rows, Self.studies.count)
        XCTAssertEqual(summary.duplicates, 0)

        let a = try Manifest(url: whole.appendingPathComponent(Manifest.fileName)).rows()
        let b = try Manifest(url: merged.appendingPathComponent(Manifest.fileName)).rows()
        XCTAssertEqual(a.map(\.key), b.map(\.key))
        for (x, y) in zip(a, b) {
            XCTAssertEqual(x.status, y.status)
            XCTAssertEqual(x.source, y.source)
            XCTAssertEqual(x.series, y.series)
            XCTAssertEqual(x.selection, y.selection)
            XCTAssertEqual(x.verdicts, y.verdicts)
            XCTAssertEqual(x.outputPaths, y.outputPaths)
            XCTAssertEqual(x.slices, y.slices)
            XCTAssertEqual(x.brainML, y.brainML)
            XCTAssertEqual(x.nccFinal ?? 0, y.nccFinal ?? 0, accuracy: 1e-9)
            // The same files with the same content.
            for rel in x.outputPaths where !rel.hasPrefix("qa/") {
                let d1 = try Data(contentsOf: whole.appendingPathComponent(rel))
                let d2 = try Data(contentsOf: merged.appendingPathComponent(rel))
                if rel.hasSuffix(".json") { continue }   // sidecars carry no run-specific fields but key order may differ
                XCTAssertEqual(d1, d2, rel)
            }
        }
        // Merging the shard folder itself in place gives the same rows.
        _ = try DatasetMerger.merge([shared], into: shared)
        XCTAssertEqual(try Manifest(url: shared.appendingPathComponent(Manifest.fileName)).rows().map(\.key), a.map(\.key))
    }

    func testShardSpecParsingAndStability() throws {
        XCTAssertEqual(try ShardSpec(parsing: "3/8"), try ShardSpec(index: 3, count: 8))
        for bad in ["8/8", "-1/2", "1", "a/b", "0/0"] { XCTAssertThrowsError(try ShardSpec(parsing: bad), bad) }
        let keys = (0..<200).map { ScanCandidate.key(studyInstanceUID: "1.2.3.\($0)") }
        let specs = try (0..<4).map { try ShardSpec(index: $0, count: 4) }
        for k in keys { XCTAssertEqual(specs.filter { $0.contains(k) }.count, 1) }
        let sizes = specs.map { s in keys.filter { s.contains($0) }.count }
        XCTAssertTrue(sizes.allSatisfy { $0 > 25 }, "\(sizes)")   // a fair split, not all in one shard
    }
}

/// The thread counts the labeler saw, one entry per distinct count.
typealias ThreadCountRecorder = Locked<Set<Int>>

/// Records `Parallelism.current` where the builder calls the labeler (on its scan worker), then labels.
struct ThreadCountRecordingLabeler: ScanLabeler {
    let base: ScanLabeler
    let seen: ThreadCountRecorder
    var name: String { base.name }
    func label(_ scan: Volume<Float>, overlay: Volume<UInt8>?, name: String) throws -> ScanLabels {
        let n = Parallelism.current.threadCount
        seen.withLock { _ = $0.insert(n) }
        return try base.label(scan, overlay: overlay, name: name)
    }
}

/// Interrupt hook: lets one scan finish, then stops after two files of the next one are written.
final class StopInSecondScan: Sendable {
    private let counts = Locked((finished: 0, filesAfter: 0))
    func shouldStop(_ e: DatasetBuilder.Event) -> Bool {
        counts.withLock { c in
            switch e {
            case .scanFinished: c.finished += 1
            case .fileWritten: if c.finished >= 1 { c.filesAfter += 1; return c.filesAfter == 2 }
            case .scanStarted: break
            }
            return false
        }
    }
}
