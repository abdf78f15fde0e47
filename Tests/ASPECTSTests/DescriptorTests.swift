import ASPECTS
import Foundation
import ImageCore
import XCTest

final class DescriptorTests: XCTestCase {
    func ball(radiusMM r: Double, spacing: SIMD3<Double>) -> Volume<UInt8> {
        let n = SIMD3<Int>((0..<3).map { Int((2 * r + 6) / spacing[$0]) })
        var v = Volume<UInt8>(geometry: Geometry(size: n, spacing: spacing))
        let c = SIMD3<Double>(n &- 1) * spacing / 2
        for k in 0..<n.z { for j in 0..<n.y { for i in 0..<n.x {
            let d = SIMD3(Double(i), Double(j), Double(k)) * spacing - c
            if (d * d).sum() <= r * r { v[i, j, k] = 3 }
        } } }
        return v
    }

    func testBallVolumeAreaSphericity() {
        for (r, sp) in [(15.0, SIMD3<Double>(1, 1, 1)), (24.0, SIMD3<Double>(0.8, 0.8, 2))] {
            let s = ShapeDescriptors.measure(labels: ball(radiusMM: r, spacing: sp), label: 3)
            XCTAssertEqual(s.volumeML, 4 / 3 * Double.pi * r * r * r / 1000, accuracy: 0.015 * s.volumeML)
            XCTAssertEqual(s.surfaceAreaMM2, 4 * Double.pi * r * r, accuracy: 0.04 * 4 * Double.pi * r * r)
            XCTAssertEqual(s.sphericity, 1, accuracy: 0.05)
        }
    }

    func testAxisAlignedBoxShowsTheDocumentedBias() {
        // A 10x6x4 mm box: faces total 2(60+40+24) = 248 mm^2; the 2/3 correction gives 165.33.
        var v = Volume<UInt8>(geometry: Geometry(size: SIMD3(12, 8, 6)))
        for k in 1...4 { for j in 1...6 { for i in 1...10 { v[i, j, k] = 1 } } }
        let s = ShapeDescriptors.measure(labels: v, label: 1)
        XCTAssertEqual(s.faceAreaMM2, 248)
        XCTAssertEqual(s.surfaceAreaMM2, 248 * 2 / 3, accuracy: 1e-9)
        XCTAssertEqual(s.volumeML, 0.24, accuracy: 1e-12)
        // A region touching the grid edge still has faces there.
        var edge = Volume<UInt8>(geometry: Geometry(size: SIMD3(2, 1, 1), spacing: SIMD3(1, 2, 3)))
        edge.data = [1, 1]
        // Two i-faces of 2x3 mm, and four j/k-faces along the 2-voxel run: 2*(1*3)*2 + 2*(1*2)*2.
        let expectedFaces: Double = 12 + 12 + 8
        XCTAssertEqual(ShapeDescriptors.measure(labels: edge, label: 1).faceAreaMM2, expectedFaces)
    }

    func testEntropyAndMoments() throws {
        let range = try HURange(lower: 10, upper: 60)
        // Evenly spread over the 20 bins of 2.5 HU: entropy log2(20), uniformity 1/20.
        let even = (0..<2000).map { Float(10 + (Double($0 % 20) + 0.5) * 2.5) }
        let h = HistogramDescriptors(values: even, range: range, binWidth: 2.5)
        XCTAssertEqual(h.entropyBits, log2(20), accuracy: 1e-12)
        XCTAssertEqual(h.uniformity, 1.0 / 20, accuracy: 1e-12)
        // One bin: zero entropy.
        XCTAssertEqual(HistogramDescriptors(values: [30, 30.5, 31], range: range).entropyBits, 0)
        // Two equally weighted values a, b: variance ((b-a)/2)^2, skewness 0, excess kurtosis -2.
        let two = HistogramDescriptors(values: [20, 40, 20, 40], range: range)
        XCTAssertEqual(two.mean, 30)
        XCTAssertEqual(two.variance, 100, accuracy: 1e-12)
        XCTAssertEqual(two.skewness, 0, accuracy: 1e-12)
        XCTAssertEqual(two.excessKurtosis, -2, accuracy: 1e-12)
        XCTAssertEqual(two.entropyBits, 1, accuracy: 1e-12)
        // Exponential-like skew: three at 20, one at 40 -> skewness 2/sqrt(3).
        XCTAssertEqual(HistogramDescriptors(values: [20, 20, 20, 40], range: range).skewness, 2 / 3.0.squareRoot(), accuracy: 1e-12)
    }

