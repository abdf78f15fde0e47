import ArgumentParser
import CommandSupport
@testable import DeepStrokeCLI
import Pipeline
import XCTest

/// Options that used to be strings split by each command (`--window`, `--tissue-range`,
/// `--tissue-window`, `--shard`) are now argument types: parsed and checked by ArgumentParser before the
/// command runs, refused as usage errors (exit 64) that name the option.
final class ValueArgumentTests: XCTestCase {
    func testHUIntervalTakesTwoIncreasingFiniteNumbers() {
        XCTAssertEqual(HUInterval(argument: "10,60"), HUInterval(10...60))
        XCTAssertEqual(HUInterval(argument: " -15 , 100.5"), HUInterval(-15...100.5))
        for bad in ["", "10", "10,60,70", "60,10", "10,10", "a,b", "10,", ",60", "nan,60", "-inf,60", "10;60"] {
            XCTAssertNil(HUInterval(argument: bad), bad)
        }
        XCTAssertEqual(HUInterval(10...60).defaultValueDescription, "10,60")
        XCTAssertEqual(HUInterval(-0.5...2).defaultValueDescription, "-0.5,2")
        XCTAssertEqual(HUInterval(-15...100).floatRange, Float(-15)...Float(100))
    }

    func testRangesArriveTypedWithTheirDefaults() throws {
        let score = try XCTUnwrap(DeepStroke.parseAsRoot(["score", "ct", "--labels", "l", "-o", "o"]) as? ScoreCommand)
        XCTAssertEqual(score.tissueRange, HUInterval(10...60))
        let scoreSet = try XCTUnwrap(DeepStroke.parseAsRoot(["score", "ct", "--labels", "l", "-o", "o", "--tissue-range", "5,70"]) as? ScoreCommand)
        XCTAssertEqual(scoreSet.tissueRange, HUInterval(5...70))
        let strip = try XCTUnwrap(DeepStroke.parseAsRoot(["strip", "ct", "-o", "b"]) as? StripCommand)
        XCTAssertEqual(strip.tissueWindow, HUInterval(-15...100))
        let stripSet = try XCTUnwrap(DeepStroke.parseAsRoot(["strip", "ct", "-o", "b", "--tissue-window", "-20,90"]) as? StripCommand)
        XCTAssertEqual(stripSet.tissueWindow.floatRange, Float(-20)...Float(90))
        let train = try XCTUnwrap(DeepStroke.parseAsRoot(["train", "--data", "d", "-o", "r"]) as? TrainCommand)
        XCTAssertNil(train.window)
        let trainSet = try XCTUnwrap(DeepStroke.parseAsRoot(["train", "--data", "d", "-o", "r", "--window", "-20,100"]) as? TrainCommand)
        XCTAssertEqual(trainSet.window, HUInterval(-20...100))
        // A negative low bound is the value, not an option: both spellings work.
        let joined = try XCTUnwrap(DeepStroke.parseAsRoot(["strip", "ct", "-o", "b", "--tissue-window=-30,80"]) as? StripCommand)
        XCTAssertEqual(joined.tissueWindow, HUInterval(-30...80))
    }

    func testShardArrivesTyped() throws {
        let build = try XCTUnwrap(DeepStroke.parseAsRoot(["dataset", "build", "src", "-o", "out", "--shard", "3/8"]) as? DatasetBuildCommand)
        XCTAssertEqual(build.shard, try ShardSpec(index: 3, count: 8))
        XCTAssertNil(ShardSpec(argument: "8/8"))
        XCTAssertNil(ShardSpec(argument: "-1/8"))
        XCTAssertNil(ShardSpec(argument: "3"))
        XCTAssertNil(ShardSpec(argument: "a/b"))
    }

    func testMalformedValuesAreUsageErrorsNamingTheOption() {
        let cases: [([String], String)] = [
            (["score", "ct", "--labels", "l", "-o", "o", "--tissue-range", "60,10"], "--tissue-range"),
            (["score", "ct", "--labels", "l", "-o", "o", "--tissue-range", "10"], "--tissue-range"),
            (["strip", "ct", "-o", "b", "--tissue-window", "100,-15"], "--tissue-window"),
            (["train", "--data", "d", "-o", "r", "--window", "low,high"], "--window"),
            (["dataset", "build", "src", "-o", "out", "--shard", "8/8"], "--shard"),
            (["dataset", "build", "src", "-o", "out", "--shard", "3"], "--shard"),
        ]
        for (args, option) in cases {
            XCTAssertThrowsError(try DeepStroke.parseAsRoot(args), "\(args)") { error in
                XCTAssertEqual(DeepStroke.exitCode(for: error), .validationFailure, "\(args)")
                XCTAssertTrue(DeepStroke.message(for: error).contains(option), DeepStroke.message(for: error))
            }
        }
    }

    func testScoreNeedsItsFilesUnlessCalibrating() throws {
        XCTAssertThrowsError(try DeepStroke.parseAsRoot(["score", "ct", "--labels", "l"])) { error in
            XCTAssertEqual(DeepStroke.exitCode(for: error), .validationFailure)
            XCTAssertTrue(DeepStroke.message(for: error).contains("-o/--output"), DeepStroke.message(for: error))
        }
        XCTAssertNoThrow(try DeepStroke.parseAsRoot(["score", "--calibrate", "--cases", "2"]))
        XCTAssertThrowsError(try DeepStroke.parseAsRoot(["score", "--calibrate", "--cases", "0"])) { error in
            XCTAssertTrue(DeepStroke.message(for: error).contains("--cases"), DeepStroke.message(for: error))
        }
    }

    /// The real executable: a refused value exits 64 before anything is read or written.
    func testExecutableRefusesABadRangeWithExitCode64() throws {
        let dir = try temporaryFolder(self)
        let out = dir.appendingPathComponent("report")
        let r = try CommandLineRunner.deepstroke(["score", dir.appendingPathComponent("ct.nii.gz").path, "--labels", "l.nii.gz",
                                                  "-o", out.path, "--tissue-range", "60,10"])
        XCTAssertEqual(r.status, ExitStatus.usage, r.stderr)
        XCTAssertTrue(r.errorLines.first?.hasPrefix("Error:") == true, r.stderr)
        XCTAssertTrue(r.stderr.contains("--tissue-range"), r.stderr)
        XCTAssertFalse(FileManager.default.fileExists(atPath: out.path), "a refused score writes nothing")
        let shard = try CommandLineRunner.deepstroke(["dataset", "build", dir.path, "-o", dir.appendingPathComponent("ds").path, "--shard", "2/2"])
        XCTAssertEqual(shard.status, ExitStatus.usage, shard.stderr)
        XCTAssertTrue(shard.stderr.contains("--shard"), shard.stderr)
    }
}
