import Atlas
import Foundation
import ImageCore
import Pipeline
import XCTest

/// The real download path (curl, temporary file, checksum, rename) run against file:// sources.
final class TemplateFetcherTests: XCTestCase {
    var dir: URL!
    override func setUpWithError() throws {
        dir = Fixtures.tempDir("fetch")
        let path = ProcessInfo.processInfo.environment["PATH"] ?? "/usr/bin:/bin"
        if !path.split(separator: ":").contains(where: { FileManager.default.isExecutableFile(atPath: "\($0)/curl") }) {
            throw XCTSkip("curl is not installed")
        }
    }
    override func tearDownWithError() throws { try? FileManager.default.removeItem(at: dir) }

    private func put(_ text: String, at path: String, under root: URL) throws {
        let url = root.appendingPathComponent(path)
        try FileManager.default.createDirectory(at: url.deletingLastPathComponent(), withIntermediateDirectories: true)
        try Data(text.utf8).write(to: url)
    }

    func testDownloadVerifySkipAndReject() throws {
        let source = dir.appendingPathComponent("source", isDirectory: true)
        let dest = dir.appendingPathComponent("dest")
        try put("abc", at: "template/2mm/a.txt", under: source)
        // SHA-256("abc") from FIPS 180-2.
        let file = CTTemplate.File(sourcePath: "template/2mm/a.txt", name: "a.txt",
                                   sha256: "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad")
        var fetcher = TemplateFetcher(source: source, destination: dest, files: [file])
        var lines: [String] = []
        fetcher.log = { lines.append($0) }
        XCTAssertEqual(try fetcher.fetch().map(\.outcome), [.downloaded])
        XCTAssertEqual(try String(contentsOf: dest.appendingPathComponent("a.txt"), encoding: .utf8), "abc")
        XCTAssertTrue(lines.contains { $0.hasPrefix("fetching file://") })
        XCTAssertEqual(try fetcher.fetch().map(\.outcome), [.alreadyPresent])

        // The source changes (tampering, a moved branch): a forced fetch refuses it and keeps the good copy.
        try put("abd", at: "template/2mm/a.txt", under: source)
        fetcher.force = true
        XCTAssertThrowsError(try fetcher.fetch()) { e in
            XCTAssertTrue("\(e)".contains("SHA-256"), "\(e)")
            XCTAssertTrue("\(e)".contains("not installed"), "\(e)")
        }
        XCTAssertEqual(try String(contentsOf: dest.appendingPathComponent("a.txt"), encoding: .utf8), "abc")
        XCTAssertEqual(try FileManager.default.contentsOfDirectory(atPath: dest.path), ["a.txt"])

        // A corrupted local copy is replaced by a fresh verified download without --force.
        try put("abc", at: "template/2mm/a.txt", under: source)
        fetcher.force = false
        try Data("xyz".utf8).write(to: dest.appendingPathComponent("a.txt"))
        XCTAssertEqual(try fetcher.fetch().map(\.outcome), [.downloaded])
        XCTAssertEqual(try String(contentsOf: dest.appendingPathComponent("a.txt"), encoding: .utf8), "abc")
    }

    func testMissingSourceFileIsAClearError() throws {
        let file = CTTemplate.File(sourcePath: "template/none.nii.gz", name: "none.nii.gz", sha256: String(repeating: "0", count: 64))
        let fetcher = TemplateFetcher(source: dir, destination: dir.appendingPathComponent("d"), files: [file])
        XCTAssertThrowsError(try fetcher.fetch()) { e in
            XCTAssertTrue("\(e)".contains("curl exited with status"), "\(e)")
            XCTAssertTrue("\(e)".contains("none.nii.gz"), "\(e)")
        }
        XCTAssertEqual(try FileManager.default.contentsOfDirectory(atPath: dir.appendingPathComponent("d").path), [])
    }

    /// The pinned checksums match the project's copies of the template, laid out as at the source.
    func testRealTemplateChecksums() throws {
        guard let data = DataPaths(environment: ProcessInfo.processInfo.environment).dataDirectory?.appendingPathComponent("ct_template"),
              FileManager.default.fileExists(atPath: data.path) else { throw XCTSkip("no data folder") }
        let source = dir.appendingPathComponent("mirror", isDirectory: true)
        for f in CTTemplate.files {
            let link = source.appendingPathComponent(f.sourcePath)
            try FileManager.default.createDirectory(at: link.deletingLastPathComponent(), withIntermediateDirectories: true)
            try FileManager.default.createSymbolicLink(at: link, withDestinationURL: data.appendingPathComponent(f.name))
        }
        let dest = dir.appendingPathComponent("cache/ct_template")
        let results = try TemplateFetcher(source: URL(string: source.absoluteString)!, destination: dest).fetch()
        XCTAssertEqual(results.count, CTTemplate.files.count)
        XCTAssertTrue(results.allSatisfy { $0.outcome == .downloaded })
        for f in CTTemplate.files {
            XCTAssertEqual(try SHA256.hex(ofFile: dest.appendingPathComponent(f.name)), f.sha256, f.name)
        }
    }
}