    func testGLCMClosedForms() throws {
        let range = try HURange(lower: 0, upper: 16)
        let g = Geometry(size: SIMD3(8, 8, 8))
        let labels = Volume<UInt8>(geometry: g, repeating: 2)
        // Constant tissue: every pair on the diagonal.
        let flat = Volume<Float>(geometry: g, repeating: 7.5)
        let f = GLCMDescriptors.measure(ct: flat, labels: labels, label: 2, range: range, levels: 16, neighbourhood: .volumetric)
        XCTAssertEqual(f.contrast, 0)
        XCTAssertEqual(f.homogeneity, 1)
        // 3-D checkerboard of levels 2 and 5 (d = 3): neighbours differ along the 3 axes and the 4 body
        // diagonals, agree along the 6 face diagonals. All offsets have equal pair counts in the interior,
        // but not at the border, so count the expected pairs directly.
        var board = Volume<Float>(geometry: g)
        for k in 0..<8 { for j in 0..<8 { for i in 0..<8 { board[i, j, k] = (i + j + k) % 2 == 0 ? 2.5 : 5.5 } } }
        let offsets3D: [(SIMD3<Int>, Bool)] = [
            (SIMD3(1, 0, 0), true), (SIMD3(0, 1, 0), true), (SIMD3(0, 0, 1), true),
            (SIMD3(1, 1, 0), false), (SIMD3(1, -1, 0), false), (SIMD3(1, 0, 1), false), (SIMD3(1, 0, -1), false),
            (SIMD3(0, 1, 1), false), (SIMD3(0, 1, -1), false),
            (SIMD3(1, 1, 1), true), (SIMD3(1, 1, -1), true), (SIMD3(1, -1, 1), true), (SIMD3(1, -1, -1), true)]
        func pairs(_ o: SIMD3<Int>) -> Int { (0..<3).reduce(1) { $0 * (8 - abs(o[$1])) } }
        let total = offsets3D.reduce(0) { $0 + pairs($1.0) }
        let differing = offsets3D.filter(\.1).reduce(0) { $0 + pairs($1.0) }
        let b = GLCMDescriptors.measure(ct: board, labels: labels, label: 2, range: range, levels: 16, neighbourhood: .volumetric)
        XCTAssertEqual(b.pairs, total)
        XCTAssertEqual(b.contrast, 9 * Double(differing) / Double(total), accuracy: 1e-12)
        XCTAssertEqual(b.homogeneity, (Double(total - differing) + Double(differing) / 10) / Double(total), accuracy: 1e-12)
        // In-plane (normal to k): axes differ, diagonals agree, and they have equal pair counts 8*7*8 and 7*7*8.
        let p = GLCMDescriptors.measure(ct: board, labels: labels, label: 2, range: range, levels: 16, neighbourhood: .inPlane(normalAxis: 2))
        let axisPairs = 2 * 7 * 8 * 8, diagPairs = 2 * 7 * 7 * 8
        XCTAssertEqual(p.pairs, axisPairs + diagPairs)
        XCTAssertEqual(p.contrast, 9 * Double(axisPairs) / Double(axisPairs + diagPairs), accuracy: 1e-12)
        // Voxels outside the HU range or the label are left out.
        var partial = labels
        for n in 0..<256 { partial.data[n] = 0 }  // k = 0..3 removed
        XCTAssertEqual(GLCMDescriptors.measure(ct: flat, labels: partial, label: 2, range: range, neighbourhood: .inPlane(normalAxis: 2)).pairs,
                       4 * (2 * 7 * 8 + 2 * 7 * 7))
        XCTAssertEqual(GLCMDescriptors.Neighbourhood.suited(to: SIMD3(0.45, 0.45, 5)), .inPlane(normalAxis: 2))
        XCTAssertEqual(GLCMDescriptors.Neighbourhood.suited(to: SIMD3(1, 1, 1.2)), .volumetric)
    }

    func testScorerFillsDescriptors() throws {
        let p = SyntheticBrainPhantom.generate(seed: 3, lesion: false)
        let r = try ASPECTSScorer().score(ct: p.ct, labels: p.labels)
        for region in r.regions {
            let d = try XCTUnwrap(region.descriptors)
            XCTAssertEqual(d.shape.volumeML, region.statistics.volumeML, accuracy: 1e-9)
            XCTAssertGreaterThan(d.shape.sphericity, 0.3)
            XCTAssertLessThanOrEqual(d.shape.sphericity, 1.1)
            XCTAssertEqual(d.histogram.mean, region.statistics.tissue.mean, accuracy: 1e-9)
            XCTAssertGreaterThan(d.texture.pairs, 0)
            XCTAssertGreaterThan(d.texture.homogeneity, 0)
            XCTAssertLessThanOrEqual(d.texture.homogeneity, 1)
        }
    }
}
