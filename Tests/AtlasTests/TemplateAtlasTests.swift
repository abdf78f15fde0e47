import XCTest
import ASPECTS
import Atlas
import Foundation
import ImageCore
import NIfTI
import Rendering

/// The atlas built from the CT template (skipped when the data folder is absent). The checks are
/// anatomical facts independent of the rules' details: sides, levels, and what the regions consist of,
/// measured against the template's own tissue segmentation and structure labels.
final class TemplateAtlasTests: XCTestCase {
    struct Built {
        let anatomy: TemplateAnatomy
        let result: AtlasBuilder.Result
        /// LPS coordinates of every voxel centre.
        let world: [SIMD3<Double>]
    }
    nonisolated(unsafe) static var cached: Built?

    func built() throws -> Built {
        if let b = Self.cached { return b }
        guard let dir = DataPaths(environment: ProcessInfo.processInfo.environment).templateDirectory else { throw XCTSkip("CT template folder not available (set DEEPSTROKE_DATA)") }
        let anatomy = try TemplateAnatomy(directory: dir)
        let result = try AtlasBuilder().build(anatomy)
        let g = result.labels.geometry
        var world = [SIMD3<Double>]()
        world.reserveCapacity(g.voxelCount)
        for k in 0..<g.size.z { for j in 0..<g.size.y { for i in 0..<g.size.x { world.append(g.worldLPS(SIMD3(Double(i), Double(j), Double(k)))) } } }
        let b = Built(anatomy: anatomy, result: result, world: world)
        Self.cached = b
        return b
    }

    private func region(_ name: String, _ side: Hemisphere) -> Int { ASPECTSRegion(name: name, hemisphere: side)!.code }

    private func voxels(_ b: Built, _ code: Int) -> [Int] {
        b.result.labels.data.indices.filter { Int(b.result.labels.data[$0]) == code }
    }

    func testEveryLabelIsPresentAndOnItsSide() throws {
        let b = try built()
        // The midline found from paired structures must sit between the two hemispheres' brain halves.
        let brain = b.anatomy.template.data.indices.filter { b.anatomy.template.data[$0] > 0 }
        let meanX = brain.map { b.world[$0].x }.reduce(0, +) / Double(brain.count)
        XCTAssertEqual(b.result.midlineX, meanX, accuracy: 4)
        for r in ASPECTSRegion.all {
            let v = voxels(b, r.code)
            XCTAssertGreaterThan(v.count, 50, "\(r)")
            // LPS x grows towards the patient's left.
            let wrongSide = v.filter { (b.world[$0].x > b.result.midlineX) != (r.hemisphere == .left) }
            XCTAssertEqual(wrongSide.count, 0, "\(r)")
            // and the template's own Right/Left structure labels agree
            let names = b.anatomy.names
            let own = Set(names.entries.filter { $0.name.hasPrefix(r.hemisphere == .right ? "Right " : "Left ") }.map(\.index))
            let other = Set(names.entries.filter { $0.name.hasPrefix(r.hemisphere == .right ? "Left " : "Right ") }.map(\.index))
            let labelled = v.map { Int(b.anatomy.structures.data[$0]) }
            XCTAssertEqual(labelled.filter { other.contains($0) }.count, 0, "\(r)")
            XCTAssertEqual(labelled.filter { own.contains($0) }.count, v.count, "\(r)")
        }
    }

    func testLevels() throws {
        let b = try built()
        for side in Hemisphere.allCases {
            func zs(_ names: [String]) -> [Double] { names.flatMap { voxels(b, region($0, side)).map { b.world[$0].z } } }
            let low = zs(["M1", "M2", "M3"]), high = zs(["M4", "M5", "M6"])
            XCTAssertLessThan(low.max()!, high.min()!, "M1-M3 lie below M4-M6 (\(side))")
            let lowMid = low.reduce(0, +) / Double(low.count), highMid = high.reduce(0, +) / Double(high.count)
            XCTAssertEqual(highMid - lowMid, 20, accuracy: 8, "supraganglionic level about 2 cm above the ganglionic (\(side))")
            // C, L, IC, I at the ganglionic level: within the z range of M1-M3 and of the thalamus/basal ganglia.
            let ganglionic = low.min()!...low.max()!
            let thalamusIDs = b.anatomy.names.indices(["Thalamus Proper", "Putamen"], side: side)
            let deepZ = b.anatomy.structures.data.indices.filter { thalamusIDs.contains(Int(b.anatomy.structures.data[$0])) }.map { b.world[$0].z }
            for name in ["C", "L", "IC", "I"] {
                let z = zs([name])
                XCTAssertTrue(z.allSatisfy { ganglionic.contains($0) }, "\(name) \(side)")
                let mid = z.reduce(0, +) / Double(z.count)
                XCTAssertTrue((deepZ.min()!...deepZ.max()!).contains(mid), "\(name) \(side) centred among the basal ganglia and thalamus")
            }
        }
    }

