import Foundation
import ImageCore
import NIfTI
import XCTest

/// Runs the built `deepstroke` / `deepstroke-bench` executables as a user would, in a subprocess, so
/// the tests see the real exit codes and the real stdout/stderr split. The executables are built with
/// this test target (it depends on both); DEEPSTROKE_BIN / DEEPSTROKE_BENCH_BIN point elsewhere.
struct CommandLineRunner {
    struct Result {
        let status: Int32
        let stdout: String
        let stderr: String
        /// stderr without blank lines (ArgumentParser adds usage lines after the error line).
        var errorLines: [String] { stderr.split(separator: "\n").map(String.init).filter { !$0.trimmingCharacters(in: .whitespaces).isEmpty } }
    }

    let executable: URL

    static let deepstroke = CommandLineRunner(name: "deepstroke", variable: "DEEPSTROKE_BIN")
    static let bench = CommandLineRunner(name: "deepstroke-bench", variable: "DEEPSTROKE_BENCH_BIN")

    init(name: String, variable: String) {
        if let path = ProcessInfo.processInfo.environment[variable], !path.isEmpty {
            executable = URL(fileURLWithPath: path)
        } else {
            // The test bundle sits in the products folder next to the executables.
            executable = Bundle.main.bundleURL.appendingPathComponent(name)
        }
    }

    /// Runs with `arguments`; `environment` entries are added to (or, with nil, removed from) this
    /// process's environment.
    func callAsFunction(_ arguments: [String], environment: [String: String?] = [:]) throws -> Result {
        guard FileManager.default.isExecutableFile(atPath: executable.path) else {
            throw XCTSkip("\(executable.path) is not built")
        }
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("cli-run-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: folder) }
        let out = folder.appendingPathComponent("stdout"), err = folder.appendingPathComponent("stderr")
        FileManager.default.createFile(atPath: out.path, contents: nil)
        FileManager.default.createFile(atPath: err.path, contents: nil)
        let p = Process()
        p.executableURL = executable
        p.arguments = arguments
        var env = ProcessInfo.processInfo.environment
        for (k, v) in environment { env[k] = v }
        p.environment = env
        // Files, not pipes: a command that writes a lot cannot block on a full pipe.
        p.standardOutput = try FileHandle(forWritingTo: out)
        p.standardError = try FileHandle(forWritingTo: err)
        p.standardInput = FileHandle.nullDevice
        try p.run()
        p.waitUntilExit()
        return Result(status: p.terminationStatus,
                      stdout: (try? String(contentsOf: out, encoding: .utf8)) ?? "",
                      stderr: (try? String(contentsOf: err, encoding: .utf8)) ?? "")
    }
}

/// Exit codes the commands promise (ArgumentParser's and RunCommand's).
enum ExitStatus {
    static let success: Int32 = 0
    static let failure: Int32 = 1
    /// A bad option value or combination, refused before the command starts.
    static let usage: Int32 = 64
}

/// A fresh temporary folder, removed at the end of the test.
func temporaryFolder(_ test: XCTestCase) throws -> URL {
    let dir = FileManager.default.temporaryDirectory.appendingPathComponent("deepstroke-cli-tests-\(UUID().uuidString)")
    try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
    test.addTeardownBlock { try? FileManager.default.removeItem(at: dir) }
    return dir
}

/// A small head-like float volume (a bright ball in air) and a label map that splits the ball into
/// two labels, for the commands that need images.
enum TinyImages {
    static func ct(size n: Int, spacing: Double = 2) throws -> Volume<Float> {
        let g = Geometry(size: SIMD3(repeating: n), spacing: SIMD3(repeating: spacing))
        let c = Double(n - 1) / 2
        let values = (0..<g.voxelCount).map { idx -> Float in
            let i = Double(idx % n) - c, j = Double((idx / n) % n) - c, k = Double(idx / (n * n)) - c
            return (i * i + j * j + k * k).squareRoot() < Double(n) / 3 ? 35 : -1000
        }
        return try Volume(geometry: g, data: values)
    }

    static func labels(for ct: Volume<Float>, left: UInt8, right: UInt8) throws -> Volume<UInt8> {
        let n = ct.size.x
        let values = ct.data.indices.map { idx -> UInt8 in
            guard ct.data[idx] > 0 else { return 0 }
            return idx % n < n / 2 ? right : left
        }
        return try Volume(geometry: ct.geometry, data: values)
    }
}
