import ASPECTS
@testable import Atlas
import Foundation
import ImageCore
import XCTest

/// Training-data variety: each change does what it says, measured on the image, and the labels stay
/// with the anatomy. Uses the atlas that ships with the project (share/deepstroke/atlas).
final class DomainRandomizationTests: XCTestCase {
    static let atlas: Result<Atlas, Error> = Result {
        let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        return try Atlas(directory: root.appendingPathComponent("share/deepstroke/atlas"))
    }

    /// Quick ranges for tests: coarse grids.
    func coarse() -> DomainRandomization {
        var r = DomainRandomization()
        r.inPlaneSpacingMM = 2...2.5
        r.sliceThicknessMM = 2...5
        return r
    }

    func testNoRandomizationIsExactlyTheSyntheticPatient() throws {
        let atlas = try Self.atlas.get()
        let none = DomainRandomization.none
        let a = try none.generate(atlas: atlas, seed: 7)
        var p = SyntheticPatient.Parameters()
        p.seed = 7
        p.spacing = SIMD3(repeating: 1.5)
        p.maximumDisplacementMM = 5
        p.maximumRotationDegrees = 10
        p.noiseSD = 0
        p.overlayPointFraction = 0
        let b = try SyntheticPatient.generate(templateWithSkull: try XCTUnwrap(atlas.templateWithSkull()), labels: atlas.labels, parameters: p)
        XCTAssertEqual(a.ct.geometry, b.ct.geometry)
        XCTAssertEqual(a.ct.data, b.ct.data)
        XCTAssertEqual(a.labels.data, b.labels.data)
    }

    func testDrawsAreDeterministicAndVaried() {
        let r = DomainRandomization()
        XCTAssertEqual(r.draw(seed: 11), r.draw(seed: 11))
        let draws = (1...40).map { r.draw(seed: UInt64($0)) }
        XCTAssertEqual(Set(draws.map(\.sliceThicknessMM)).count, 40)
        let lesions = draws.filter { !$0.acuteLesionCodes.isEmpty }
        XCTAssertGreaterThan(lesions.count, 10)
        XCTAssertLessThan(lesions.count, 30)
        for d in lesions {
            // one side only, codes valid
            XCTAssertTrue(d.acuteLesionCodes.allSatisfy { (1...10).contains($0) } || d.acuteLesionCodes.allSatisfy { (11...20).contains($0) }, "\(d.acuteLesionCodes)")
            XCTAssertTrue((3...10).contains(d.acuteLesionDepthHU))
        }
        XCTAssertTrue(draws.contains { $0.cropMM > 0 } && draws.contains { $0.cropMM < 0 })
        XCTAssertTrue(draws.allSatisfy { (0...0.45).contains($0.ventricleExpansion) && (1...5).contains($0.sliceThicknessMM) })
    }

    func testVentricleExpansionEnlargesVentriclesAndLabelsFollow() throws {
        let atlas = try Self.atlas.get()
        let head = SyntheticPatient.withAir(try XCTUnwrap(atlas.templateWithSkull()), airHU: -1000)
        let map = try DomainRandomization.ventricleExpansion(brain: atlas.template, labels: atlas.labels, strength: 0.4)
        let warped = try map.resample(head, onto: head.geometry, interpolation: .linear, outside: -1000)
        let labels = try map.resample(atlas.labels.converted(to: Float.self), onto: head.geometry, interpolation: .label, outside: 0)
            .converted(to: UInt8.self)
        // CSF-density voxels within 50 mm of the brain's centre: the ventricles and the deep sulci.
        let g = atlas.template.geometry
        let brainVoxels = atlas.template.data.indices.filter { atlas.template.data[$0] > 0 }
        let centre = brainVoxels.map { g.worldLPS(Self.ijk($0, g.size)) }.reduce(SIMD3<Double>.zero, +) / Double(brainVoxels.count)
        func ventricles(_ v: Volume<Float>) -> Int {
            v.data.indices.filter { q in
                guard v.data[q] > 0 && v.data[q] < 18 else { return false }
                let d = g.worldLPS(Self.ijk(q, g.size)) - centre
                return (d * d).sum() < 50 * 50
            }.count
        }
        let before = ventricles(head), after = ventricles(warped)
        XCTAssertGreaterThan(Double(after), 1.4 * Double(before), "ventricle-density voxels \(before) -> \(after)")
        // The labels moved with the image: each region's mean density is what it was (within 2 HU).
        for code in [1, 2, 3, 11, 12, 13, 7, 17] {
            func mean(_ v: Volume<Float>, _ l: Volume<UInt8>) -> Double {
                let q = l.data.indices.filter { Int(l.data[$0]) == code }
                return q.map { Double(v.data[$0]) }.reduce(0, +) / Double(max(1, q.count))
            }
            XCTAssertEqual(mean(warped, labels), mean(head, atlas.labels), accuracy: 2, "region \(code)")
        }
        // The cortex stays: the far regions' volumes change by under 10 %.
        let c0 = ASPECTSLabelMap.counts(atlas.labels), c1 = ASPECTSLabelMap.counts(labels)
        for code in [8, 9, 10, 18, 19, 20] { XCTAssertEqual(Double(c1[code]), Double(c0[code]), accuracy: 0.1 * Double(c0[code]), "region \(code)") }
    }

    static func ijk(_ q: Int, _ s: SIMD3<Int>) -> SIMD3<Double> {
        SIMD3(Double(q % s.x), Double((q / s.x) % s.y), Double(q / (s.x * s.y)))
    }

