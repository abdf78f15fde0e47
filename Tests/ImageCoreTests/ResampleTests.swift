import XCTest
import ImageCore

final class ResampleTests: XCTestCase {
    let oblique = Geometry(size: SIMD3(17, 13, 11), spacing: SIMD3(0.9, 1.1, 2.0), origin: SIMD3(-30, 12, 5),
                           direction: rotation(axis: SIMD3(0.2, -0.4, 1), angle: 0.35))

    func testIdentityReturnsInputExactlyForEveryMode() throws {
        let f = randomFloatVolume(oblique, seed: 1)
        let labels = f.map { UInt8(clampingDouble: Double(($0 + 1) * 3)) }
        let ct = f.map { Int16(clampingDouble: Double($0) * 1000) }
        for mode in Interpolation.allCases {
            XCTAssertEqual(try f.resampled(to: oblique, interpolation: mode).data, f.data, "\(mode)")
            XCTAssertEqual(try labels.resampled(to: oblique, interpolation: mode).data, labels.data, "\(mode)")
            XCTAssertEqual(try ct.resampled(to: oblique, interpolation: mode).data, ct.data, "\(mode)")
        }
    }

    /// A whole-voxel shift is not the identity, so this exercises the kernels themselves: every mode
    /// must read voxel centres exactly (cubic up to Float32 rounding of its coefficients).
    func testWholeVoxelShiftReadsVoxelCentres() throws {
        let f = randomFloatVolume(oblique, seed: 2)
        var shifted = oblique
        shifted.origin = oblique.worldLPS(SIMD3(2, -1, 1))
        let n = oblique.size
        for mode in Interpolation.allCases {
            let out = try f.resampled(to: shifted, interpolation: mode, outsideValue: 99)
            for k in 0..<n.z { for j in 0..<n.y { for i in 0..<n.x {
                let (si, sj, sk) = (i + 2, j - 1, k + 1)
                let inside = si < n.x && sj >= 0 && sk < n.z
                let got = out[i, j, k]
                if !inside { XCTAssertEqual(got, 99, "\(mode) at \(i),\(j),\(k)"); continue }
                if mode == .cubic {
                    XCTAssertEqual(got, f[si, sj, sk], accuracy: 2e-6, "\(mode)")
                } else {
                    XCTAssertEqual(got, f[si, sj, sk], "\(mode) at \(i),\(j),\(k)")
                }
            } } }
        }
    }

    /// Trilinear interpolation reproduces affine functions exactly; the expected value is computed
    /// from the two geometries independently of the resampler's index map.
    func testLinearReproducesAffineFunctionUnderRotation() throws {
        let input = Geometry(size: SIMD3(24, 20, 16), spacing: SIMD3(1, 1.2, 2), origin: SIMD3(5, -8, 3))
        let f: (SIMD3<Double>) -> Double = { 0.3 + 0.01 * $0.x - 0.02 * $0.y + 0.015 * $0.z }
        var vol = Volume<Float>(geometry: input)
        for k in 0..<16 { for j in 0..<20 { for i in 0..<24 { vol[i, j, k] = Float(f(SIMD3(Double(i), Double(j), Double(k)))) } } }
        let output = Geometry(size: SIMD3(30, 22, 20), spacing: SIMD3(0.8, 0.9, 1.3), origin: SIMD3(7, -6, 6),
                              direction: rotation(axis: SIMD3(1, 0.5, 0.2), angle: 0.4))
        let out = try vol.resampled(to: output, interpolation: .linear, outsideValue: -7)
        var checked = 0
        for k in 0..<20 { for j in 0..<22 { for i in 0..<30 {
            let p = input.inverseAffineLPS.apply(output.worldLPS(SIMD3(Double(i), Double(j), Double(k))))
            let inDomain = (0..<3).allSatisfy { p[$0] >= -0.5 && p[$0] <= Double(input.size[$0]) - 0.5 }
            let interior = (0..<3).allSatisfy { p[$0] >= 0 && p[$0] <= Double(input.size[$0] - 1) }
            if !inDomain { XCTAssertEqual(out[i, j, k], -7); continue }
            if interior {
                XCTAssertEqual(Double(out[i, j, k]), f(p), accuracy: 1e-5)
                checked += 1
            }
        } } }
        XCTAssertGreaterThan(checked, 2000)
    }

