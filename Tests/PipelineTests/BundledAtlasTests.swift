import Atlas
import Foundation
import ImageCore
import NIfTI
import Pipeline
import XCTest

/// The atlas that ships in `share/deepstroke/atlas` is exactly what `deepstroke atlas build` makes from the
/// CT template today, so the shipped files cannot drift from the rules in the code: the same labels voxel
/// for voxel, the same templates, the same sidecar apart from when and where it was made.
final class BundledAtlasTests: XCTestCase {
    func testBundledAtlasEqualsAFreshBuild() throws {
        guard let template = DataPaths(environment: ProcessInfo.processInfo.environment).templateDirectory else {
            throw XCTSkip("missing data: no CT template in the data folder (ct_template)")
        }
        let shipped = try DefaultAtlas.directory(BundledResources.current(environment: ProcessInfo.processInfo.environment))
        let anatomy = try TemplateAnatomy(directory: template)
        let out = FileManager.default.temporaryDirectory.appendingPathComponent("fresh-atlas-\(UUID().uuidString)")
        addTeardownBlock { try? FileManager.default.removeItem(at: out) }
        try AtlasWriter(generator: "BundledAtlasTests").write(try AtlasBuilder().build(anatomy), anatomy: anatomy, to: out)

        let a = try Atlas(directory: shipped), b = try Atlas(directory: out)
        XCTAssertTrue(a.labels.geometry.isClose(to: b.labels.geometry, tolerance: 1e-9))
        let differing = zip(a.labels.data, b.labels.data).filter { $0 != $1 }.count
        XCTAssertEqual(differing, 0, "voxels whose label differs between \(shipped.path) and a fresh build; rebuild it: deepstroke atlas build --template-dir \(template.path) -o share/deepstroke/atlas")
        XCTAssertEqual(a.template.data, b.template.data, "template.nii.gz differs")
        XCTAssertEqual(try a.templateWithSkull()?.data, try b.templateWithSkull()?.data, "template_with_skull.nii.gz differs")

        func comparable(_ url: URL) throws -> NSDictionary {
            let data = try Data(contentsOf: url.appendingPathComponent("labels.json"))
            var json = try XCTUnwrap(JSONSerialization.jsonObject(with: data) as? [String: Any])
            var provenance = try XCTUnwrap(json["provenance"] as? [String: Any])
            for key in ["created", "templateFolder", "generator"] { provenance.removeValue(forKey: key) }
            json["provenance"] = provenance
            return json as NSDictionary
        }
        XCTAssertEqual(try comparable(shipped), try comparable(out), "labels.json differs beyond date, folder and generator")
    }
}
