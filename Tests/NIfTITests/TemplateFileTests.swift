import Foundation
import ImageCore
import NIfTI
import XCTest

/// The project's copy of the public CT template reads with the geometry nibabel reports for it
/// (reference-tests/test_nifti.py compares every file against nibabel itself).
final class TemplateFileTests: XCTestCase {
    func testTemplate2mm() throws {
        guard let dir = DataPaths(environment: ProcessInfo.processInfo.environment).dataDirectory?.appendingPathComponent("ct_template"),
              FileManager.default.fileExists(atPath: dir.path) else { throw XCTSkip("no data folder") }
        let img = try NIfTIFile.read(dir.appendingPathComponent("template_2mm.nii.gz"))
        XCTAssertEqual(img.header.dim, [3, 128, 128, 128, 1, 1, 1, 1])
        XCTAssertEqual(img.header.datatype, .float32)
        XCTAssertEqual(img.affineSource, .qform)
        // nibabel: [[-2, 0, 0, 0], [0, 2, 0, 0], [0, 0, 2, 0]].
        XCTAssertEqual(img.affineRAS.maxAbsDifference(Matrix4(rows: [[-2, 0, 0, 0], [0, 2, 0, 0], [0, 0, 2, 0], [0, 0, 0, 1]])), 0)
        XCTAssertEqual(img.geometry.orientationCode, "LAS")
        let seg = try NIfTIFile.readVolume(dir.appendingPathComponent("seg_2mm.nii.gz"), as: UInt8.self)
        XCTAssertEqual(Set(seg.data), [0, 1, 2, 3])
    }
}
