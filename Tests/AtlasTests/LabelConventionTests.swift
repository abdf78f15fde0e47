import XCTest
import ASPECTS
import Atlas
import Foundation
import ImageCore

final class LabelConventionTests: XCTestCase {
    func testSidecarSpellsOutTheConvention() throws {
        let c = LabelSidecar.convention
        let labels = try XCTUnwrap(c["labels"] as? [[String: Any]])
        XCTAssertEqual(labels.count, 20)
        let expected = ["C", "L", "IC", "I", "M1", "M2", "M3", "M4", "M5", "M6"]
        for (n, e) in labels.enumerated() {
            XCTAssertEqual(e["code"] as? Int, n + 1)
            XCTAssertEqual(e["name"] as? String, expected[n % 10])
            XCTAssertEqual(e["side"] as? String, n < 10 ? "right" : "left")
            XCTAssertEqual(e["class11"] as? Int, n % 10 + 1)
            XCTAssertEqual(e["level"] as? String, n % 10 >= 7 ? "supraganglionic" : "ganglionic")
        }
        XCTAssertEqual((c["classes11"] as? [[String: Any]])?.count, 11)
    }

    func testSidecarNameAndRoundTrip() throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("sidecar-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: dir) }
        XCTAssertEqual(LabelSidecar.url(for: dir.appendingPathComponent("labels.nii.gz")).lastPathComponent, "labels.json")
        XCTAssertEqual(LabelSidecar.url(for: dir.appendingPathComponent("case.7.nii")).lastPathComponent, "case.7.json")
        let written = try LabelSidecar.write(for: dir.appendingPathComponent("x.nii.gz"), extra: ["note": "hello", "n": 3])
        let back = try LabelSidecar.read(written)
        XCTAssertEqual(back["note"] as? String, "hello")
        XCTAssertEqual((back["labels"] as? [Any])?.count, 20)
        XCTAssertEqual(try FileManager.default.contentsOfDirectory(atPath: dir.path), ["x.json"])
    }

    func testSidecarOfAnotherConventionIsRefused() throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("sidecar-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        let other = dir.appendingPathComponent("a.json")
        try Data(#"{"convention": "FreeSurfer LUT"}"#.utf8).write(to: other)
        XCTAssertThrowsError(try LabelSidecar.read(other))
        let swapped = dir.appendingPathComponent("b.json")
        try Data(#"{"convention": "DeepStroke ASPECTS 20-label", "labels": [{"code": 1, "name": "L", "side": "right"}]}"#.utf8).write(to: swapped)
        XCTAssertThrowsError(try LabelSidecar.read(swapped))
    }

    func testElevenClassAndBackThroughTheMidline() throws {
        // LPS grid: i grows towards the patient's left; midline between i = 4 and i = 5 (x = 4.5 mm).
        let g = Geometry(size: SIMD3(10, 2, 1))
        var labels = Volume<UInt8>(geometry: g)
        for i in 0..<5 { labels[i, 0, 0] = UInt8(i + 1); labels[i, 1, 0] = UInt8(i + 6) }          // right side: 1-10
        for i in 5..<10 { labels[i, 0, 0] = UInt8(i + 6); labels[i, 1, 0] = UInt8(i + 11) }      // left side: 11-20
        let eleven = ASPECTSLabelMap.elevenClass(labels)
        for v in 0..<labels.voxelCount { XCTAssertEqual(Int(eleven.data[v]), (Int(labels.data[v]) - 1) % 10 + 1) }
        XCTAssertEqual(ASPECTSLabelMap.twentyLabel(eleven, midlineX: 4.5), labels)
        XCTAssertEqual(ASPECTSLabelMap.counts(labels)[1...].reduce(0, +), 20)
    }

    func testInvalidLabelValuesAreFound() throws {
        let g = Geometry(size: SIMD3(3, 1, 1))
        XCTAssertNil(ASPECTSLabelMap.firstInvalidValue(try Volume<Float>(geometry: g, data: [0, 20, 7])))
        XCTAssertEqual(ASPECTSLabelMap.firstInvalidValue(try Volume<Float>(geometry: g, data: [0, 21, 7])), 21)
        XCTAssertEqual(ASPECTSLabelMap.firstInvalidValue(try Volume<Float>(geometry: g, data: [0, 2.5, 7])), 2.5)
        XCTAssertEqual(ASPECTSLabelMap.firstInvalidValue(try Volume<Int16>(geometry: g, data: [0, -1, 7])), -1)
    }

    func testStructureTableMatchingSkipsUnreliableLabels() throws {
        let csv = """
            index,name,ignore
            1,Unlabeled,TRUE
            36,Right Caudate,FALSE
            37,Left Caudate,FALSE
            126,Right IFG inferior frontal gyrus,TRUE
            162,Right OpIFG opercular part of the inferior frontal gyrus,FALSE
            142,Right MFG middle frontal gyrus,FALSE
            143,Left MFG middle frontal gyrus,FALSE
            300,"Right Odd, name",FALSE
            """
        let t = try StructureTable(csv: csv)
        XCTAssertEqual(t.indices(["Caudate"], side: .right), [36])
        XCTAssertEqual(t.indices(["IFG", "OpIFG", "MFG"], side: .right), [162, 142])
        XCTAssertEqual(t.indices(["Odd, name"], side: .right), [300])
        XCTAssertThrowsError(try t.requiredIndices(["IFG"], side: .right))
        XCTAssertEqual(Set(t.bilateralPairs.map { [$0.right, $0.left] }), [[36, 37], [142, 143]])
        XCTAssertThrowsError(try StructureTable(csv: "index,name,ignore\nabc,def\n"))
    }
}
