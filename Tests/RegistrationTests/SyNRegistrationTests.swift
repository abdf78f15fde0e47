import ImageCore
import Registration
import XCTest

/// Recovery of a known smooth deformation (plus an affine) on the synthetic phantom.
final class SyNRegistrationTests: XCTestCase {
    /// Deforms the phantom with a known field and affine, registers the phantom (fixed) to it (moving), and
    /// maps the phantom's labels onto the moving grid through the inverse chain, as the atlas path does.
    func testKnownDeformationIsRecovered() throws {
        let (fixed, labels) = Phantom.make(size: 64, spacing: 2)
        let g = fixed.geometry
        let centre = g.worldLPS(SIMD3(repeating: 31.5))
        let truthAffine = AffineTransform3D(linear: [1.04, 0.03, 0, -0.02, 0.97, 0.02, 0.01, 0, 1.02],
                                            translation: SIMD3(3, -2, 2), center: centre)
        let truthField = Phantom.smoothField(on: g, amplitude: 3.5, wavelength: 60)
        // moving(z) = fixed(A(z + d(z))): the chain [field, affine] pulls the fixed image onto the moving grid
        let truth = try TransformChain([.field(truthField), .affine(truthAffine)])
        let moving = try truth.resample(fixed, onto: g, interpolation: .linear)
        let movingLabels = try truth.resample(labels, onto: g, interpolation: .label)

        var messages: [String] = []
        let result = try ImageRegistration(preset: .default, progress: { messages.append($0) }).register(fixed: fixed, moving: moving)
        let mapped = try result.inverse.resample(labels, onto: g, interpolation: .label)
        let affineOnly = try TransformChain([.affine(result.affine.inverse!)]).resample(labels, onto: g, interpolation: .label)
        let ids: [Float] = [1, 2, 3, 4, 5, 6, 7, 8]
        let dice = Phantom.dice(mapped, movingLabels, labels: ids).mean
        let diceAffine = Phantom.dice(affineOnly, movingLabels, labels: ids).mean
        let q = result.report.quality
        print(String(format: "phantom: Dice affine %.3f, SyN %.3f; NCC %.4f -> %.4f; ICE mean %.4f max %.4f mm; Jacobian min %.3f",
                     diceAffine, dice, q.nccAffine, q.nccFinal, q.inverseConsistency!.meanMM, q.inverseConsistency!.maxMM,
                     q.jacobian!.minimum))
        print(QualityMeasures.summary(result.report))
        XCTAssertGreaterThan(dice, diceAffine + 0.05, "SyN must clearly beat affine-only")
        XCTAssertGreaterThan(dice, 0.85)
        XCTAssertGreaterThan(q.nccFinal, q.nccAffine)
        XCTAssertEqual(q.jacobian!.nonPositiveVoxels, 0, "no folding in the phantom")
        XCTAssertLessThan(q.inverseConsistency!.meanMM, 0.1 * 2, "mean inverse consistency well below a voxel (2 mm)")
        XCTAssertLessThan(q.inverseConsistency!.maxMM, 1.0)
        XCTAssertTrue(messages.contains { $0.contains("SyN level") }, "progress lines are emitted")
    }
}