    /// M regions are lateral MCA cortex with its white matter: grey matter (per seg_2mm) is a large part
    /// of each and most of all six together, they keep away from the midline, and none of their cortex
    /// is ACA or PCA cortex or lies medial to the insula.
    func testMRegionsAreLateralCortex() throws {
        let b = try built()
        let tissue = b.anatomy.tissue.data
        for side in Hemisphere.allCases {
            let aca = b.anatomy.names.indices(TerritoryRules.aca, side: side)
            let pca = b.anatomy.names.indices(TerritoryRules.pca, side: side)
            var grey = 0, total = 0
            for name in ["M1", "M2", "M3", "M4", "M5", "M6"] {
                let v = voxels(b, region(name, side))
                let gm = v.filter { tissue[$0] == 2 }.count
                grey += gm; total += v.count
                XCTAssertGreaterThan(Double(gm) / Double(v.count), 0.4, "\(name) \(side)")
                XCTAssertEqual(v.filter { tissue[$0] == 1 }.count, 0, "no CSF in \(name) \(side)")
                let dx = v.map { abs(b.world[$0].x - b.result.midlineX) }
                XCTAssertGreaterThan(dx.min()!, 12, "\(name) \(side) keeps away from the midline")
                // lateral to the ACA cortex of the same slices
                let z = v.map { b.world[$0].z }
                let slab = z.min()!...z.max()!
                let acaX = b.anatomy.structures.data.indices
                    .filter { aca.contains(Int(b.anatomy.structures.data[$0])) && slab.contains(b.world[$0].z) }
                    .map { abs(b.world[$0].x - b.result.midlineX) }
                let meanM = dx.reduce(0, +) / Double(dx.count), meanACA = acaX.reduce(0, +) / Double(acaX.count)
                print(String(format: "%@ %@: %.0f%% grey matter, %.1f mm from the midline on average (ACA cortex of the same slices: %.1f mm)",
                             name, side.rawValue, 100 * Double(gm) / Double(v.count), meanM, meanACA))
                XCTAssertGreaterThan(meanM, meanACA + 10, "\(name) \(side) lies lateral to the ACA cortex")
                let s = v.map { Int(b.anatomy.structures.data[$0]) }
                XCTAssertEqual(s.filter { aca.contains($0) || pca.contains($0) }.count, 0, "\(name) \(side) has no ACA/PCA cortex")
            }
            XCTAssertGreaterThan(Double(grey) / Double(total), 0.5, "M1-M6 are mostly grey matter (\(side))")
        }
    }

    /// Relative positions every ASPECTS diagram shows.
    func testRegionArrangement() throws {
        let b = try built()
        func centroid(_ name: String, _ side: Hemisphere) -> SIMD3<Double> {
            let v = voxels(b, region(name, side))
            return v.map { b.world[$0] }.reduce(.zero, +) / Double(v.count)
        }
        for side in Hemisphere.allCases {
            let lateral = { (p: SIMD3<Double>) in abs(p.x - b.result.midlineX) }
            // anterior (LPS y negative) to posterior at both levels
            XCTAssertLessThan(centroid("M1", side).y, centroid("M2", side).y)
            XCTAssertLessThan(centroid("M2", side).y, centroid("M3", side).y)
            XCTAssertLessThan(centroid("M4", side).y, centroid("M5", side).y)
            XCTAssertLessThan(centroid("M5", side).y, centroid("M6", side).y)
            // medial to lateral: caudate, internal capsule, lentiform nucleus, insula, M2
            let order = ["C", "IC", "L", "I", "M2"].map { lateral(centroid($0, side)) }
            XCTAssertEqual(order, order.sorted(), "\(side): \(order)")
            // the caudate head lies in front of the lentiform nucleus' centre
            XCTAssertLessThan(centroid("C", side).y, centroid("L", side).y)
            // M4-M6 stand above M1-M3 region by region
            for (lo, hi) in [("M1", "M4"), ("M2", "M5"), ("M3", "M6")] {
                XCTAssertEqual(centroid(lo, side).y, centroid(hi, side).y, accuracy: 20, "\(lo)/\(hi) \(side)")
            }
        }
        // the two sides are mirror images within anatomical asymmetry
        for name in ASPECTSRegion.names {
            let r = Double(voxels(b, region(name, .right)).count), l = Double(voxels(b, region(name, .left)).count)
            XCTAssertLessThan(max(r, l) / min(r, l), 1.3, name)
        }
    }

    func testWrittenAtlasOpensAndDescribesItself() throws {
        let b = try built()
        let out = FileManager.default.temporaryDirectory.appendingPathComponent("atlas-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: out) }
        try AtlasWriter(generator: "test").write(b.result, anatomy: b.anatomy, to: out)
        let names = try FileManager.default.contentsOfDirectory(atPath: out.path).sorted()
        XCTAssertEqual(names, ["labels.json", "labels.nii.gz", "levels.png", "montage.png", "template.nii.gz", "template_with_skull.nii.gz"])
        XCTAssertFalse(try FileManager.default.contentsOfDirectory(atPath: out.deletingLastPathComponent().path)
            .contains { $0.hasPrefix(".\(out.lastPathComponent).tmp") }, "no temporary folder left")
        let atlas = try Atlas(directory: out)
        XCTAssertEqual(atlas.labels, b.result.labels)
        XCTAssertEqual(atlas.template.data, b.anatomy.template.data)
        XCTAssertNotNil(atlas.templateWithSkullURL)
        let json = try XCTUnwrap(try JSONSerialization.jsonObject(with: XCTUnwrap(atlas.sidecarData)) as? [String: Any])
        XCTAssertTrue((json["licence"] as? String)?.contains("CC BY-NC-SA 4.0") == true)
        XCTAssertTrue((json["citation"] as? String)?.contains("Muschelli") == true)
        XCTAssertNotNil((json["rules"] as? [String: String])?["IC"])
        let inputs = try XCTUnwrap((json["provenance"] as? [String: Any])?["inputs"] as? [[String: Any]])
        XCTAssertTrue(inputs.contains { $0["file"] as? String == "structures_2mm.nii.gz" && ($0["sha256"] as? String)?.count == 64 })
        for png in ["montage.png", "levels.png"] {
            let image = try PNGDecoder.decode(Data(contentsOf: out.appendingPathComponent(png)))
            XCTAssertGreaterThan(image.width, 400, png)
            XCTAssertGreaterThan(image.height, 200, png)
        }
    }
}
