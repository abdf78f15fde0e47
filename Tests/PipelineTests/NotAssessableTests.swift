import ASPECTS
import DICOM
import Foundation
import ImageCore
import NIfTI
import Pipeline
import XCTest

/// Scans that must not be scored: each gets `"status": "not_assessable"` with a specific reason, no
/// score anywhere (JSON, HTML, log), no DICOM SEG, and (through the CLI) exit code 3.
final class NotAssessableTests: XCTestCase {
    /// Runs the atlas method on `input` and checks everything a refused scan must show; returns the
    /// refusal's gate names.
    @discardableResult
    func assertRefused(_ input: URL, in root: URL, file: StaticString = #filePath, line: UInt = #line) throws -> Set<String> {
        let atlas = try Fixtures.makeAtlas(in: root.appendingPathComponent("atlas"))
        let out = root.appendingPathComponent("out")
        var lines: [String] = []
        let outcome = try EndToEndRun(options: EndToEndRun.Options(), atlasLabeler: { Fixtures.labeler(atlas) }, segmenter: nil,
                                      log: { lines.append($0) }).run(input: input, output: out)
        XCTAssertTrue(outcome.notAssessable, "\(lines)", file: file, line: line)
        let doc = try XCTUnwrap(JSONSerialization.jsonObject(with: Data(contentsOf: out.appendingPathComponent("aspects.json"))) as? [String: Any])
        XCTAssertEqual(doc["status"] as? String, "not_assessable", file: file, line: line)
        let reasons = try XCTUnwrap(doc["not_assessable_reasons"] as? [String], file: file, line: line)
        XCTAssertFalse(reasons.isEmpty, file: file, line: line)
        XCTAssertTrue(doc["score"] is NSNull, file: file, line: line)
        let scores = try XCTUnwrap(doc["aspects"] as? [String: Any], file: file, line: line)
        XCTAssertTrue(scores["right"] is NSNull && scores["left"] is NSNull, "\(scores)", file: file, line: line)
        let html = try String(contentsOf: out.appendingPathComponent("report.html"), encoding: .utf8)
        XCTAssertTrue(html.contains("Not assessable"), file: file, line: line)
        XCTAssertFalse(html.contains("ASPECTS (of 10)"), "a score box in a refused report", file: file, line: line)
        XCTAssertFalse(FileManager.default.fileExists(atPath: out.appendingPathComponent("segmentation.dcm").path), file: file, line: line)
        XCTAssertFalse(lines.contains { $0.contains("ASPECTS right") && !$0.contains("n/a") }, "\(lines)", file: file, line: line)
        let gates = (doc["gates"] as? [[String: Any]] ?? []).compactMap { $0["gate"] as? String }
        return Set(gates)
    }

    /// A series that stops below the ganglionic level (the lowest 8 of 28 five-millimetre slices):
    /// refused, whichever gate sees it first (too little brain, or the regions outside the field of view).
    func testSeriesCoveringOnlyTheSkullBase() throws {
        let root = Fixtures.tempDir("cut")
        defer { try? FileManager.default.removeItem(at: root) }
        let p = SyntheticBrainPhantom.generate(seed: 11, lesionCodes: [], depth: 0, options: Fixtures.phantomOptions)
        let cut = try p.ct.cropped(to: IndexBox(lower: SIMD3(0, 0, 0), upper: SIMD3(p.ct.size.x - 1, p.ct.size.y - 1, 7)))
        _ = try StudySynthesizer.write(cut, to: root.appendingPathComponent("study"), decoys: [.scout])
        let gates = try assertRefused(root.appendingPathComponent("study"), in: root)
        XCTAssertFalse(gates.isDisjoint(with: ["head", "coverage"]), "\(gates)")
    }

    /// A study whose only axial series was acquired with contrast agent.
    func testContrastOnlyStudy() throws {
        let root = Fixtures.tempDir("cta")
        defer { try? FileManager.default.removeItem(at: root) }
        let p = SyntheticBrainPhantom.generate(seed: 12, lesionCodes: [], depth: 0, options: Fixtures.phantomOptions)
        var o = CTSeriesSynthesizer.Options()
        o.seriesDescription = "CTA HEAD"
        o.contrastAgent = "OMNIPAQUE 350"
        _ = try CTSeriesSynthesizer.write(p.ct, to: root.appendingPathComponent("study/S002"), options: o)
        let gates = try assertRefused(root.appendingPathComponent("study"), in: root)
        XCTAssertTrue(gates.contains("contrast"), "\(gates)")
    }

    /// A body CT labelled as a head (soft tissue and fat in an elliptic trunk, no skull): nothing inside
    /// a skull to score.
    func testNonHeadCT() throws {
        let root = Fixtures.tempDir("body")
        defer { try? FileManager.default.removeItem(at: root) }
        var v = Volume<Float>(geometry: Geometry(size: SIMD3(80, 96, 28), spacing: SIMD3(2, 2, 5)))
        var rng = SplitMix64(seed: 3)
        for k in 0..<28 { for j in 0..<96 { for i in 0..<80 {
            let x = (Double(i) - 39.5) / 38, y = (Double(j) - 47.5) / 30
            let r = x * x + y * y
            let hu: Double = r > 1 ? -1000 : (r > 0.8 ? -100 : (abs(x) < 0.2 && y > 0.5 ? 60 : 40))
            v[i, j, k] = Float(hu + (r > 1 ? 0 : 5 * rng.gaussian()))
        } } }
        _ = try StudySynthesizer.write(v, to: root.appendingPathComponent("study"), decoys: [])
        let gates = try assertRefused(root.appendingPathComponent("study"), in: root)
        XCTAssertTrue(gates.contains("head"), "\(gates)")
    }

    /// A head with an aneurysm clip in the brain: refused by `metal` (its streaks would pass for or hide
    /// hypodensity).
    func testMetalInsideTheSkull() throws {
        let root = Fixtures.tempDir("metal")
        defer { try? FileManager.default.removeItem(at: root) }
        let p = SyntheticBrainPhantom.generate(seed: 13, lesionCodes: [], depth: 0, options: Fixtures.phantomOptions)
        let clipped = QualityGatesTests.withMetal(p.ct, at: SIMD3(30, 48, 14), radiusMM: 5)
        _ = try StudySynthesizer.write(clipped, to: root.appendingPathComponent("study"), decoys: [])
        let gates = try assertRefused(root.appendingPathComponent("study"), in: root)
        XCTAssertTrue(gates.contains("metal"), "\(gates)")
    }

    /// The Philips head phantom (dcm_qa_ct): plastic and water inside a bone-like shell, no brain.
    func testHeadPhantom() throws {
        guard let data = DataPaths(environment: ProcessInfo.processInfo.environment).dataDirectory,
              FileManager.default.fileExists(atPath: data.appendingPathComponent("dicom/ct_philips_head_dicomdir/DICOMDIR").path) else {
            throw XCTSkip("missing data: shared DICOM samples not present (DEEPSTROKE_DATA)")
        }
        let dicom = data.appendingPathComponent("dicom")
        let root = Fixtures.tempDir("phantom")
        defer { try? FileManager.default.removeItem(at: root) }
        let gates = try assertRefused(dicom.appendingPathComponent("ct_philips_head_dicomdir/DICOMDIR"), in: root)
        XCTAssertFalse(gates.isDisjoint(with: ["head", "not_brain"]), "\(gates)")
    }
}
