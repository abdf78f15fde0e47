import Foundation
import XCTest

/// `deepstroke-bench`: the timing commands moved out of `deepstroke`, and the thread count reaching them
/// as a value from the entry (`--threads`, else DEEPSTROKE_THREADS), which their JSON reports.
final class BenchExecutableTests: XCTestCase {
    let bench = CommandLineRunner.bench

    private func json(_ r: CommandLineRunner.Result) throws -> [String: Any] {
        XCTAssertEqual(r.status, ExitStatus.success, r.stderr)
        let line = try XCTUnwrap(r.stdout.split(separator: "\n").last)
        return try XCTUnwrap(JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any])
    }

    func testThreadsOptionBeatsTheEnvironmentWhichBeatsTheDefault() throws {
        let args = ["smooth", "--size", "8", "--repeats", "1", "--sigma", "1"]
        let option = try json(bench(args + ["--threads", "2"], environment: ["DEEPSTROKE_THREADS": "3"]))
        XCTAssertEqual(option["threads"] as? Int, 2)
        let environment = try json(bench(args, environment: ["DEEPSTROKE_THREADS": "3"]))
        XCTAssertEqual(environment["threads"] as? Int, 3)
        let fallback = try json(bench(args, environment: ["DEEPSTROKE_THREADS": nil]))
        XCTAssertEqual(fallback["threads"] as? Int, ProcessInfo.processInfo.activeProcessorCount)
        XCTAssertEqual(option["op"] as? String, "smooth")
        XCTAssertEqual(option["size"] as? [Int], [8, 8, 8])
    }

    func testResampleTakesItsInterpolationAsAChoice() throws {
        let r = try json(bench(["resample", "--size", "6,7,8", "--repeats", "1", "--interpolation", "nearest", "--threads", "1"]))
        XCTAssertEqual(r["op"] as? String, "resample-nearest")
        XCTAssertEqual(r["size"] as? [Int], [6, 7, 8])
        let bad = try bench(["resample", "--size", "8", "--interpolation", "bicubic"])
        XCTAssertEqual(bad.status, ExitStatus.usage, bad.stderr)
        let tooLarge = try bench(["smooth", "--size", "4096"])
        XCTAssertEqual(tooLarge.status, ExitStatus.usage, tooLarge.stderr)
    }

    func testNIfTIConvertRewritesWithAnotherDatatype() throws {
        let dir = try temporaryFolder(self)
        let input = dir.appendingPathComponent("in.nii.gz"), output = dir.appendingPathComponent("out.nii")
        try NIfTIFileWriting.write(try TinyImages.ct(size: 6), to: input)
        let r = try bench(["nifti-convert", input.path, output.path, "--datatype", "int16"])
        XCTAssertEqual(r.status, ExitStatus.success, r.stderr)
        let info = try CommandLineRunner.deepstroke(["info", "--json", output.path])
        XCTAssertEqual(info.status, ExitStatus.success, info.stderr)
        XCTAssertTrue(info.stdout.contains("int16"), info.stdout)
        let bad = try bench(["nifti-convert", input.path, output.path, "--datatype", "float16"])
        XCTAssertEqual(bad.status, ExitStatus.usage, bad.stderr)
    }
}
