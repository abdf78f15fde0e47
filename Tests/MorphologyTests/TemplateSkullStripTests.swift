import XCTest
import ImageCore
import Morphology
import NIfTI

/// Skull stripping of the public CT template with skull, compared with the brain of the skull-stripped
/// template (its non-zero voxels) and, as a second, independent definition of the brain, with the
/// template's own tissue segmentation (seg_2mm > 0: CSF, grey and white matter).
final class TemplateSkullStripTests: XCTestCase {
    private func templateFile(_ name: String) throws -> URL {
        guard let dir = DataPaths(environment: ProcessInfo.processInfo.environment).templateDirectory else { throw XCTSkip("CT template folder not available (set DEEPSTROKE_DATA)") }
        return dir.appendingPathComponent(name)
    }

    func testTemplateWithSkullStripsToTemplateBrain() throws {
        let withSkull = try NIfTIFile.readVolume(templateFile("template_with_skull_2mm.nii.gz"), as: Float.self)
        let brain = try NIfTIFile.readVolume(templateFile("template_2mm.nii.gz"), as: Float.self)
        let seg = try NIfTIFile.readVolume(templateFile("seg_2mm.nii.gz"), as: Int16.self)
        let truth = brain.map { $0 > 0 ? UInt8(1) : UInt8(0) }
        let tissue = seg.map { $0 > 0 ? UInt8(1) : UInt8(0) }

        let result = try SkullStripper().strip(withSkull, name: "template_with_skull_2mm.nii.gz")
        let dTemplate = try result.mask.dice(truth)
        let dSeg = try result.mask.dice(tissue)
        let dRef = try truth.dice(tissue)
        print(String(format: "template strip: Dice vs template_2mm > 0: %.4f, vs seg_2mm > 0: %.4f (the two references agree at %.4f); %.0f mL vs %.0f mL",
                     dTemplate, dSeg, dRef, result.brainVolumeML, truth.insideVolumeML))
        XCTAssertGreaterThan(dTemplate, 0.95)
        // The tissue segmentation stops a voxel short of the inner table, so it cannot agree with either
        // mask better than they agree with each other; require the same level of agreement.
        XCTAssertGreaterThan(dSeg, dRef - 0.01)
        XCTAssertEqual(result.mask.geometry, withSkull.geometry)
    }
}
