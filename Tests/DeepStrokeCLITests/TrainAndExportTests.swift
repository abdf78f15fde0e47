import Foundation
import ImageCore
import NIfTI
import XCTest

/// `deepstroke train` for one epoch of a tiny network on two tiny pairs, then `model export --half` of
/// its best checkpoint: the run folder's files, F16 weights at about half the size, and the refusals.
final class TrainAndExportTests: XCTestCase {
    let deepstroke = CommandLineRunner.deepstroke

    /// images/ + labels/ with two 16³ scans, a 2-level network config and one-epoch options.
    private func trainingSet(in dir: URL) throws -> (data: URL, config: URL, options: URL) {
        let data = dir.appendingPathComponent("data")
        for sub in ["images", "labels"] {
            try FileManager.default.createDirectory(at: data.appendingPathComponent(sub), withIntermediateDirectories: true)
        }
        for (n, name) in ["a.nii.gz", "b.nii.gz"].enumerated() {
            let ct = try TinyImages.ct(size: 16)
            try NIfTIFile.write(ct, to: data.appendingPathComponent("images/\(name)"))
            try NIfTIFile.write(try TinyImages.labels(for: ct, left: UInt8(5 + n), right: 1), to: data.appendingPathComponent("labels/\(name)"))
        }
        let config = dir.appendingPathComponent("config.json")
        try Data(#"{"base_channels": 2, "levels": 2, "squeeze_excite": false}"#.utf8).write(to: config)
        let options = dir.appendingPathComponent("options.json")
        try Data(#"{"epochs": 1, "batch_size": 1, "validation_fraction": 0.5}"#.utf8).write(to: options)
        return (data, config, options)
    }

    /// Most of the 10 foreground classes are absent from the tiny validation scan, so their Dice is NaN:
    /// the run must still save its state (state.json writes NaN as "nan").
    func testTrainOneEpochThenExportHalfPrecision() throws {
        let dir = try temporaryFolder(self)
        let set = try trainingSet(in: dir)
        let run = dir.appendingPathComponent("run")
        let train = try deepstroke(["train", "--data", set.data.path, "-o", run.path, "--config", set.config.path,
                                    "--options", set.options.path, "--input-size", "16", "--threads", "2"])
        XCTAssertEqual(train.status, ExitStatus.success, train.stdout + train.stderr)
        XCTAssertTrue(train.stdout.contains("training on 1 scans, validating on 1"), train.stdout)
        for file in ["metrics.csv", "best/model.safetensors", "best/config.json", "last/model.safetensors", "last/state.json"] {
            XCTAssertTrue(FileManager.default.fileExists(atPath: run.appendingPathComponent(file).path), file)
        }

        // A second run with a larger budget resumes from last/ (reading back the NaN Dice of absent classes).
        let resumed = try deepstroke(["train", "--data", set.data.path, "-o", run.path, "--config", set.config.path,
                                      "--options", set.options.path, "--input-size", "16", "--epochs", "2"])
        XCTAssertEqual(resumed.status, ExitStatus.success, resumed.stdout + resumed.stderr)
        XCTAssertTrue(resumed.stdout.contains("resuming after epoch 1"), resumed.stdout)

        let exported = dir.appendingPathComponent("exported")
        let export = try deepstroke(["model", "export", run.appendingPathComponent("best").path, "-o", exported.path, "--half"])
        XCTAssertEqual(export.status, ExitStatus.success, export.stdout + export.stderr)
        XCTAssertTrue(export.stdout.contains("(F16 weights)"), export.stdout)
        let full = try Data(contentsOf: run.appendingPathComponent("best/model.safetensors"))
        let half = try Data(contentsOf: exported.appendingPathComponent("model.safetensors"))
        XCTAssertTrue(Self.header(of: half).contains(#""dtype":"F16""#), "the exported tensors are stored as F16")
        XCTAssertFalse(Self.header(of: full).contains(#""dtype":"F16""#))
        XCTAssertLessThan(Double(Self.tensorBytes(of: half)), 0.6 * Double(Self.tensorBytes(of: full)),
                          "F16 weights take about half the bytes (the I64 batch counters stay as they are)")
        for file in ["config.json", "preprocessing.json"] {
            XCTAssertEqual(try Data(contentsOf: exported.appendingPathComponent(file)),
                           try Data(contentsOf: run.appendingPathComponent("best/\(file)")), "\(file) is copied as it is")
        }
    }

    func testTrainOnAMissingDatasetFailsNamingIt() throws {
        let dir = try temporaryFolder(self)
        let missing = dir.appendingPathComponent("no-data").path
        let r = try deepstroke(["train", "--data", missing, "-o", dir.appendingPathComponent("run").path])
        XCTAssertEqual(r.status, ExitStatus.failure, r.stdout + r.stderr)
        XCTAssertTrue(r.stderr.contains(missing), r.stderr)
    }

    func testExportOfAMissingModelFailsNamingIt() throws {
        let dir = try temporaryFolder(self)
        let missing = dir.appendingPathComponent("no-model").path
        let r = try deepstroke(["model", "export", missing, "-o", dir.appendingPathComponent("out").path, "--half"])
        XCTAssertEqual(r.status, ExitStatus.failure, r.stdout + r.stderr)
        XCTAssertTrue(r.stderr.contains(missing), r.stderr)
        XCTAssertFalse(FileManager.default.fileExists(atPath: dir.appendingPathComponent("out").path))
    }

    /// Bytes after a safetensors file's header: the tensors themselves.
    static func tensorBytes(of data: Data) -> Int {
        guard data.count >= 8 else { return 0 }
        return data.count - 8 - data.prefix(8).enumerated().reduce(0) { $0 | Int($1.element) << (8 * $1.offset) }
    }

    /// The JSON header of a safetensors file (8-byte little-endian length, then the header).
    static func header(of data: Data) -> String {
        guard data.count >= 8 else { return "" }
        let n = data.prefix(8).enumerated().reduce(0) { $0 | Int($1.element) << (8 * $1.offset) }
        guard n >= 0, 8 + n <= data.count else { return "" }
        return String(decoding: data[8..<(8 + n)], as: UTF8.self).replacingOccurrences(of: " ", with: "")
    }
}
