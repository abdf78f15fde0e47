import XCTest
import ImageCore
import Morphology

/// Skull stripping on generated heads with a known brain; the CT template pair is tested in
/// `TemplateSkullStripTests` (it needs the data folder).
final class SkullStripperTests: XCTestCase {
    private func strippedDice(_ head: SyntheticHead, file: StaticString = #filePath, line: UInt = #line) throws -> Double {
        let (ct, truth, _) = head.render()
        let result = try SkullStripper().strip(ct)
        let d = try result.mask.dice(truth)
        // the brain image is the CT inside the mask and 0 outside
        for n in stride(from: 0, to: ct.voxelCount, by: 97) where result.mask.data[n] == 0 {
            XCTAssertEqual(result.brain.data[n], 0, file: file, line: line)
        }
        print("skull strip Dice \(String(format: "%.4f", d)) for \(head.size) voxels of \(head.spacing) mm, rotation \(head.rotationDegrees), tilt \(head.tiltDegrees)")
        return d
    }

    func testUprightHead() throws {
        let d = try strippedDice(SyntheticHead(size: SIMD3(96, 116, 92), spacing: SIMD3(2, 2, 2)))
        XCTAssertGreaterThan(d, 0.95)
    }

    func testRotatedHeadOnTable() throws {
        var h = SyntheticHead(size: SIMD3(100, 120, 96), spacing: SIMD3(2, 2, 2))
        h.rotationDegrees = SIMD3(15, -10, 20)
        XCTAssertGreaterThan(try strippedDice(h), 0.9)
    }

    func testThickSlices() throws {
        var h = SyntheticHead(size: SIMD3(120, 140, 38), spacing: SIMD3(1.5, 1.5, 5))
        h.rotationDegrees = SIMD3(8, 0, 5)
        h.subsamples = SIMD3(1, 1, 5)
        XCTAssertGreaterThan(try strippedDice(h), 0.9)
    }

    func testGantryTilt() throws {
        var h = SyntheticHead(size: SIMD3(96, 116, 96), spacing: SIMD3(2, 2, 2))
        h.tiltDegrees = 20
        XCTAssertGreaterThan(try strippedDice(h), 0.9)
    }

    /// A right fronto-parietal craniectomy on a rotated head: brain fills the defect and the scalp
    /// lies on it directly; the mask must not spread into the scalp.
    func testMissingBoneFlap() throws {
        var h = SyntheticHead(size: SIMD3(100, 120, 96), spacing: SIMD3(2, 2, 2))
        h.flapDirection = SIMD3(-1, -0.3, 0.6)
        h.rotationDegrees = SIMD3(-10, 5, 15)
        let (ct, truth, scalp) = h.render()
        let mask = try SkullStripper().mask(of: ct)
        let d = try mask.dice(truth)
        print("skull strip Dice with missing bone flap \(String(format: "%.4f", d)); scalp voxels in the mask \(try mask.intersection(scalp).nonzeroCount)")
        XCTAssertGreaterThan(d, 0.9)
        XCTAssertLessThan(Double(try mask.intersection(scalp).nonzeroCount), 0.005 * Double(truth.nonzeroCount))
    }

    /// Without the bone hull the same defect lets the mask run into the scalp: the safeguard is
    /// what the previous test measures, not an accident of the phantom.
    func testBoneHullIsWhatStopsTheLeak() throws {
        var h = SyntheticHead(size: SIMD3(100, 120, 96), spacing: SIMD3(2, 2, 2))
        h.flapDirection = SIMD3(-1, -0.3, 0.6)
        let (ct, _, scalp) = h.render()
        var p = SkullStripper.Parameters()
        p.useBoneHull = false
        let withHull = try SkullStripper().mask(of: ct).intersection(scalp).nonzeroCount
        let without = try SkullStripper(parameters: p).mask(of: ct).intersection(scalp).nonzeroCount
        print("scalp voxels in the mask over a craniectomy: \(withHull) with the bone hull, \(without) without")
        XCTAssertLessThan(withHull * 5, without)
    }

    func testRejectsVolumeWithoutSkull() {
        let g = Geometry(size: SIMD3(40, 40, 40), spacing: SIMD3(2, 2, 2))
        let brainOnly = Volume<Float>(geometry: g, repeating: 30)
        XCTAssertThrowsError(try SkullStripper().mask(of: brainOnly)) { e in
            guard case MorphologyError.unusableInput = e else { return XCTFail("\(e)") }
        }
    }

    func testRejectsNonFiniteValues() {
        var h = SyntheticHead(size: SIMD3(48, 58, 46), spacing: SIMD3(4, 4, 4))
        h.noiseHU = 0
        var ct = h.render().ct
        ct[3, 3, 3] = .nan
        XCTAssertThrowsError(try SkullStripper().mask(of: ct, name: "x.nii.gz")) { e in
            XCTAssertTrue("\(e)".contains("x.nii.gz"))
        }
    }

    func testHeadFootAxisFollowsDirections() {
        let g = Geometry(size: SIMD3(4, 4, 4), direction: [SIMD3(1, 0, 0), SIMD3(0, 0, 1), SIMD3(0, -1, 0)]) // coronal stack
        XCTAssertEqual(SkullStripper.headFootAxis(g), 1)
        XCTAssertEqual(SkullStripper.headFootAxis(Geometry(size: SIMD3(4, 4, 4))), 2)
    }
}
