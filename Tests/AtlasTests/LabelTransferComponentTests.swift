import ASPECTS
import Atlas
import Foundation
import ImageCore
import NIfTI
import Registration
import XCTest

/// The parts of the label transfer on small synthetic grids, each against a closed form.
final class LabelTransferComponentTests: XCTestCase {
    /// A cube of side 6 in a 10^3 grid: its 3-D outline is the cube minus its 4^3 core; its in-plane
    /// outline is 20 voxels on each of its 6 slices. Splitting it into two labels adds the two faces
    /// that touch.
    func testOutlinesOfACube() {
        var v = Volume<UInt8>(geometry: Geometry(size: SIMD3(10, 10, 10)))
        for k in 2...7 { for j in 2...7 { for i in 2...7 { v[i, j, k] = 5 } } }
        XCTAssertEqual(LabelBoundaries.mask(v).nonzeroCount, 6 * 6 * 6 - 4 * 4 * 4)
        XCTAssertEqual(LabelBoundaries.mask(v, inPlaneOf: 2).nonzeroCount, 6 * 20)
        for k in 2...7 { for j in 2...7 { for i in 5...7 { v[i, j, k] = 6 } } }
        // core voxels with i = 4 or 5 now touch the other label: 2 * 4 * 4 more
        XCTAssertEqual(LabelBoundaries.mask(v).nonzeroCount, 6 * 6 * 6 - 4 * 4 * 4 + 2 * 4 * 4)
    }

    /// Splatting keeps the number of points; the chamfer mean of an image linear in world x is the
    /// points' mean x (trilinear interpolation is exact for linear functions).
    func testPointCloudSplatAndMean() throws {
        let g = Geometry(size: SIMD3(20, 18, 16), spacing: SIMD3(2, 1.5, 3), origin: SIMD3(-10, 4, 7))
        var rng = SystemRandomNumberGenerator()
        let points = (0..<200).map { _ in
            g.worldLPS(SIMD3(Double.random(in: 1...17, using: &rng), Double.random(in: 1...15, using: &rng), Double.random(in: 1...13, using: &rng)))
        }
        let cloud = OverlayPointCloud(points: points)
        XCTAssertEqual(Double(cloud.splatted(onto: g).data.reduce(0, +)), 200, accuracy: 1e-3)
        var linear = Volume<Float>(geometry: g)
        for k in 0..<16 { for j in 0..<18 { for i in 0..<20 { linear[i, j, k] = Float(g.worldLPS(SIMD3(Double(i), Double(j), Double(k))).x) } } }
        XCTAssertEqual(try XCTUnwrap(cloud.meanValue(of: linear)), points.reduce(0) { $0 + $1.x } / 200, accuracy: 1e-3)
        let (training, heldOut) = cloud.split(holdingOutEvery: 4)
        XCTAssertEqual(training.count, 150)
        XCTAssertEqual(heldOut.count, 50)
        // A mask's points are its voxel centres.
        var mask = Volume<UInt8>(geometry: g)
        mask[3, 4, 5] = 1
        XCTAssertEqual(OverlayPointCloud(mask: mask).points, [g.worldLPS(SIMD3(3, 4, 5))])
    }

    /// A smooth field on a 2 mm grid and an affine, written in the ANTs layout and read back, map points
    /// as before.
    func testTransformsSurviveTheirFiles() throws {
        let g = Geometry(size: SIMD3(24, 22, 20), spacing: SIMD3(2, 2, 2), origin: SIMD3(-20, -30, -10))
        let (warp, inverse) = smoothPair(on: g)
        let affine = AffineTransform3D(linear: [1.05, 0.02, 0, -0.03, 0.97, 0.01, 0, 0.02, 1.01],
                                       translation: SIMD3(3, -2, 1.5), center: SIMD3(1, 2, 3))
        let t = LabelTransferTransforms(affine: affine, warp: warp, inverseWarp: inverse)
        let dir = LabelTransferFixture.tempDirectory("tfm")
        defer { try? FileManager.default.removeItem(at: dir) }
        let files = try t.write(to: dir)
        XCTAssertEqual(files.map(\.lastPathComponent), ["transform_0GenericAffine.txt", "transform_1Warp.nii.gz", "transform_1InverseWarp.nii.gz"])
        let back = try LabelTransferTransforms.read(from: dir)
        for p in [SIMD3<Double>(0, 0, 0), SIMD3(5, -7, 12), SIMD3(-12, 3, 2)] {
            XCTAssertLessThan(length(back.ontoAtlas.map(p) - t.ontoAtlas.map(p)), 1e-4)
            XCTAssertLessThan(length(back.ontoNative.map(p) - t.ontoNative.map(p)), 1e-4)
        }
        let header = try NIfTIFile.readHeader(files[1])
        XCTAssertEqual(header.intentCode, 1007, "displacement fields carry NIfTI intent 1007 (vector)")
    }

