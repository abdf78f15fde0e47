import ASPECTS
import Atlas
import Foundation
import ImageCore
import Pipeline
import XCTest

/// Each gate on labels made to fail it, and the same labels passing when nothing is wrong.
final class QualityGatesTests: XCTestCase {
    /// The phantom's true labels and their own volumes as the expected ones: every gate passes.
    func phantom() -> (labels: Volume<UInt8>, expected: [Double]) {
        let p = SyntheticBrainPhantom.generate(seed: 21, lesionCodes: [], depth: 0, options: Fixtures.phantomOptions)
        let s = p.labels.geometry.spacing
        let c = ASPECTSLabelMap.counts(p.labels)
        return (p.labels, (0...20).map { Double(c[$0]) * s.x * s.y * s.z / 1000 })
    }

    /// A metal ball (3,071 HU, the scanner's ceiling) of radius `radiusMM` at `centre` (voxel indices).
    static func withMetal(_ ct: Volume<Float>, at centre: SIMD3<Double>, radiusMM: Double) -> Volume<Float> {
        var v = ct
        let s = v.geometry.spacing
        for k in 0..<v.size.z { for j in 0..<v.size.y { for i in 0..<v.size.x {
            let d = (SIMD3(Double(i), Double(j), Double(k)) - centre) * s
            if (d * d).sum() <= radiusMM * radiusMM { v[i, j, k] = 3071 }
        } } }
        return v
    }

    /// A clip inside the brain refuses the scan; the same metal just outside the head (an earring) does not,
    /// and neither does the scan without it.
    func testIntracranialMetalRefusesTheScan() {
        let p = SyntheticBrainPhantom.generate(seed: 21, lesionCodes: [], depth: 0, options: Fixtures.phantomOptions)
        let gates = QualityGates()
        func metalFindings(_ v: Volume<Float>) -> [GateFinding] { gates.image(v, acquiredSpacingMM: nil).findings.filter { $0.gate == "metal" } }
        XCTAssertEqual(metalFindings(p.ct), [])
        let inside = metalFindings(Self.withMetal(p.ct, at: SIMD3(30, 48, 14), radiusMM: 5))
        XCTAssertEqual(inside.count, 1)
        XCTAssertEqual(inside.first?.severity, .refuse)
        // Outside the skull: in the air at a corner of the field of view, beside the elliptic head.
        let corner = SIMD3<Double>(3, 3, 14)
        XCTAssertLessThan(p.ct[3, 3, 14], -500, "the corner must be air")
        let outside = Self.withMetal(p.ct, at: corner, radiusMM: 5)
        XCTAssertGreaterThan(outside.data.filter { $0 >= 3000 }.count, 2)
        XCTAssertEqual(metalFindings(outside), [])
    }

    func testGoodLabelsPass() {
        let (labels, expected) = phantom()
        XCTAssertEqual(QualityGates().labels(labels, expectedML: expected, qa: nil), [])
    }

    func testRegionMissingOrShrunkIsRefusedByName() {
        var (labels, expected) = phantom()
        for q in labels.data.indices where labels.data[q] == 1 { labels.data[q] = 0 }   // right C gone
        let f = QualityGates().labels(labels, expectedML: expected, qa: nil)
        let volume = f.first { $0.gate == "region_volume" }
        XCTAssertEqual(volume?.regions, [1])
        XCTAssertTrue(volume?.message.contains("R C 0.0 mL") ?? false, "\(f)")
        XCTAssertEqual(f.first { $0.gate == "left_right_volume" }?.regions, [1, 11])
        expected[2] *= 4   // right L four times smaller than expected
        XCTAssertTrue(QualityGates().labels(labels, expectedML: expected, qa: nil).contains { $0.gate == "region_volume" && $0.regions.contains(2) })
    }

    /// A region lying on the last slice of the scan (the field of view stops inside it) is not assessable.
    func testRegionCutByTheFieldOfView() throws {
        let (labels, expected) = phantom()
        let s = labels.size
        // Keep only the slices up to the middle of right M5 (code 9).
        var top = 0
        for k in 0..<s.z where labels.data[(k * s.y * s.x)..<((k + 1) * s.y * s.x)].contains(9) { top = k }
        var bottom = s.z
        for k in stride(from: s.z - 1, through: 0, by: -1) where labels.data[(k * s.y * s.x)..<((k + 1) * s.y * s.x)].contains(9) { bottom = k }
        let cut = try labels.cropped(to: IndexBox(lower: .zero, upper: SIMD3(s.x - 1, s.y - 1, (top + bottom) / 2)))
        let f = QualityGates().labels(cut, expectedML: nil, qa: nil)
        let coverage = try XCTUnwrap(f.first { $0.gate == "coverage" }, "\(f)")
        XCTAssertTrue(coverage.regions.contains(9) && coverage.regions.contains(19), "\(coverage)")
        XCTAssertFalse(coverage.regions.contains(1), "\(coverage)")
    }

