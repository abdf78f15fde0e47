import ArgumentParser
import CommandSupport
@testable import DeepStrokeCLI
import ImageCore
import Pipeline
import Registration
import XCTest

/// The command line in ArgumentParser's idiom: named choices are enums ArgumentParser checks, `--threads`
/// is one shared option group, and values reach the commands typed. Parsing only (no command runs).
final class ArgumentParsingTests: XCTestCase {
    func testChoicesArriveAsEnums() throws {
        let run = try XCTUnwrap(DeepStroke.parseAsRoot(["run", "ct.nii.gz", "-o", "out", "--method", "both", "--preset", "fast"]) as? RunCommand)
        XCTAssertEqual(run.method, .both)
        XCTAssertEqual(run.preset, .fast)
        let register = try XCTUnwrap(DeepStroke.parseAsRoot(["register", "--fixed", "f", "--moving", "m", "-o", "p", "--linear-metric", "ncc"]) as? RegisterCommand)
        XCTAssertEqual(register.linearMetric, .ncc)
        XCTAssertEqual(register.preset, .default)
        let apply = try XCTUnwrap(DeepStroke.parseAsRoot(["apply", "--reference", "r", "--input", "i", "--transform", "p", "-o", "o", "--interpolation", "label"]) as? ApplyCommand)
        XCTAssertEqual(apply.interpolation, .label)
    }

    func testUnknownChoiceIsAUsageErrorNamingTheValidOnes() {
        for (args, valid) in [(["run", "ct", "-o", "out", "--method", "deep"], ["atlas", "unet", "both"]),
                              (["label", "ct", "--atlas", "a", "-o", "l", "--preset", "slow"], ["fast", "default", "aggressive"]),
                              (["resample", "in", "-o", "out", "--spacing", "1", "--interpolation", "bicubic"], ["nearest", "linear", "cubic", "label"])] {
            XCTAssertThrowsError(try DeepStroke.parseAsRoot(args), "\(args)") { error in
                XCTAssertEqual(DeepStroke.exitCode(for: error), .validationFailure)
                let message = DeepStroke.message(for: error)
                for v in valid { XCTAssertTrue(message.contains(v), "\(message) should name \(v)") }
            }
        }
    }

    func testThreadsIsTheSharedOptionAndMustBePositive() throws {
        let strip = try XCTUnwrap(DeepStroke.parseAsRoot(["strip", "ct", "-o", "b", "--threads", "3"]) as? StripCommand)
        XCTAssertEqual(strip.threadOptions.threads, 3)
        let label = try XCTUnwrap(DeepStroke.parseAsRoot(["label", "ct", "--atlas", "a", "-o", "l"]) as? LabelCommand)
        XCTAssertNil(label.threadOptions.threads)
        XCTAssertThrowsError(try DeepStroke.parseAsRoot(["train", "--data", "d", "-o", "r", "--threads", "0"])) { error in
            XCTAssertEqual(DeepStroke.exitCode(for: error), .validationFailure)
            XCTAssertTrue(DeepStroke.message(for: error).contains("--threads"), DeepStroke.message(for: error))
        }
    }

    func testThreadCountComesFromOptionThenEnvironmentThenAllCores() {
        let env = CommandEnvironment(["DEEPSTROKE_THREADS": "3"])
        XCTAssertEqual(env.parallelism(threads: 2).threadCount, 2)
        XCTAssertEqual(env.parallelism(threads: nil).threadCount, 3)
        XCTAssertEqual(CommandEnvironment([:]).parallelism(threads: nil), .allCores)
        // Not a positive number: ignored, as before.
        XCTAssertNil(CommandEnvironment(["DEEPSTROKE_THREADS": "0"]).threads)
        XCTAssertNil(CommandEnvironment(["DEEPSTROKE_THREADS": "many"]).threads)
    }

    func testSpacingTakesOneOrThreePositiveValues() throws {
        XCTAssertEqual(Spacing(argument: "2")?.millimetres, SIMD3(2, 2, 2))
        XCTAssertEqual(Spacing(argument: "1, 1,5")?.millimetres, SIMD3(1, 1, 5))
        for bad in ["", "0,1,1", "1,1", "1,,1", "-1", "nan", "inf", "a,b,c"] {
            XCTAssertNil(Spacing(argument: bad), bad)
        }
        XCTAssertThrowsError(try DeepStroke.parseAsRoot(["resample", "in", "-o", "out", "--spacing", "0,1,1"])) { error in
            XCTAssertEqual(DeepStroke.exitCode(for: error), .validationFailure)
        }
        XCTAssertThrowsError(try DeepStroke.parseAsRoot(["resample", "in", "-o", "out"])) { error in
            XCTAssertTrue(DeepStroke.message(for: error).contains("exactly one of --spacing and --like"))
        }
    }

    func testTimingAndTestToolsAreNotPartOfTheUserTool() {
        // bench and nifti moved to deepstroke-bench; nn keeps only forward.
        for args in [["bench", "smooth"], ["nifti", "convert", "a", "b"], ["nn", "bench"]] {
            XCTAssertThrowsError(try DeepStroke.parseAsRoot(args), "\(args)")
        }
    }
}