    /// Cubic B-spline interpolation reproduces polynomials up to degree 3 per axis away from the
    /// borders (the mirror boundary's influence decays like 0.268^distance).
    func testCubicReproducesCubicPolynomialInInterior() throws {
        let g = Geometry(size: SIMD3(40, 40, 40))
        let f: (SIMD3<Double>) -> Double = { q in
            let u = (q - 20) / 10
            return 1 + 0.5 * u.x - 0.3 * u.y * u.y + 0.2 * u.z * u.z * u.z + 0.1 * u.x * u.y * u.z - 0.15 * u.x * u.x * u.x
        }
        var vol = Volume<Float>(geometry: g)
        for k in 0..<40 { for j in 0..<40 { for i in 0..<40 { vol[i, j, k] = Float(f(SIMD3(Double(i), Double(j), Double(k)))) } } }
        let output = Geometry(size: SIMD3(12, 12, 12), spacing: SIMD3(repeating: 0.93), origin: SIMD3(14.5, 14.2, 14.9),
                              direction: rotation(axis: SIMD3(0.3, 1, 0.6), angle: 0.5))
        let cubic = try vol.resampled(to: output, interpolation: .cubic)
        let linear = try vol.resampled(to: output, interpolation: .linear)
        var worstCubic = 0.0, worstLinear = 0.0, checked = 0
        for k in 0..<12 { for j in 0..<12 { for i in 0..<12 {
            let p = g.inverseAffineLPS.apply(output.worldLPS(SIMD3(Double(i), Double(j), Double(k))))
            guard p.min() >= 13, p.max() <= 26 else { continue }
            worstCubic = max(worstCubic, abs(Double(cubic[i, j, k]) - f(p)))
            worstLinear = max(worstLinear, abs(Double(linear[i, j, k]) - f(p)))
            checked += 1
        } } }
        XCTAssertGreaterThan(checked, 1000)
        XCTAssertLessThan(worstCubic, 2e-5)
        XCTAssertGreaterThan(worstLinear, 1e-3, "the polynomial should be curved enough to tell the modes apart")
    }

    func testLabelModeNeverInventsLabels() throws {
        let allowed: [UInt8] = [0, 3, 7, 12, 200]
        let g = Geometry(size: SIMD3(20, 18, 16), spacing: SIMD3(1.5, 1.5, 2))
        var rng = SplitMix64(seed: 3)
        // Blobs of labels so that many output voxels sit on boundaries between several labels.
        var labels = Volume<UInt8>(geometry: g)
        for k in 0..<16 { for j in 0..<18 { for i in 0..<20 {
            labels[i, j, k] = allowed[((i / 3) * 7 + (j / 2) * 3 + (k / 3) * 5 + Int.random(in: 0..<2, using: &rng)) % allowed.count]
        } } }
        let output = Geometry(size: SIMD3(41, 37, 35), spacing: SIMD3(0.7, 0.75, 0.9), origin: SIMD3(-1, 1, 0.5),
                              direction: rotation(axis: SIMD3(1, 1, 1), angle: 0.3))
        let out = try labels.resampled(to: output, interpolation: .label)
        XCTAssertTrue(out.data.allSatisfy { allowed.contains($0) })
        XCTAssertEqual(Set(out.data), Set(allowed), "every label should survive")
        let linear = try labels.resampled(to: output, interpolation: .linear)
        XCTAssertFalse(linear.data.allSatisfy { allowed.contains($0) }, "linear interpolation does invent labels here")
    }

    /// The vote against a direct computation of the summed trilinear weights per label.
    func testLabelVoteMatchesWeightedMajority() {
        var rng = SplitMix64(seed: 4)
        let size = SIMD3(3, 3, 3)
        var tested = 0
        for _ in 0..<400 {
            let grid: [Int32] = (0..<27).map { _ in Int32(Int.random(in: 0..<4, using: &rng)) }
            let p = SIMD3(rng.uniform() * 2, rng.uniform() * 2, rng.uniform() * 2)
            var totals = [Int32: Double]()
            let b = SIMD3<Int>(Int(p.x), Int(p.y), Int(p.z))
            let t = p - SIMD3<Double>(b)
            for dz in 0...1 { for dy in 0...1 { for dx in 0...1 {
                let w = (dx == 1 ? t.x : 1 - t.x) * (dy == 1 ? t.y : 1 - t.y) * (dz == 1 ? t.z : 1 - t.z)
                totals[grid[((b.z + dz) * 3 + b.y + dy) * 3 + b.x + dx], default: 0] += w
            } } }
            let ranked = totals.sorted { $0.value > $1.value }
            if ranked.count > 1 && ranked[0].value - ranked[1].value < 1e-4 { continue }
            let got = grid.withUnsafeBufferPointer { GridSampler($0, size: size).labelVote(p.x, p.y, p.z) }
            XCTAssertEqual(got, ranked[0].key)
            tested += 1
        }
        XCTAssertGreaterThan(tested, 300)
    }

