@testable import Atlas
import Foundation
import ImageCore
import XCTest

/// The registered form a frame U-Net reads: the box, the affine registration into it, and labels to and
/// from it. Uses the atlas that ships with the project (share/deepstroke/atlas).
final class AtlasFrameTests: XCTestCase {
    static let atlas: Result<Atlas, Error> = Result {
        let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        return try Atlas(directory: root.appendingPathComponent("share/deepstroke/atlas"))
    }

    static func dice(_ a: Volume<UInt8>, _ b: Volume<UInt8>, label: UInt8) -> Double {
        var both = 0, na = 0, nb = 0
        for v in 0..<a.data.count {
            let x = a.data[v] == label, y = b.data[v] == label
            if x { na += 1 }
            if y { nb += 1 }
            if x && y { both += 1 }
        }
        return na + nb == 0 ? 1 : 2 * Double(both) / Double(na + nb)
    }

    func testBoxHoldsEveryRegionIsAWholeNumberOfDivisorsAndCentred() throws {
        let atlas = try Self.atlas.get()
        let frame = try AtlasFrame(atlas: atlas)
        let regions = try atlas.labels.map { $0 != 0 ? UInt8(1) : 0 }.boundingBox()
        let g = atlas.labels.size
        for a in 0..<3 {
            XCTAssertEqual(frame.box.size[a] % 16, 0, "axis \(a)")
            XCTAssertLessThanOrEqual(frame.box.lower[a], regions.lower[a] - 4, "axis \(a): margin below")
            XCTAssertGreaterThanOrEqual(frame.box.upper[a], regions.upper[a] + 4, "axis \(a): margin above")
            XCTAssertGreaterThanOrEqual(frame.box.lower[a], 0)
            XCTAssertLessThan(frame.box.upper[a], g[a])
            // Centred on the regions within a voxel (a left-right flip of the frame keeps the midline).
            let c = Double(frame.box.lower[a] + frame.box.upper[a]) / 2, r = Double(regions.lower[a] + regions.upper[a]) / 2
            XCTAssertLessThanOrEqual(abs(c - r), 1, "axis \(a)")
        }
        XCTAssertEqual(try frame.geometry(atlas: atlas).size, frame.box.size)
    }

    /// A patient made from the atlas by a known rotation, scaling and translation (no deformation, no noise):
    /// the affine stage must undo it, so the truth carried into the frame matches the atlas's own labels
    /// there, and labels carried back reproduce the truth on the patient's grid.
    func testAffinePatientLandsOnTheAtlasAndLabelsRoundTrip() throws {
        let atlas = try Self.atlas.get()
        var p = SyntheticPatient.Parameters()
        p.seed = 11
        p.spacing = SIMD3(1.2, 1.2, 3)
        p.maximumDisplacementMM = 0
        p.maximumRotationDegrees = 12
        p.noiseSD = 0
        p.overlayPointFraction = 0
        let patient = try SyntheticPatient.generate(templateWithSkull: try XCTUnwrap(atlas.templateWithSkull()), labels: atlas.labels, parameters: p)
        let frame = try AtlasFrame(atlas: atlas)
        let r = try frame.register(patient.ct, atlas: atlas, name: "affine patient")
        XCTAssertEqual(r.image.size, frame.box.size)
        XCTAssertGreaterThan(r.similarity, 0.8)

        let inFrame = try frame.labels(patient.labels, in: r, atlas: atlas)
        let atlasInFrame = try atlas.labels.cropped(to: frame.box)
        var frameDice: [Double] = []
        for l in 1...20 { frameDice.append(Self.dice(inFrame, atlasInFrame, label: UInt8(l))) }
        let meanFrame = frameDice.reduce(0, +) / 20
        // Measured 2026-12-07: see the assertion message on failure. Thin regions (IC, I) at 3 mm slices are the lowest.
        XCTAssertGreaterThan(meanFrame, 0.75, "frame Dice per region \(frameDice.map { String(format: "%.2f", $0) })")
        XCTAssertGreaterThan(frameDice.min()!, 0.5, "frame Dice per region \(frameDice.map { String(format: "%.2f", $0) })")

        // Truth -> frame -> native: what the segmenter does with a perfect network (one-hot probabilities).
        var oneHot = Volume<Float>(geometry: inFrame.geometry, components: 21)
        for v in 0..<inFrame.data.count { oneHot.data[Int(inFrame.data[v]) * inFrame.data.count + v] = 1 }
        let back = try frame.nativeLabels(probabilities: oneHot, registered: r, atlas: atlas)
        XCTAssertEqual(back.geometry, patient.labels.geometry)
        var nativeDice: [Double] = []
        for l in 1...20 { nativeDice.append(Self.dice(back, patient.labels, label: UInt8(l))) }
        let meanNative = nativeDice.reduce(0, +) / 20
        XCTAssertGreaterThan(meanNative, 0.8, "native round trip Dice \(nativeDice.map { String(format: "%.2f", $0) })")
        // Nothing outside the brain mask.
        XCTAssertEqual((0..<back.data.count).filter { back.data[$0] != 0 && r.brainMask.data[$0] == 0 }.count, 0)
    }

