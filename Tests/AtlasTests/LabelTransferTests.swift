import ASPECTS
import Atlas
import DICOM
import Foundation
import ImageCore
import Registration
import XCTest

/// Label transfer end to end on synthetic patients: the atlas template with skull, warped by a known
/// random affine and smooth deformation, with noise, written as a DICOM series with an outline overlay
/// and read back; the transferred labels are compared with the known truth.
final class LabelTransferTests: XCTestCase {
    func testSyntheticPatientFromDICOMGetsItsLabelsBack() throws {
        let atlas = try LabelTransferFixture.requireAtlas()
        guard let head = try atlas.templateWithSkull() else { throw XCTSkip("the atlas has no template with skull") }
        var p = SyntheticPatient.Parameters()
        p.seed = 7
        let patient = try SyntheticPatient.generate(templateWithSkull: head, labels: atlas.labels, parameters: p)

        // Through the project's DICOM writer and reader.
        let dir = LabelTransferFixture.tempDirectory("dicom")
        defer { try? FileManager.default.removeItem(at: dir) }
        _ = try CTSeriesSynthesizer.write(patient.ct, overlay: patient.overlay, to: dir)
        let index = try DICOMIndex.build(dir)
        let studies = SeriesGrouping.group(index.images)
        XCTAssertEqual(studies.count, 1)
        let parts = try VolumeAssembler.assemble(studies[0].series[0])
        XCTAssertEqual(parts.count, 1)
        let ct = parts[0].data.asFloat
        let overlay = try XCTUnwrap(parts[0].overlay, "the outline overlay did not survive the DICOM round trip")
        // The reader may store slices in another order; the truth follows the grid it returns.
        let truth = try patient.labels.resampled(to: ct.geometry, interpolation: .nearest)
        XCTAssertEqual(overlay.nonzeroCount, patient.overlay.nonzeroCount)

        let result = try LabelTransfer(parameters: .init(preset: .default)).run(scan: ct, atlas: atlas, overlay: overlay, name: "synthetic")
        let imageOnly = try XCTUnwrap(result.imageOnlyLabels)
        let diceImage = LabelTransferFixture.dice(imageOnly, truth)
        let diceFinal = LabelTransferFixture.dice(result.labels, truth)
        let meanImage = LabelTransferFixture.meanDice(imageOnly, truth)
        let meanFinal = LabelTransferFixture.meanDice(result.labels, truth)
        let refinement = try XCTUnwrap(result.report.refinement)
        print(String(format: "label transfer (default preset, 2 mm): mean Dice image registration only %.4f, with overlay refinement %.4f (%@); %.1f s",
                     meanImage, meanFinal, refinement.reason, result.report.timing.totalSeconds))
        print("  image only: " + LabelTransferFixture.describe(diceImage))
        print("  refined:    " + LabelTransferFixture.describe(diceFinal))
        XCTAssertGreaterThan(meanImage, 0.85)
        XCTAssertGreaterThan(meanFinal, 0.85)
        XCTAssertGreaterThanOrEqual(meanFinal, meanImage - 1e-3, "the overlay refinement made the labels worse")
        // Labels only inside the brain; every region found.
        XCTAssertEqual(zip(result.labels.data, result.brainMask.data).filter { $0.0 != 0 && $0.1 == 0 }.count, 0)
        XCTAssertTrue(result.report.missingRegions.isEmpty, "\(result.report.missingRegions)")
        XCTAssertGreaterThan(result.report.similarity.final, result.report.similarity.identity)
    }

    /// The generator's truth is what it says: each native label is the atlas label at the truth map's
    /// image of the voxel (checked away from borders, where label voting may pick a neighbour), and
    /// every overlay point is an in-plane outline voxel of the true labels.
    func testSyntheticPatientTruthIsConsistent() throws {
        let atlas = try LabelTransferFixture.requireAtlas()
        guard let head = try atlas.templateWithSkull() else { throw XCTSkip("the atlas has no template with skull") }
        var p = SyntheticPatient.Parameters()
        p.seed = 3
        p.spacing = SIMD3(3, 3, 3)
        let patient = try SyntheticPatient.generate(templateWithSkull: head, labels: atlas.labels, parameters: p)
        let g = patient.ct.geometry
        let toAtlas = atlas.labels.geometry.inverseAffineLPS
        var checked = 0, wrong = 0
        let s = g.size
        for k in 0..<s.z { for j in 0..<s.y { for i in 0..<s.x {
            let y = patient.nativeToAtlas.map(g.worldLPS(SIMD3(Double(i), Double(j), Double(k))))
            let x = toAtlas.apply(y)
            let c = SIMD3<Int>(Int(x.x.rounded()), Int(x.y.rounded()), Int(x.z.rounded()))
            guard c.min() >= 1, c.x < atlas.labels.size.x - 1, c.y < atlas.labels.size.y - 1, c.z < atlas.labels.size.z - 1 else { continue }
            // interior of a label: all 27 neighbours agree
            let l = atlas.labels[c.x, c.y, c.z]
            var uniform = true
            for dz in -1...1 { for dy in -1...1 { for dx in -1...1 where atlas.labels[c.x + dx, c.y + dy, c.z + dz] != l { uniform = false } } }
            guard uniform else { continue }
            checked += 1
            if patient.labels[i, j, k] != l { wrong += 1 }
        } } }
        XCTAssertGreaterThan(checked, 1000)
        XCTAssertEqual(wrong, 0)
        let outline = LabelBoundaries.mask(patient.labels, inPlaneOf: 2)
        XCTAssertGreaterThan(patient.overlay.nonzeroCount, 100)
        XCTAssertEqual(zip(patient.overlay.data, outline.data).filter { $0.0 != 0 && $0.1 == 0 }.count, 0)
        // The air around the head is air, not the template's 0.
        XCTAssertEqual(Double(patient.ct[0, 0, 0]), -1000, accuracy: 6 * 6)
        // Same seed, same patient.
        let again = try SyntheticPatient.generate(templateWithSkull: head, labels: atlas.labels, parameters: p)
        XCTAssertEqual(again.ct, patient.ct)
        XCTAssertEqual(again.overlay, patient.overlay)
    }
}