    func testLabelHalfSpaceSwitchesAtTheMidpoint() throws {
        let g = Geometry(size: SIMD3(10, 3, 3))
        var v = Volume<UInt8>(geometry: g)
        for k in 0..<3 { for j in 0..<3 { for i in 5..<10 { v[i, j, k] = 9 } } }
        for (x, expected) in [(4.3, UInt8(0)), (4.49, 0), (4.6, 9), (5.0, 9)] {
            let out = Geometry(size: SIMD3(1, 1, 1), origin: SIMD3(x, 1, 1))
            XCTAssertEqual(try v.resampled(to: out, interpolation: .label)[0, 0, 0], expected, "x = \(x)")
        }
    }

    /// Resampling with a world transform T equals resampling into the geometry moved by T.
    func testWorldTransformEqualsMovedGeometry() throws {
        let f = randomFloatVolume(oblique, seed: 5)
        let output = Geometry(size: SIMD3(15, 15, 12), spacing: SIMD3(1, 1, 1.5), origin: SIMD3(-25, 15, 7))
        let r = rotation(axis: SIMD3(0, 0.3, 1), angle: 0.2)
        let t = Matrix4(rows: [[r[0].x, r[1].x, r[2].x, 1.5], [r[0].y, r[1].y, r[2].y, -2], [r[0].z, r[1].z, r[2].z, 0.7], [0, 0, 0, 1]])
        let moved = try Geometry(size: output.size, affineLPS: t * output.affineLPS)
        for mode in Interpolation.allCases {
            let a = try f.resampled(to: output, interpolation: mode, transform: t, outsideValue: 5)
            let b = try f.resampled(to: moved, interpolation: mode, outsideValue: 5)
            XCTAssertEqual(a.geometry, output)
            for n in 0..<a.voxelCount { XCTAssertEqual(a.data[n], b.data[n], accuracy: 1e-5, "\(mode)") }
        }
    }

    func testFootprintBoundaryAndOutsideValue() throws {
        let g = Geometry(size: SIMD3(4, 4, 4))
        let v = Volume<Float>(geometry: g, repeating: 2)
        for (x, expected) in [(-0.5, Float(2)), (-0.51, -1), (3.5, 2), (3.51, -1), (100, -1)] {
            let out = Geometry(size: SIMD3(1, 1, 1), origin: SIMD3(x, 1, 1))
            for mode in Interpolation.allCases {
                XCTAssertEqual(try v.resampled(to: out, interpolation: mode, outsideValue: -1)[0, 0, 0], expected, "\(mode) x=\(x)")
            }
        }
    }

    func testVectorImageComponentsAreResampledIndependently() throws {
        let g = Geometry(size: SIMD3(9, 8, 7))
        var rng = SplitMix64(seed: 6)
        let field = try Volume<Float>(geometry: g, components: 3, data: (0..<(g.voxelCount * 3)).map { _ in Float(rng.uniform()) })
        let out = Geometry(size: SIMD3(6, 6, 6), spacing: SIMD3(1.3, 1.2, 1.1), origin: SIMD3(0.4, 0.2, 0.3),
                           direction: rotation(axis: SIMD3(1, 0, 0), angle: 0.2))
        for mode in [Interpolation.linear, .cubic] {
            let r = try field.resampled(to: out, interpolation: mode)
            XCTAssertEqual(r.components, 3)
            for c in 0..<3 {
                XCTAssertEqual(r.component(c).data, try field.component(c).resampled(to: out, interpolation: mode).data)
            }
        }
    }

    func testIntegerVolumesRoundTheLinearResult() throws {
        let g = Geometry(size: SIMD3(2, 1, 1))
        let v = try Volume<Int16>(geometry: g, data: [10, 20])
        let out = Geometry(size: SIMD3(1, 1, 1), origin: SIMD3(0.27, 0, 0))
        XCTAssertEqual(try v.resampled(to: out, interpolation: .linear)[0, 0, 0], 13)
        XCTAssertEqual(try v.resampled(to: out, interpolation: .nearest)[0, 0, 0], 10)
    }