    /// Probabilities, not labels, carry a border back: a class-1 probability that rises linearly along the
    /// frame's x axis and crosses 0.5 at frame index 10.1 must put the border at 10.1 on a native grid four
    /// times finer (a vote of the frame's labels could only put it on the voxel face at 10.5, so frame x
    /// 10.25 would stay background). Identity transforms, so native world points are atlas points.
    func testProbabilityBorderLandsBetweenFrameVoxelCentres() throws {
        let atlas = try Self.atlas.get()
        let frame = try AtlasFrame(atlas: atlas)
        let fg = try frame.geometry(atlas: atlas)
        var p = Volume<Float>(geometry: fg, components: 2)
        let n = fg.voxelCount
        for k in 0..<fg.size.z { for j in 0..<fg.size.y { for i in 0..<fg.size.x {
            let v = p.linearIndex(i, j, k)
            let one = Float(min(1, max(0, 0.5 + 0.2 * (Double(i) - 10.1))))
            p.data[n + v] = one
            p.data[v] = 1 - one
        } } }
        let start = SIMD3<Double>(6, 10, 10)
        let native = Geometry(size: SIMD3(33, 5, 5), spacing: fg.spacing / 4, origin: fg.worldLPS(start), direction: fg.direction)
        var mask = Volume<UInt8>(geometry: native)
        for v in 0..<mask.data.count { mask.data[v] = 1 }
        let r = AtlasFrame.Registered(image: Volume<Float>(geometry: fg), transforms: LabelTransferTransforms(affine: .identity, warp: nil, inverseWarp: nil),
                                      brainMask: mask, brainVolumeML: 0, similarity: 1, scales: SIMD3(1, 1, 1))
        let labels = try frame.nativeLabels(probabilities: p, registered: r, atlas: atlas)
        var wrong: [Int] = []
        for k in 0..<5 { for j in 0..<5 { for i in 0..<33 {
            let x = start.x + Double(i) / 4
            let expected: UInt8 = x > 10.1 ? 1 : 0
            if labels[i, j, k] != expected { wrong.append(i) }
        } } }
        XCTAssertEqual(wrong, [], "native columns with the wrong side of the border (frame x = 6 + i/4)")
        // The border: frame x 10.0 is background, 10.25 (nearest frame voxel 10, background there) is class 1.
        XCTAssertEqual(labels[16, 2, 2], 0)
        XCTAssertEqual(labels[17, 2, 2], 1)

        // Probabilities on another grid than the frame's are refused, not read out of bounds.
        XCTAssertThrowsError(try frame.nativeLabels(probabilities: Volume<Float>(geometry: native, components: 2), registered: r, atlas: atlas))
    }
}
