import ASPECTS
import Foundation
import ImageCore
import Rendering
import XCTest

final class ReportTests: XCTestCase {
    var tmp: URL!

    override func setUpWithError() throws {
        tmp = FileManager.default.temporaryDirectory.appendingPathComponent("aspects-report-\(UUID().uuidString)")
    }

    override func tearDownWithError() throws {
        try? FileManager.default.removeItem(at: tmp)
    }

    /// A right-sided lesion in L, I and M2 (ganglionic) and M5 (supraganglionic).
    func lesionCase() -> SyntheticBrainPhantom {
        let codes = ["L", "I", "M2", "M5"].map { ASPECTSRegion(name: $0, hemisphere: .right)!.code }
        return SyntheticBrainPhantom.generate(seed: 21, lesionCodes: codes, depth: 7)
    }

    func testReportFilesAndSchema() throws {
        let p = lesionCase()
        let result = try ASPECTSScorer().score(ct: p.ct, labels: p.labels)
        let report = try ASPECTSReport(result: result, ct: p.ct, labels: p.labels, inputs: ["ct": "phantom <21>"])
        let urls = try report.write(to: tmp)
        XCTAssertEqual(urls.map(\.lastPathComponent), ASPECTSReport.fileNames)
        let leftovers = try FileManager.default.contentsOfDirectory(atPath: tmp.path).filter { $0.hasPrefix(".") }
        XCTAssertEqual(leftovers, [], "temporary files left behind")

        let json = try JSONSerialization.jsonObject(with: Data(contentsOf: tmp.appendingPathComponent("aspects.json"))) as! [String: Any]
        let aspects = json["aspects"] as! [String: Int]
        XCTAssertEqual(aspects["right"], 6)
        XCTAssertEqual(aspects["left"], 10)
        XCTAssertEqual(json["affected_side"] as? String, "right")
        let regions = json["regions"] as! [[String: Any]]
        XCTAssertEqual(regions.count, 20)
        XCTAssertEqual(Set(regions.filter { $0["affected"] as! Bool }.map { $0["code"] as! Int }), Set(p.truth.lesionCodes))
        for r in regions {
            for key in ["code", "name", "side", "affected", "confidence", "stats", "mirror", "asymmetry", "descriptors", "segmentation_probability"] {
                XCTAssertNotNil(r[key], "region key \(key)")
            }
            XCTAssertTrue(r["segmentation_probability"] is NSNull)
            let stats = r["stats"] as! [String: Any]
            XCTAssertNotNil(stats["mean_hu"] as? Double)
            XCTAssertNotNil(stats["p90_hu"] as? Double)
            XCTAssertNotNil(r["hypodense_fraction"] as? Double, "hypodense_fraction")
        }
        // The evidence: per-region fractions (high in the lesion), per-hemisphere volumes and parameters.
        for r in regions where p.truth.lesionCodes.contains(r["code"] as! Int) {
            XCTAssertGreaterThan(r["hypodense_fraction"] as! Double, 0.5)
        }
        let evidence = try XCTUnwrap(json["hypodensity"] as? [String: Any])
        let volumes = try XCTUnwrap(evidence["hypodense_volume_ml"] as? [String: Double])
        XCTAssertGreaterThan(volumes["right"]!, 10 * volumes["left"]!)
        XCTAssertNotNil(evidence["threshold_hu"] as? Double)
        XCTAssertNotNil(evidence["sigma_mm"] as? Double)
        XCTAssertEqual(evidence["file"] as? String, "hypodensity.nii.gz")
        let nifti = try Data(contentsOf: tmp.appendingPathComponent("hypodensity.nii.gz"))
        XCTAssertEqual(Array(nifti.prefix(2)), [0x1f, 0x8b], "gzip")
        // A lesion-free report says null, not a missing key.
        let healthy = SyntheticBrainPhantom.generate(seed: 101, lesion: false)
        let h = try ASPECTSReport(result: try ASPECTSScorer(computeDescriptors: false).score(ct: healthy.ct, labels: healthy.labels),
                                  ct: healthy.ct, labels: healthy.labels)
        let hj = try JSONSerialization.jsonObject(with: h.document.jsonData()) as! [String: Any]
        XCTAssertTrue(hj["affected_side"] is NSNull)
        XCTAssertTrue((hj["regions"] as! [[String: Any]])[0]["descriptors"] is NSNull)

        let csv = try String(contentsOf: tmp.appendingPathComponent("regions.csv"), encoding: .utf8).split(separator: "\n")
        XCTAssertEqual(csv.count, 21)
        XCTAssertEqual(csv[0].split(separator: ",", omittingEmptySubsequences: false).count, RegionTable.columns.count)
        XCTAssertTrue(csv[0].hasSuffix(",hypodense_fraction,core_voxels,core_mean_hu,core_difference_hu,core_z,anterior_half_difference_hu,anterior_half_z,posterior_half_difference_hu,posterior_half_z,called_by_half"))
        for line in csv.dropFirst() {
            XCTAssertEqual(line.split(separator: ",", omittingEmptySubsequences: false).count, RegionTable.columns.count)
        }

        let html = try String(contentsOf: tmp.appendingPathComponent("report.html"), encoding: .utf8)
        XCTAssertTrue(html.contains("not for clinical use"))
        XCTAssertTrue(html.contains("phantom &lt;21&gt;"))
        XCTAssertTrue(html.contains("Hypodense %"))
        XCTAssertTrue(html.contains("Heat map: voxel-wise hypodensity"))
        XCTAssertEqual(html.components(separatedBy: "data:image/png;base64,").count - 1, 2)
        XCTAssertFalse(html.contains("http://") || html.contains("https://") || html.contains("<script"))
    }

