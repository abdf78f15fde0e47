import DICOM
import Foundation
import ImageCore
import Pipeline
import XCTest

/// `DICOMConverter` (DICOM series to NIfTI plus sidecar): one volume over a variably spaced series unless
/// the exactly spaced parts are asked for.
final class DICOMConverterTests: XCTestCase {
    func testConverterWritesOneVolumeUnlessExactPartsAreAsked() throws {
        // A fine series with slices removed: spacing 2 mm, then 1 mm once, then 3 mm (two exact parts).
        let g = Geometry(size: SIMD3(16, 14, 30), spacing: SIMD3(0.7, 0.7, 1.0), origin: SIMD3(-14, 12.5, 40))
        var v = Volume<Float>(geometry: g, repeating: -1000)
        for k in 0..<30 { for j in 2..<12 { for i in 2..<14 { v[i, j, k] = Float(30 + (i * 7 + j * 3 + k) % 13) } } }
        let dir = Fixtures.tempDir("convert-in")
        defer { try? FileManager.default.removeItem(at: dir) }
        let written = try CTSeriesSynthesizer.write(v, to: dir)
        let keep: Set = [0, 2, 4, 6, 8, 10, 12, 13, 16, 19, 22, 25, 28]
        for (k, f) in written.files.enumerated() where !keep.contains(k) { try FileManager.default.removeItem(at: f) }

        let index = try DICOMIndex.build(dir)
        let outDir = Fixtures.tempDir("convert-out")
        defer { try? FileManager.default.removeItem(at: outDir) }
        let whole = try DICOMConverter.convert(index, to: outDir.appendingPathComponent("w"))
        XCTAssertEqual(whole.count, 1)
        XCTAssertFalse(whole[0].volume.lastPathComponent.contains("_part"))
        let json = try JSONSerialization.jsonObject(with: Data(contentsOf: whole[0].sidecar)) as? [String: Any]
        XCTAssertNotNil(json?["UniformResampling"])
        let parts = try DICOMConverter.convert(index, to: outDir.appendingPathComponent("p"), options: DICOMConverter.Options(exactParts: true))
        XCTAssertEqual(parts.count, 2)
        XCTAssertTrue(parts.allSatisfy { $0.assembled.resampling == nil })
    }
}
