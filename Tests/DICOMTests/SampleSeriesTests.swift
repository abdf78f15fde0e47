import DICOM
import Foundation
import ImageCore
import XCTest

/// The shared real samples through index, selection and assembly (facts from shared/data/dicom/README.md).
final class SampleSeriesTests: XCTestCase {
    func testPhilipsDICOMDIRSelectsSeries201WithReferenceGeometry() throws {
        let index = try DICOMIndex.build(try SampleData.dicom("ct_philips_head_dicomdir"))
        XCTAssertEqual(index.images.count, 33)
        let choice = SeriesSelector.choose(SeriesGrouping.group(index.images))
        XCTAssertEqual(choice.count, 1)
        let g = choice[0].study.series[try XCTUnwrap(choice[0].selected)]
        XCTAssertEqual(g.seriesNumber, 201)
        let parts = try VolumeAssembler.assemble(g)
        XCTAssertEqual(parts.count, 1)
        guard case .int16(let v) = parts[0].data else { return XCTFail("expected Int16 HU") }
        XCTAssertEqual(v.size, SIMD3(512, 512, 28))
        XCTAssertEqual(v.data.min(), -1024)
        XCTAssertEqual(v.data.max(), 782)
        // dcm2niix sform (RAS): [-0.4512 0 0 115.5] [0 0.4512 0 -228.6988] [0 0 5 696.21]
        let a = v.geometry.affineRAS
        XCTAssertEqual(a[0, 0], -0.451171875, accuracy: 1e-6)
        XCTAssertEqual(a[1, 1], 0.451171875, accuracy: 1e-6)
        XCTAssertEqual(a[2, 2], 5, accuracy: 1e-6)
        XCTAssertEqual(a[0, 3], 115.5, accuracy: 1e-3)
        XCTAssertEqual(a[1, 3], -228.6988, accuracy: 1e-3)
        XCTAssertEqual(a[2, 3], 696.21, accuracy: 1e-3)
        XCTAssertEqual(v.geometry.orientationCode, "LAS")
    }

    func testTiltedVariableSpacingSplitsIntoExactParts() throws {
        let index = try DICOMIndex.build(try SampleData.dicom("ct_ge_tilt_varspacing"))
        let g = SeriesGrouping.group(index.images)[0].series[0]
        let parts = try VolumeAssembler.assemble(g)
        XCTAssertEqual(parts.map { $0.data.geometry.size.z }, [14, 14])
        let first = parts[0].data.geometry, second = parts[1].data.geometry
        // True IPPs (LPS): first [-125, -123.5405, 5.8361], last [-125, -123.5405, 157.7761]; rows flipped.
        let rowsBack = SIMD3<Double>(0, 511, 0)
        let p0 = first.worldLPS(rowsBack), pN = second.worldLPS(rowsBack + SIMD3(0, 0, 13))
        XCTAssertEqual(p0.x, -125, accuracy: 1e-3); XCTAssertEqual(p0.y, -123.5405, accuracy: 1e-3); XCTAssertEqual(p0.z, 5.8361, accuracy: 1e-3)
        XCTAssertEqual(pN.x, -125, accuracy: 1e-3); XCTAssertEqual(pN.y, -123.5405, accuracy: 1e-3); XCTAssertEqual(pN.z, 157.7761, accuracy: 1e-3)
        XCTAssertEqual(first.spacing.z, 4.22, accuracy: 1e-3)    // IPP step, not the 4.002 mm along the normal
        XCTAssertEqual(second.spacing.z, 7.38, accuracy: 1e-3)
        XCTAssertFalse(first.isOrthogonal)
        XCTAssertNotNil(parts[0].tiltHandling)
    }

    func testSiemensOverlayPlane() throws {
        let index = try DICOMIndex.build(try SampleData.dicom("overlay/MR-SIEMENS-DICOM-WithOverlays.dcm"))
        let parts = try VolumeAssembler.assemble(SeriesGrouping.group(index.images)[0].series[0])
        let m = try XCTUnwrap(parts[0].overlay)
        XCTAssertEqual(m.data.reduce(0) { $0 + Int($1) }, 323)
        XCTAssertEqual(parts[0].overlaySlices, 1)
        // Rows 136-422 and columns 46-434 in DICOM order; j is rows reversed.
        var rows = Set<Int>(), cols = Set<Int>()
        for j in 0..<484 { for i in 0..<484 where m[i, j, 0] != 0 { rows.insert(483 - j); cols.insert(i) } }
        XCTAssertEqual(rows.min(), 136); XCTAssertEqual(rows.max(), 422)
        XCTAssertEqual(cols.min(), 46); XCTAssertEqual(cols.max(), 434)
    }
}