    /// `refined(by:)` puts the atlas-space correction first: onto-atlas maps y to T(y + c(y)), onto-native
    /// maps x to T^-1(x) followed by the correction's inverse.
    func testRefinementComposesInAtlasSpace() {
        let g = Geometry(size: SIMD3(30, 30, 30), spacing: SIMD3(2, 2, 2), origin: SIMD3(-30, -30, -30))
        let (warp, inverse) = smoothPair(on: g, amplitude: 2)
        let (cw, ci) = smoothPair(on: g, amplitude: 1.5, phase: 1)
        let t = LabelTransferTransforms(affine: AffineTransform3D(linear: [1, 0, 0, 0, 1, 0, 0, 0, 1], translation: SIMD3(2, 1, -1), center: .zero),
                                        warp: warp, inverseWarp: inverse)
        let c = LabelTransferTransforms(affine: .identity, warp: cw, inverseWarp: ci)
        let r = t.refined(by: c)
        for y in [SIMD3<Double>(0, 0, 0), SIMD3(4, -6, 8), SIMD3(-9, 3, -2)] {
            let direct = t.ontoAtlas.map(c.ontoAtlas.map(y))
            XCTAssertLessThan(length(r.ontoAtlas.map(y) - direct), 0.02)
            let back = c.ontoNative.map(t.ontoNative.map(y))
            XCTAssertLessThan(length(r.ontoNative.map(y) - back), 0.02)
        }
    }

    /// Overlays averaged through identity transforms give their voxel-wise mean; a transform moving the
    /// atlas by one voxel moves every point by one voxel.
    func testAggregationMeansOverlaysInAtlasSpace() throws {
        let g = Geometry(size: SIMD3(12, 12, 12), spacing: SIMD3(2, 2, 2), origin: SIMD3(5, 6, 7))
        var a = Volume<UInt8>(geometry: g), b = Volume<UInt8>(geometry: g)
        a[3, 4, 5] = 1; a[6, 6, 6] = 1
        b[3, 4, 5] = 1; b[8, 2, 1] = 1
        let identity = LabelTransferTransforms(affine: .identity, warp: nil, inverseWarp: nil)
        var acc = OverlayAggregation.Accumulator(geometry: g)
        acc.add(overlay: a, transforms: identity)
        acc.add(overlay: b, transforms: identity)
        let mean = try OverlayAggregation().mean(of: acc)
        XCTAssertEqual(mean[3, 4, 5], 1, accuracy: 1e-6)
        XCTAssertEqual(mean[6, 6, 6], 0.5, accuracy: 1e-6)
        XCTAssertEqual(mean[8, 2, 1], 0.5, accuracy: 1e-6)
        XCTAssertEqual(Double(mean.data.reduce(0, +)), 2, accuracy: 1e-5)
        // atlas point y sits at scan point y + 2 mm (x): scan points land 2 mm (one voxel) lower in x.
        let shift = LabelTransferTransforms(affine: AffineTransform3D(linear: [1, 0, 0, 0, 1, 0, 0, 0, 1], translation: SIMD3(2, 0, 0), center: .zero),
                                            warp: nil, inverseWarp: nil)
        var moved = OverlayAggregation.Accumulator(geometry: g)
        moved.add(overlay: a, transforms: shift)
        let m = try OverlayAggregation().mean(of: moved)
        XCTAssertEqual(m[2, 4, 5], 1, accuracy: 1e-6)
        XCTAssertEqual(m[5, 6, 6], 1, accuracy: 1e-6)
    }

