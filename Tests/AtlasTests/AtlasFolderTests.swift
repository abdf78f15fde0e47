import XCTest
import ASPECTS
import Atlas
import Foundation
import ImageCore
import NIfTI

/// Opening atlas folders made by hand: what `Atlas` accepts and what it refuses.
final class AtlasFolderTests: XCTestCase {
    private var dir: URL!

    override func setUpWithError() throws {
        dir = FileManager.default.temporaryDirectory.appendingPathComponent("atlas-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
    }

    override func tearDownWithError() throws { try? FileManager.default.removeItem(at: dir) }

    private let grid = Geometry(size: SIMD3(12, 10, 8), spacing: SIMD3(2, 2, 2), origin: SIMD3(-11, -9, -7))

    private func writeMinimalAtlas(labelValues: (Int) -> Double = { Double($0 % 21) }, labelGrid: Geometry? = nil) throws {
        let template = Volume<Float>(geometry: grid, repeating: 30)
        try NIfTIFile.write(template, to: dir.appendingPathComponent("template.nii.gz"))
        let g = labelGrid ?? grid
        let labels = try Volume<Int16>(geometry: g, data: (0..<g.voxelCount).map { Int16(labelValues($0)) })
        try NIfTIFile.write(labels, to: dir.appendingPathComponent("labels.nii"))
    }

    func testHandMadeAtlasWithoutSidecarOpens() throws {
        try writeMinimalAtlas()
        let a = try Atlas(directory: dir)
        XCTAssertNil(a.sidecarData)
        XCTAssertNil(a.templateWithSkullURL)
        XCTAssertEqual(a.labels.geometry, a.template.geometry)
        for n in 0..<grid.voxelCount { XCTAssertEqual(Int(a.labels.data[n]), n % 21) }
        XCTAssertTrue(a.missingRegions.isEmpty)
        let voxelML = 8.0 / 1000
        let perLabel = Double((0..<grid.voxelCount).filter { $0 % 21 == 5 }.count)
        XCTAssertEqual(a.regionVolumesML[5]!, perLabel * voxelML, accuracy: 1e-9)
    }

    func testLabelsOutsideTheConventionAreRefused() throws {
        try writeMinimalAtlas(labelValues: { $0 == 17 ? 35 : 0 })
        XCTAssertThrowsError(try Atlas(directory: dir)) { e in XCTAssertTrue("\(e)".contains("35"), "\(e)") }
    }

    func testLabelsOnAnotherGridAreRefused() throws {
        var other = grid
        other.spacing = SIMD3(1, 1, 1)
        try writeMinimalAtlas(labelGrid: other)
        XCTAssertThrowsError(try Atlas(directory: dir)) { e in XCTAssertTrue("\(e)".contains("grid"), "\(e)") }
    }

    func testMissingLabelsAreRefused() throws {
        try NIfTIFile.write(Volume<Float>(geometry: grid, repeating: 30), to: dir.appendingPathComponent("template.nii.gz"))
        XCTAssertThrowsError(try Atlas(directory: dir)) { e in XCTAssertTrue("\(e)".contains("labels.nii.gz"), "\(e)") }
        XCTAssertThrowsError(try Atlas(directory: dir.appendingPathComponent("nope")))
    }

    func testSidecarOfAnotherConventionIsRefused() throws {
        try writeMinimalAtlas()
        try Data(#"{"convention": "something else"}"#.utf8).write(to: dir.appendingPathComponent("labels.json"))
        XCTAssertThrowsError(try Atlas(directory: dir))
        try LabelSidecar.write(for: dir.appendingPathComponent("labels.nii"))
        XCTAssertNotNil(try Atlas(directory: dir).sidecarData)
    }
}