    func testThreadCountDoesNotChangeTheResult() throws {
        let f = randomFloatVolume(oblique, seed: 7)
        let out = Geometry(size: SIMD3(20, 20, 20), spacing: SIMD3(repeating: 0.9), origin: SIMD3(-28, 10, 4),
                           direction: rotation(axis: SIMD3(0, 1, 1), angle: 0.25))
        for mode in Interpolation.allCases {
            let one = try withThreads(1) { try f.resampled(to: out, interpolation: mode) }
            let two = try withThreads(2) { try f.resampled(to: out, interpolation: mode) }
            XCTAssertEqual(one.data, two.data, "\(mode)")
        }
    }

    func testRejectsNonFiniteOrProjectiveTransforms() {
        let f = randomFloatVolume(oblique, seed: 8)
        var bad = Matrix4.identity
        bad[1, 3] = .nan
        XCTAssertThrowsError(try f.resampled(to: oblique, transform: bad))
        var projective = Matrix4.identity
        projective[3, 0] = 0.1
        XCTAssertThrowsError(try f.resampled(to: oblique, transform: projective))
    }

    /// The resampler's unchecked interior path and its checked border path agree with calling the
    /// public checked kernels point by point.
    func testResamplerMatchesPointwiseCheckedKernels() throws {
        let f = randomFloatVolume(oblique, seed: 9)
        let labels = f.map { UInt8(clampingDouble: Double(($0 + 1) * 2)) }
        let coefficients = BSpline.cubicCoefficients(f)
        let output = Geometry(size: SIMD3(23, 19, 15), spacing: SIMD3(0.8, 0.9, 1.4), origin: SIMD3(-31, 11, 3),
                              direction: compose(rotation(axis: SIMD3(0.5, 1, 0.1), angle: 0.3), oblique.direction))
        for mode in Interpolation.allCases {
            let resampler = Resampler(interpolation: mode, outsideValue: -3)
            let map = try resampler.indexMap(from: oblique, to: output)
            let out = try resampler.resample(f, to: output)
            let outLabels = try resampler.resample(labels, to: output)
            var inside = 0
            f.data.withUnsafeBufferPointer { fb in
                labels.data.withUnsafeBufferPointer { lb in
                    coefficients.data.withUnsafeBufferPointer { cb in
                        let sf = GridSampler(fb, size: oblique.size), sl = GridSampler(lb, size: oblique.size)
                        let sc = GridSampler(cb, size: oblique.size)
                        for k in 0..<15 { for j in 0..<19 { for i in 0..<23 {
                            let p = map.apply(SIMD3(Double(i), Double(j), Double(k)))
                            let n = (k * 19 + j) * 23 + i
                            guard sf.contains(p.x, p.y, p.z) else {
                                XCTAssertEqual(out.data[n], -3); continue
                            }
                            inside += 1
                            switch mode {
                            case .nearest:
                                XCTAssertEqual(out.data[n], sf.nearest(p.x, p.y, p.z))
                                XCTAssertEqual(outLabels.data[n], sl.nearest(p.x, p.y, p.z))
                            case .label:
                                XCTAssertEqual(outLabels.data[n], sl.labelVote(p.x, p.y, p.z))
                            case .linear:
                                XCTAssertEqual(out.data[n], sf.linear(p.x, p.y, p.z), accuracy: 1e-5)
                            case .cubic:
                                XCTAssertEqual(out.data[n], sc.cubicBSpline(p.x, p.y, p.z), accuracy: 1e-5)
                            }
                        } } }
                    }
                }
            }
            XCTAssertGreaterThan(inside, 2000)
        }
    }

    func testEmptyVolumesGiveErrorsNotCrashes() throws {
        let empty = Volume<Float>(geometry: Geometry(size: SIMD3(0, 4, 4)))
        XCTAssertThrowsError(try empty.resampled(to: oblique))
        XCTAssertThrowsError(try randomFloatVolume(oblique, seed: 10).resampled(to: Geometry(size: SIMD3(3, 0, 3))))
        XCTAssertEqual(try empty.gaussianSmoothed(sigmaMM: 1).data.count, 0)
        XCTAssertThrowsError(try empty.statistics())
    }
}