    /// An overlay 3 mm off the atlas outlines, on a scan whose image is off by the same 3 mm while the
    /// image transforms say "identity": the refinement must find the shift (held-out points back within
    /// the tolerance, the centre mapped within 1 mm) and be kept. An overlay already on the outlines gains nothing and must be left alone.
    func testRefinementFindsAShiftAndLeavesAGoodFitAlone() throws {
        let g = Geometry(size: SIMD3(48, 48, 40), spacing: SIMD3(2, 2, 2), origin: SIMD3(-48, -48, -40))
        let labels = blobLabels(on: g, shiftX: 0)
        let template = intensity(labels)
        let shiftedLabels = blobLabels(on: g, shiftX: 3)
        var rng = SplitMix64(seed: 11)
        let identity = LabelTransferTransforms(affine: .identity, warp: nil, inverseWarp: nil)
        let refinement = OverlayRefinement()

        let shifted = outline(shiftedLabels, rng: &rng)
        let moved = try refinement.run(overlay: shifted, overlayVoxelMM: 2, transforms: identity, atlasLabels: labels,
                                       target: template, moving: intensity(shiftedLabels))
        let r = moved.report
        XCTAssertTrue(r.applied, r.reason)
        // outline voxel centres sit up to 1 mm (half a voxel) from their border: the tolerance
        XCTAssertEqual(try XCTUnwrap(r.toleranceMM), 1, accuracy: 1e-12)
        XCTAssertGreaterThan(try XCTUnwrap(r.heldOutExcessImageOnlyMM), 0.2, r.reason)
        XCTAssertLessThan(try XCTUnwrap(r.heldOutExcessRefinedMM), 0.3 * (try XCTUnwrap(r.heldOutExcessImageOnlyMM)), r.reason)
        // Chamfer distance (mean point-to-outline, mm) measured on this seeded case (release build, 1 and 2 threads alike):
        // 1.297 mm before the refinement, 0.748 mm after. The bounds leave ~7 % margin and keep the claim
        // absolute: the shifted overlay starts well off (> 1 mm) and ends within 0.8 mm, under half a voxel.
        let chamferImageOnly = try XCTUnwrap(r.chamferImageOnlyMM), chamferRefined = try XCTUnwrap(r.chamferRefinedMM)
        print("refinement: chamfer image-only \(chamferImageOnly) mm, refined \(chamferRefined) mm")
        XCTAssertGreaterThan(chamferImageOnly, 1.2)
        XCTAssertLessThan(chamferRefined, 0.8)
        XCTAssertLessThan(chamferRefined, chamferImageOnly)
        let t = try XCTUnwrap(moved.transforms)
        // the centre of the blobs: scan point (3, 0, 0) is atlas point (0, 0, 0)
        XCTAssertLessThan(length(t.ontoNative.map(SIMD3(3, 0, 0)) - SIMD3(0, 0, 0)), 1)

        let aligned = outline(labels, rng: &rng)
        let kept = try refinement.run(overlay: aligned, overlayVoxelMM: 2, transforms: identity, atlasLabels: labels,
                                      target: template, moving: template)
        XCTAssertFalse(kept.report.applied, kept.report.reason)
        XCTAssertNil(kept.transforms)
    }

    // MARK: - helpers

    /// A smooth displacement (mm) and its numerical inverse on `g`.
    private func smoothPair(on g: Geometry, amplitude: Double = 2, phase: Double = 0) -> (DisplacementField, DisplacementField) {
        var v = Volume<Float>(geometry: g, components: 3)
        let e = g.extent
        for k in 0..<g.size.z { for j in 0..<g.size.y { for i in 0..<g.size.x {
            let p = SIMD3<Double>(Double(i), Double(j), Double(k)) * g.spacing / e
            v[i, j, k, component: 0] = Float(amplitude * sin(2 * .pi * p.y + phase))
            v[i, j, k, component: 1] = Float(amplitude * cos(2 * .pi * p.z + phase))
            v[i, j, k, component: 2] = Float(amplitude * sin(2 * .pi * p.x + phase))
        } } }
        let u = try! DisplacementField(worldVolume: v)
        return (u, FieldInversion(maximumIterations: 100, tolerance: 1e-4).invert(u).0)
    }

    /// Three ellipsoids (labels 1, 2, 3) inside a sphere of label 4, centred at (shiftX, 0, 0).
    private func blobLabels(on g: Geometry, shiftX: Double) -> Volume<UInt8> {
        var v = Volume<UInt8>(geometry: g)
        for k in 0..<g.size.z { for j in 0..<g.size.y { for i in 0..<g.size.x {
            let p = g.worldLPS(SIMD3(Double(i), Double(j), Double(k))) - SIMD3(shiftX, 0, 0)
            func inside(_ c: SIMD3<Double>, _ r: SIMD3<Double>) -> Bool { (((p - c) / r) * ((p - c) / r)).sum() <= 1 }
            if inside(SIMD3(-12, 0, 0), SIMD3(8, 12, 10)) { v[i, j, k] = 1 }
            else if inside(SIMD3(12, 5, 0), SIMD3(9, 8, 12)) { v[i, j, k] = 2 }
            else if inside(SIMD3(0, -18, 4), SIMD3(14, 6, 8)) { v[i, j, k] = 3 }
            else if inside(.zero, SIMD3(36, 36, 30)) { v[i, j, k] = 4 }
        } } }
        return v
    }

    private func intensity(_ labels: Volume<UInt8>) -> Volume<Float> {
        let g = try! labels.map { $0 == 0 ? Float(0) : Float(20 + 8 * Int($0)) }.gaussianSmoothed(sigmaMM: 1.5)
        return g
    }

    /// In-plane outlines on every third slice, two thirds of the voxels kept.
    private func outline(_ labels: Volume<UInt8>, rng: inout SplitMix64) -> OverlayPointCloud {
        let m = LabelBoundaries.mask(labels, inPlaneOf: 2)
        var kept = Volume<UInt8>(geometry: labels.geometry)
        for k in stride(from: 0, to: labels.size.z, by: 3) { for j in 0..<labels.size.y { for i in 0..<labels.size.x
            where m[i, j, k] != 0 && rng.next() % 3 != 0 { kept[i, j, k] = 1 } } }
        return OverlayPointCloud(mask: kept)
    }

    private func length(_ v: SIMD3<Double>) -> Double { (v * v).sum().squareRoot() }
}