    /// The registration's own figures: the field-of-view fractions it measured, and an affine that
    /// stretched the atlas along one axis only.
    func testRegistrationFiguresRefuse() {
        let (labels, expected) = phantom()
        var qa = LabelingQA(method: "test", brainVolumeML: 1400, regionVolumesML: [:], missingRegions: [], seconds: 0)
        qa.fieldOfViewFractions = Dictionary(uniqueKeysWithValues: (1...20).map { (String($0), $0 == 8 ? 0.5 : 1.0) })
        qa.affineScales = [1.0, 1.02, 1.0]
        var f = QualityGates().labels(labels, expectedML: expected, qa: qa)
        XCTAssertEqual(f.map(\.gate), ["coverage"])
        XCTAssertEqual(f[0].regions, [8])
        XCTAssertTrue(f[0].message.contains("R M4 50 %"), f[0].message)
        qa.fieldOfViewFractions = nil
        qa.affineScales = [1.05, 1.0, 1.23]   // 23 % taller, 5 % wider: the neck or scalp was fitted
        f = QualityGates().labels(labels, expectedML: expected, qa: qa)
        XCTAssertEqual(f.map(\.gate), ["affine"])
        XCTAssertEqual(f[0].severity, .refuse)
        XCTAssertTrue(f[0].regions.isEmpty)
    }

    func testAgreementWarnsOnDisagreeingRegions() {
        let (a, _) = phantom()
        var b = a
        for q in b.data.indices where b.data[q] == 4 { b.data[q] = 0 }   // the second method misses right I
        let r = QualityGates().agreement(a, b)
        XCTAssertEqual(r.dice[4], 0)
        XCTAssertEqual(r.dice[1], 1)
        XCTAssertEqual(r.findings.map(\.severity), [.warning])
        XCTAssertEqual(r.findings.first?.regions, [4])
    }

    /// A hemisphere with one refused region has no score; the other keeps its own.
    func testRefusedRegionLeavesItsHemisphereWithoutScore() throws {
        let p = SyntheticBrainPhantom.generate(seed: 22, lesionCodes: [14], depth: 8, options: Fixtures.phantomOptions)
        var result = try ASPECTSScorer(computeDescriptors: false).score(ct: p.ct, labels: p.labels)
        XCTAssertEqual(result.status, .scored)
        result.assessment = Assessment(findings: [GateFinding(gate: "coverage", severity: .refuse, message: "cut", regions: [3])])
        XCTAssertNil(result.score(.right))
        XCTAssertEqual(result.score(.left), 9)
        XCTAssertEqual(result.status, .partial)
        XCTAssertNil(result.score)
        XCTAssertEqual(result.notAssessableReasons(3), ["cut"])
    }

    /// The typical volumes the U-Net path is gated with are the default atlas's, so they cannot drift
    /// from the atlas builder's rules.
    func testExpectedVolumesAreTheDefaultAtlasVolumes() throws {
        guard let dir = DataPaths(environment: ProcessInfo.processInfo.environment).templateDirectory else { throw XCTSkip("missing data: no CT template in the data folder (ct_template)") }
        let anatomy = try TemplateAnatomy(directory: dir)
        let out = Fixtures.tempDir("expected-atlas")
        defer { try? FileManager.default.removeItem(at: out) }
        try AtlasWriter(generator: "QualityGatesTests").write(try AtlasBuilder().build(anatomy), anatomy: anatomy, to: out)
        let atlas = try Atlas(directory: out)
        let s = atlas.template.geometry.spacing
        let voxel = s.x * s.y * s.z / 1000
        XCTAssertEqual(Double(atlas.template.data.filter { $0 != 0 }.count) * voxel, ExpectedRegionVolumes.templateBrainML, accuracy: 0.01)
        let counts = ASPECTSLabelMap.counts(atlas.labels)
        for code in 1...20 {
            XCTAssertEqual(Double(counts[code]) * voxel, ExpectedRegionVolumes.regionML[code], accuracy: 0.01, "region \(code)")
        }
    }
}
