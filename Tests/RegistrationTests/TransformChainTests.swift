import ImageCore
import Registration
import XCTest

/// Chain order and resampling conventions.
final class TransformChainTests: XCTestCase {
    let (image, labels) = Phantom.make(size: 32, spacing: 3)

    /// [field, affine]: a point goes through the field first, then the affine.
    func testPointsGoThroughComponentsInListedOrder() {
        let g = image.geometry
        let shift = SIMD3<Double>(3, 0, 0)
        var world = Volume<Float>(geometry: g, components: 3)
        for q in 0..<g.voxelCount { world.data[q] = Float(shift.x) }
        let field = try! DisplacementField(worldVolume: world)
        let c = g.worldLPS(SIMD3(repeating: 15.5))
        let scale = AffineTransform3D(linear: [2, 0, 0, 0, 2, 0, 0, 0, 2], translation: .zero, center: c)
        let a = { (x: SIMD3<Double>) in c + 2 * (x - c) }
        let p = g.worldLPS(SIMD3(12, 13, 14))   // both p and a(p) lie inside the field's grid
        XCTAssertLessThan(simd_distance(TransformChain([.field(field), .affine(scale)]).map(p), a(p + shift)), 1e-5)
        XCTAssertLessThan(simd_distance(TransformChain([.affine(scale), .field(field)]).map(p), a(p) + shift), 1e-5)
        // outside the field's grid (beyond half a voxel) the displacement is zero, as in ITK
        let far = g.worldLPS(SIMD3(-5, 10, 10))
        XCTAssertLessThan(simd_distance(TransformChain([.field(field)]).map(far), far), 1e-9)
    }

    /// A constant field resamples exactly like the equivalent affine translation; a whole-voxel shift is
    /// an exact copy of shifted voxels.
    func testConstantFieldEqualsTranslation() throws {
        let g = image.geometry
        var world = Volume<Float>(geometry: g, components: 3)
        for q in 0..<g.voxelCount { world.data[q] = 6; world.data[g.voxelCount + q] = -3 }   // 2 and -1 voxels
        let field = try DisplacementField(worldVolume: world)
        let viaField = try TransformChain([.field(field)]).resample(image, onto: g, interpolation: .linear)
        let t = AffineTransform3D(linear: [1, 0, 0, 0, 1, 0, 0, 0, 1], translation: SIMD3(6, -3, 0), center: .zero)
        let viaAffine = try TransformChain([.affine(t)]).resample(image, onto: g, interpolation: .linear)
        for k in 0..<32 { for j in 1..<32 { for i in 0..<30 {
            XCTAssertEqual(viaField[i, j, k], image[i + 2, j - 1, k], accuracy: 1e-5)
            XCTAssertEqual(viaAffine[i, j, k], image[i + 2, j - 1, k], accuracy: 1e-5)
        } } }
    }

    func testLabelInterpolationNeverInventsLabels() throws {
        let c = image.geometry.worldLPS(SIMD3(repeating: 15.5))
        let t = AffineTransform3D.rigid(angles: SIMD3(0.2, -0.1, 0.15), translation: SIMD3(1.3, -0.7, 2.2), center: c)
        let out = try TransformChain([.affine(t)]).resample(labels, onto: image.geometry, interpolation: .label)
        let allowed = Set(labels.data)
        XCTAssertTrue(out.data.allSatisfy { allowed.contains($0) })
        XCTAssertGreaterThan(Set(out.data).count, 5)
    }
}

private func simd_distance(_ a: SIMD3<Double>, _ b: SIMD3<Double>) -> Double { ((a - b) * (a - b)).sum().squareRoot() }
