import XCTest

/// `deepstroke run`'s refusals, through the real executable: a usage error exits 64 before anything is
/// read, a missing or unreadable input exits 1 with one line naming it, and nothing is left behind.
/// (Whole runs and their not-assessable exit code 3 are reference-tests/test_run_gates.py and test_seg.py.)
final class RunCommandTests: XCTestCase {
    let deepstroke = CommandLineRunner.deepstroke

    func testBadMethodIsAUsageError() throws {
        let dir = try temporaryFolder(self)
        let r = try deepstroke(["run", dir.appendingPathComponent("ct.nii.gz").path, "-o", dir.appendingPathComponent("out").path,
                                "--method", "deep"])
        XCTAssertEqual(r.status, ExitStatus.usage, r.stderr)
        XCTAssertTrue(r.errorLines.first?.hasPrefix("Error:") == true, r.stderr)
        XCTAssertTrue(r.stderr.contains("'atlas'") && r.stderr.contains("'unet'") && r.stderr.contains("'both'"), r.stderr)
        XCTAssertFalse(FileManager.default.fileExists(atPath: dir.appendingPathComponent("out").path))
    }

    func testZeroThreadsIsAUsageError() throws {
        let r = try deepstroke(["run", "ct.nii.gz", "-o", "out", "--threads", "0"])
        XCTAssertEqual(r.status, ExitStatus.usage, r.stderr)
        XCTAssertTrue(r.stderr.contains("--threads must be at least 1"), r.stderr)
    }

    func testMissingInputFailsWithOneLineNamingIt() throws {
        let dir = try temporaryFolder(self)
        let missing = dir.appendingPathComponent("no-such-scan.nii.gz").path
        let atlas = try TinyAtlas.write(in: dir)
        let r = try deepstroke(["run", missing, "-o", dir.appendingPathComponent("out").path, "--atlas", atlas.path])
        XCTAssertEqual(r.status, ExitStatus.failure, r.stdout + r.stderr)
        XCTAssertEqual(r.errorLines.count, 1, r.stderr)
        XCTAssertTrue(r.stderr.contains(missing), r.stderr)
    }
}