    func testLevelImagesAreRadiologicalAndHighlightAffectedRegions() throws {
        let p = lesionCase()
        let result = try ASPECTSScorer(computeDescriptors: false).score(ct: p.ct, labels: p.labels)
        let report = try ASPECTSReport(result: result, ct: p.ct, labels: p.labels)
        XCTAssertEqual(report.images.map(\.level), [.ganglionic, .supraganglionic])
        // The phantom's ganglionic regions are centred at z = 0 mm, slice 10 (origin -50 mm, 5 mm slices);
        // the supraganglionic ones at z = 30 mm, slice 16.
        XCTAssertEqual(report.images[0].slice, 10)
        XCTAssertEqual(report.images[1].slice, 16)
        let affected = Set(result.regions.filter(\.affected).map(\.region.code))
        for level in report.images {
            XCTAssertEqual(level.image.width, 512)
            // Pixels of the red fill (red laid at 45 % over grey; no region colour is this red) must lie in
            // the image's left half: the patient's right. Checked on the picture without the heat map,
            // whose red marks the lesion too but also shows scattered specks of healthy noise.
            let img = try PNGDecoder.decode(LevelImage(level: level.level, slice: level.slice, ct: p.ct, labels: p.labels,
                                                       affected: affected).image.pngData())
            XCTAssertEqual(img.width, 512)
            var left = 0, right = 0
            for y in 0..<img.height { for x in 0..<img.width {
                let o = 3 * (y * img.width + x)
                let (r, g, b) = (Int(img.pixels[o]), Int(img.pixels[o + 1]), Int(img.pixels[o + 2]))
                if r > 150 && g < 120 && b < 120 && r - max(g, b) > 70 { if x < img.width / 2 { left += 1 } else { right += 1 } }
            } }
            XCTAssertGreaterThan(left, 2000, "\(level.level)")
            XCTAssertLessThan(right, left / 50, "\(level.level)")
            let greys = Set(stride(from: 0, to: img.pixels.count, by: 3).map { img.pixels[$0] })
            XCTAssertGreaterThan(greys.count, 50, "the CT should show through")
        }
        try report.images[0].image.writePNG(to: tmp.appendingPathComponent("ganglionic.png"))
    }

    func testReportRefusesUnwritableFolder() throws {
        let p = SyntheticBrainPhantom.generate(seed: 5, lesion: false)
        let report = try ASPECTSReport(result: try ASPECTSScorer(computeDescriptors: false).score(ct: p.ct, labels: p.labels),
                                       ct: p.ct, labels: p.labels)
        try FileManager.default.createDirectory(at: tmp, withIntermediateDirectories: true)
        let blocker = tmp.appendingPathComponent("file")
        try Data("x".utf8).write(to: blocker)
        XCTAssertThrowsError(try report.write(to: blocker.appendingPathComponent("sub"))) { e in
            guard case ASPECTSError.output = e else { return XCTFail("\(e)") }
        }
    }
}