    func testThickSlicesAverageTheirSubslices() throws {
        let g = Geometry(size: SIMD3(2, 1, 6), spacing: SIMD3(1, 1, 1.25), origin: SIMD3(0, 0, 10))
        let v = try Volume<Float>(geometry: g, data: (0..<12).map(Float.init))
        let thick = DomainRandomization.averageSlices(v, group: 3)
        XCTAssertEqual(thick.size, SIMD3(2, 1, 2))
        XCTAssertEqual(thick.geometry.spacing.z, 3.75, accuracy: 1e-12)
        // slice 0 holds k = 0, 1, 2: values (0+2+4)/3 and (1+3+5)/3; centred at k = 1
        XCTAssertEqual(thick.data, [2, 3, 8, 9])
        XCTAssertEqual(thick.geometry.worldLPS(SIMD3(0, 0, 0)).z, 11.25, accuracy: 1e-9)
        XCTAssertEqual(thick.geometry.worldLPS(SIMD3(0, 0, 1)).z, 15, accuracy: 1e-9)
        let labels = try Volume<UInt8>(geometry: g, data: (0..<12).map { UInt8($0) })
        XCTAssertEqual(DomainRandomization.centreSlices(labels, group: 3).data, [2, 3, 8, 9])
    }

    func testBeamHardeningBrightensTissueNearBoneOnly() throws {
        let g = Geometry(size: SIMD3(80, 3, 3), spacing: SIMD3(1, 1, 1), origin: .zero)
        var v = Volume<Float>(geometry: g, repeating: 30)
        for k in 0..<3 { for j in 0..<3 { v[0, j, k] = 1000 } }
        DomainRandomization.addBeamHardening(&v, amountHU: 8)
        XCTAssertEqual(Double(v[1, 1, 1]), 30 + 8 * exp(-1.0 / 8), accuracy: 1e-4)
        XCTAssertEqual(Double(v[9, 1, 1]), 30 + 8 * exp(-9.0 / 8), accuracy: 1e-4)
        XCTAssertLessThan(v[79, 1, 1] - 30, 0.01)
        XCTAssertEqual(v[0, 1, 1], 1000)
    }

    func testContrastScalesTheGreyWhiteDifference() {
        let g = Geometry(size: SIMD3(4, 1, 1), spacing: SIMD3(1, 1, 1), origin: .zero)
        var v = try! Volume<Float>(geometry: g, data: [30, 40, 30, 200])
        let brain = try! Volume<UInt8>(geometry: g, data: [1, 1, 1, 1])
        DomainRandomization.scaleGreyWhiteContrast(&v, brain: brain, factor: 1.5)
        XCTAssertEqual(Double(v[1, 0, 0] - v[0, 0, 0]), 15, accuracy: 1e-4)
        XCTAssertEqual(v[3, 0, 0], 200, "bone is not tissue")
    }

    func testAcuteLesionLowersOnlyTheChosenRegions() throws {
        let atlas = try Self.atlas.get()
        var head = SyntheticPatient.withAir(try XCTUnwrap(atlas.templateWithSkull()), airHU: -1000)
        let original = head
        var rng = SplitMix64(seed: 3)
        try DomainRandomization.addAcuteLesion(&head, labels: atlas.labels, codes: [4, 6], depthHU: 8, coverage: 0.7, rng: &rng)
        func meanDrop(_ code: Int) -> Double {
            let q = atlas.labels.data.indices.filter { Int(atlas.labels.data[$0]) == code && original.data[$0] > 10 && original.data[$0] < 60 }
            return q.map { Double(original.data[$0] - head.data[$0]) }.reduce(0, +) / Double(q.count)
        }
        for code in [4, 6] {
            let d = meanDrop(code)
            XCTAssertGreaterThan(d, 0.6 * 8 * 0.7, "region \(code)")
            XCTAssertLessThan(d, 8 * 0.95, "region \(code)")
        }
        for code in [14, 16, 9, 1] { XCTAssertLessThan(meanDrop(code), 0.3, "region \(code)") }
    }

    func testARandomPatientIsConsistent() throws {
        let atlas = try Self.atlas.get()
        var r = coarse()
        r.cropProbability = 0
        let p = try r.generate(atlas: atlas, seed: 5)
        XCTAssertEqual(p.ct.geometry, p.labels.geometry)
        XCTAssertEqual(p.ct.geometry.spacing.z, p.draw.sliceThicknessMM, accuracy: 1e-9)
        let present = Set(p.labels.data.filter { $0 > 0 })
        XCTAssertEqual(present.count, 20, "every region in a patient without cropping")
        XCTAssertFalse(p.ct.hasNonFinite)
        // Deterministic for its seed.
        let again = try r.generate(atlas: atlas, seed: 5)
        XCTAssertEqual(again.ct.data, p.ct.data)
        XCTAssertEqual(again.draw, p.draw)
    }

    func testCropCutsTheTopOrTheBottom() {
        let top = DomainRandomization.cropBox(SIMD3(10, 10, 30), spacing: SIMD3(1, 1, 2), cropMM: 10)
        XCTAssertEqual(top.lower.z, 0)
        XCTAssertEqual(top.upper.z, 24)
        let bottom = DomainRandomization.cropBox(SIMD3(10, 10, 30), spacing: SIMD3(1, 1, 2), cropMM: -10)
        XCTAssertEqual(bottom.lower.z, 5)
        XCTAssertEqual(bottom.upper.z, 29)
    }
}
