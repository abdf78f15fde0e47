import XCTest

/// `deepstroke dataset build` and `dataset merge` through the real executable: the command wiring, the
/// summary line, the manifest files and the refusals. (Building from real studies, resuming and
/// sharding are Tests/PipelineTests/DatasetBuildTests.swift, on the library.)
final class DatasetCommandTests: XCTestCase {
    let deepstroke = CommandLineRunner.deepstroke

    func testBuildOfAnEmptySourceWritesAnEmptyManifestThenMergeJoinsIt() throws {
        let dir = try temporaryFolder(self)
        let source = dir.appendingPathComponent("source"), dataset = dir.appendingPathComponent("dataset")
        try FileManager.default.createDirectory(at: source, withIntermediateDirectories: true)
        let atlas = try TinyAtlas.write(in: dir)
        let build = try deepstroke(["dataset", "build", source.path, "-o", dataset.path, "--atlas", atlas.path, "--jobs", "2", "--threads", "1"])
        XCTAssertEqual(build.status, ExitStatus.success, build.stdout + build.stderr)
        XCTAssertTrue(build.stdout.contains("0 studies found, 0 in this shard"), build.stdout)
        XCTAssertTrue(FileManager.default.fileExists(atPath: dataset.appendingPathComponent("manifest.sqlite").path))

        let shard = try deepstroke(["dataset", "build", source.path, "-o", dataset.path, "--atlas", atlas.path, "--shard", "1/2"])
        XCTAssertEqual(shard.status, ExitStatus.success, shard.stdout + shard.stderr)
        XCTAssertTrue(FileManager.default.fileExists(atPath: dataset.appendingPathComponent("manifest-shard-1-of-2.sqlite").path))

        let merged = dir.appendingPathComponent("merged")
        let merge = try deepstroke(["dataset", "merge", dataset.appendingPathComponent("manifest-shard-1-of-2.sqlite").path, "-o", merged.path])
        XCTAssertEqual(merge.status, ExitStatus.success, merge.stdout + merge.stderr)
        XCTAssertTrue(merge.stdout.hasPrefix("merged 1 manifest(s): 0 scans"), merge.stdout)
        XCTAssertTrue(FileManager.default.fileExists(atPath: merged.appendingPathComponent("manifest.sqlite").path))
    }

    func testBuildRefusesBadOptionsBeforeStarting() throws {
        let dir = try temporaryFolder(self)
        let dataset = dir.appendingPathComponent("dataset")
        for (args, status) in [(["--jobs", "0"], ExitStatus.usage), (["--preset", "slow"], ExitStatus.usage),
                               (["--threads", "-2"], ExitStatus.usage)] {
            let r = try deepstroke(["dataset", "build", dir.path, "-o", dataset.path] + args)
            XCTAssertEqual(r.status, status, "\(args): \(r.stderr)")
            XCTAssertTrue(r.errorLines.first?.hasPrefix("Error:") == true, r.stderr)
        }
        XCTAssertFalse(FileManager.default.fileExists(atPath: dataset.path), "a refused build writes nothing")
    }

    func testBuildWithAMissingAtlasFailsNamingIt() throws {
        let dir = try temporaryFolder(self)
        let atlas = dir.appendingPathComponent("no-atlas").path
        let r = try deepstroke(["dataset", "build", dir.path, "-o", dir.appendingPathComponent("dataset").path, "--atlas", atlas])
        XCTAssertEqual(r.status, ExitStatus.failure, r.stderr)
        XCTAssertTrue(r.errorLines.last?.contains(atlas) == true, r.stderr)
    }

    func testMergeOfSomethingThatIsNoManifestFailsNamingIt() throws {
        let dir = try temporaryFolder(self)
        let bogus = dir.appendingPathComponent("notes.sqlite")
        try Data("not a database".utf8).write(to: bogus)
        let r = try deepstroke(["dataset", "merge", bogus.path, "-o", dir.appendingPathComponent("merged").path])
        XCTAssertEqual(r.status, ExitStatus.failure, r.stdout + r.stderr)
        XCTAssertTrue(r.stderr.contains(bogus.path), r.stderr)
    }
}
