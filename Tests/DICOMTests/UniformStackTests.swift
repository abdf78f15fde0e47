import DICOM
import Foundation
import ImageCore
import XCTest

/// `VolumeAssembler.assembleWhole`: one volume over the whole extent of a variably spaced series,
/// acquired slices exact and in place, the others linear blends; pieces at large gaps or bends.
final class UniformStackTests: XCTestCase {
    struct Series {
        var dir: URL
        /// The synthesizer's volume (every slice it wrote, before any were removed).
        var written: Volume<Float>
        var writtenOverlay: Volume<UInt8>?
        /// Indices into `written` of the slices kept on disk, ascending.
        var kept: [Int]
    }

    /// Writes `v` as a series and removes every slice not in `keep` (variable spacing from a fine series).
    func series(_ v: Volume<Float>, keep: [Int], tilt: Double = 0, overlay: Volume<UInt8>? = nil, name: String) throws -> Series {
        let dir = SynthVolumes.tempDir(name)
        var o = CTSeriesSynthesizer.Options()
        o.tiltDegrees = tilt
        let r = try CTSeriesSynthesizer.write(v, overlay: overlay, to: dir, options: o)
        for (k, f) in r.files.enumerated() where !keep.contains(k) { try FileManager.default.removeItem(at: f) }
        return Series(dir: dir, written: r.volume, writtenOverlay: r.overlay, kept: keep.sorted())
    }

    func group(_ dir: URL) throws -> SeriesGroup {
        let studies = SeriesGrouping.group(try DICOMIndex.build(dir).images)
        XCTAssertEqual(studies.count, 1)
        XCTAssertEqual(studies.first?.series.count, 1)
        return studies[0].series[0]
    }

    /// Every kept slice's IPP falls within `tol` of a grid slice (along k) at (0, ny-1) and that grid
    /// slice holds its voxels exactly; returns the grid slice of each kept slice.
    @discardableResult
    func checkAcquired(_ s: Series, _ vol: AssembledVolume, tol: Double = 0.1, file: StaticString = #filePath, line: UInt = #line) -> [Int: Int] {
        let g = vol.data.geometry, src = s.written.geometry
        let ny = g.size.y, f = vol.data.asFloat
        let inv = g.inverseAffineLPS
        var at: [Int: Int] = [:]
        for k in s.kept {
            let ipp = src.worldLPS(SIMD3(0, Double(ny - 1), Double(k)))
            let c = inv.apply(ipp)
            XCTAssertEqual(c.x, 0, accuracy: 1e-6, file: file, line: line)
            XCTAssertEqual(c.y, Double(ny - 1), accuracy: 1e-6, file: file, line: line)
            let kk = Int(c.z.rounded())
            XCTAssertLessThanOrEqual(abs(c.z - Double(kk)) * g.spacing.z, tol, "slice \(k) is \(c.z) on the grid", file: file, line: line)
            guard kk >= 0 && kk < g.size.z else { XCTFail("slice \(k) outside the grid", file: file, line: line); continue }
            // Same world position within the tolerance for every voxel, not only the corner.
            let far = g.worldLPS(SIMD3(Double(g.size.x - 1), 0, Double(kk))) - src.worldLPS(SIMD3(Double(g.size.x - 1), 0, Double(k)))
            XCTAssertLessThanOrEqual((far * far).sum().squareRoot(), tol, file: file, line: line)
            var diffs = 0
            for j in 0..<g.size.y { for i in 0..<g.size.x where f[i, j, kk] != s.written[i, j, k] { diffs += 1 } }
            XCTAssertEqual(diffs, 0, "acquired slice \(k) on grid slice \(kk)", file: file, line: line)
            at[k] = kk
        }
        return at
    }

    /// Grid slices not holding an acquired slice are the linear blend, by position along the line,
    /// of the acquired slices around them (Int16 output: rounded, so within 0.5 HU of the exact blend).
    func checkBlends(_ s: Series, _ vol: AssembledVolume, exact: [Int: Int], file: StaticString = #filePath, line: UInt = #line) -> Int {
        let g = vol.data.geometry, src = s.written.geometry
        let f = vol.data.asFloat
        let toSource = src.inverseAffineLPS * g.affineLPS
        let exactGrid = Set(exact.values)
        var checked = 0
        for kk in 0..<g.size.z where !exactGrid.contains(kk) {
            let z = toSource.apply(SIMD3(0, 0, Double(kk))).z   // continuous index in the written series
            guard let a = s.kept.last(where: { Double($0) <= z }), let b = s.kept.first(where: { Double($0) > z }) else {
                XCTFail("grid slice \(kk) outside the acquired range", file: file, line: line); continue
            }
            let w = (z - Double(a)) / Double(b - a)
            var worst = 0.0
            for j in stride(from: 0, to: g.size.y, by: 3) { for i in stride(from: 0, to: g.size.x, by: 3) {
                let want = Double(s.written[i, j, a]) * (1 - w) + Double(s.written[i, j, b]) * w
                worst = max(worst, abs(Double(f[i, j, kk]) - want))
            } }
            XCTAssertLessThanOrEqual(worst, 0.5 + 1e-3, "grid slice \(kk) (w \(w) between \(a) and \(b))", file: file, line: line)
            checked += 1
        }
        return checked
    }

    // Gaps 2 mm (x6), 1 mm, then 3 mm (x5): a 1 mm grid holds every acquired slice exactly.
    let variableKeep = [0, 2, 4, 6, 8, 10, 12, 13, 16, 19, 22, 25, 28]

    func testVariableSpacingBecomesOneExactVolume() throws {
        let v = SynthVolumes.head(size: SIMD3(24, 20, 30))
        let s = try series(v, keep: variableKeep, name: "var")
        defer { try? FileManager.default.removeItem(at: s.dir) }
        let g = try group(s.dir)
        XCTAssertEqual(try VolumeAssembler.assemble(g).count, 2)   // the exact parts (the 1 mm gap starts the 3 mm run), unchanged
        let out = try VolumeAssembler.assembleWhole(g)
        XCTAssertEqual(out.count, 1)
        let vol = out[0]
        let r = try XCTUnwrap(vol.resampling)
        XCTAssertEqual(r.spacingMM, 1, accuracy: 1e-6)
        XCTAssertEqual(vol.data.geometry.size.z, 29)
        XCTAssertEqual(r.acquiredSlices, 13)
        XCTAssertEqual(r.partsJoined, 2)
        XCTAssertEqual(r.exactSlices, 13)
        XCTAssertEqual(r.interpolatedSlices, 16)
        XCTAssertEqual(r.largestGapBridgedMM, 3, accuracy: 1e-6)
        XCTAssertLessThan(r.largestOffsetMM, 1e-4)
        XCTAssertTrue(r.acquiredSlicesOnGrid)
        if case .int16 = vol.data {} else { XCTFail("CT stays Int16") }
        let exact = checkAcquired(s, vol)
        XCTAssertEqual(exact.count, 13)
        XCTAssertEqual(checkBlends(s, vol, exact: exact), 16)
        XCTAssertTrue(vol.spacingHandling.contains("one uniform grid"), vol.spacingHandling)
        XCTAssertEqual(vol.partCount, 1)
        XCTAssertEqual(vol.slicePaths.count, 13)
        let side = SidecarJSON.make(group: g, volume: vol)
        let u = try XCTUnwrap(side["UniformResampling"] as? [String: Any])
        XCTAssertEqual(u["InterpolatedSlices"] as? Int, 16)
        XCTAssertEqual(side["LargestGapBridgedMM"] as? Double ?? 0, 3, accuracy: 1e-6)
    }

    func testTiltedVariableSpacingKeepsShearAndExactSlices() throws {
        let v = SynthVolumes.head(size: SIMD3(24, 20, 30))
        let s = try series(v, keep: variableKeep, tilt: 18.5, name: "tiltvar")
        defer { try? FileManager.default.removeItem(at: s.dir) }
        let out = try VolumeAssembler.assembleWhole(try group(s.dir))
        XCTAssertEqual(out.count, 1)
        let vol = out[0], g = vol.data.geometry
        XCTAssertFalse(g.isOrthogonal)
        XCTAssertEqual(g.spacing.z, 1, accuracy: 1e-6)   // along the (oblique) line of positions
        let r = try XCTUnwrap(vol.resampling)
        XCTAssertEqual(r.spacingAlongNormalMM, cos(18.5 * .pi / 180), accuracy: 1e-6)
        XCTAssertEqual(r.largestGapBridgedMM, 3 * cos(18.5 * .pi / 180), accuracy: 1e-6)
        let exact = checkAcquired(s, vol)
        XCTAssertEqual(checkBlends(s, vol, exact: exact), 16)
        XCTAssertTrue(try XCTUnwrap(vol.tiltHandling).contains("sheared"))
    }

    func testSpacingThatIsNoGapFractionStillPutsSlicesOnTheGrid() throws {
        // Gaps 3, 3, 3, 2, 2 mm on a 1 mm source: 1 mm is the coarsest grid (2 and 3 fail).
        let v = SynthVolumes.head(size: SIMD3(16, 14, 14))
        let s = try series(v, keep: [0, 3, 6, 9, 11, 13], name: "frac")
        defer { try? FileManager.default.removeItem(at: s.dir) }
        let vol = try XCTUnwrap(try VolumeAssembler.assembleWhole(try group(s.dir)).first)
        XCTAssertEqual(vol.data.geometry.spacing.z, 1, accuracy: 1e-6)
        let exact = checkAcquired(s, vol)
        XCTAssertEqual(checkBlends(s, vol, exact: exact), 8)
    }

    func testWhenNoSpacingMeetsTheToleranceTheBestIsReported() throws {
        // Gaps 0.7 mm (x4) then 0.55 mm (x3): no spacing in [0.5, 0.55] mm puts every slice within
        // 0.1 mm of the grid; the best leaves one about 0.195 mm off. Those within 0.1 mm stay exact.
        let v = SynthVolumes.head(size: SIMD3(16, 14, 90), spacing: SIMD3(0.7, 0.7, 0.05))
        let s = try series(v, keep: [0, 14, 28, 42, 56, 67, 78, 89], name: "nofit")
        defer { try? FileManager.default.removeItem(at: s.dir) }
        let out = try VolumeAssembler.assembleWhole(try group(s.dir))
        XCTAssertEqual(out.count, 1)
        let vol = out[0], g = vol.data.geometry
        let r = try XCTUnwrap(vol.resampling)
        XCTAssertFalse(r.acquiredSlicesOnGrid)
        XCTAssertEqual(r.largestOffsetMM, 0.195, accuracy: 0.01)
        XCTAssertGreaterThanOrEqual(g.spacing.z, 0.5)
        XCTAssertLessThanOrEqual(g.spacing.z, 0.55 + 0.01)
        XCTAssertTrue(vol.warnings.contains { $0.contains("no grid spacing puts every acquired slice") }, "\(vol.warnings)")
        let inv = g.inverseAffineLPS, f = vol.data.asFloat
        var exact: [Int: Int] = [:]
        for k in s.kept {
            let c = inv.apply(s.written.geometry.worldLPS(SIMD3(0, Double(g.size.y - 1), Double(k))))
            let kk = Int(c.z.rounded())
            guard abs(c.z - Double(kk)) * g.spacing.z <= 0.1 else { continue }
            exact[k] = kk
            var diffs = 0
            for j in 0..<g.size.y { for i in 0..<g.size.x where f[i, j, kk] != s.written[i, j, k] { diffs += 1 } }
            XCTAssertEqual(diffs, 0)
        }
        XCTAssertEqual(Set(exact.keys), [0, 42])
        XCTAssertEqual(checkBlends(s, vol, exact: exact), g.size.z - 2)
    }

    func testUniformSeriesIsExactlyWhatAssembleGives() throws {
        let v = SynthVolumes.head(size: SIMD3(20, 18, 12))
        let s = try series(v, keep: Array(0..<12), tilt: 10, name: "uni")
        defer { try? FileManager.default.removeItem(at: s.dir) }
        let g = try group(s.dir)
        let a = try VolumeAssembler.assemble(g), w = try VolumeAssembler.assembleWhole(g)
        XCTAssertEqual(a.count, 1); XCTAssertEqual(w.count, 1)
        XCTAssertEqual(a[0].data.geometry, w[0].data.geometry)
        XCTAssertEqual(SynthVolumes.differences(a[0].data.asFloat.data, w[0].data.asFloat.data), 0)
        XCTAssertEqual(w[0].spacingHandling, "uniform")
        XCTAssertEqual(w[0].resampling?.interpolatedSlices, 0)
        XCTAssertNil(SidecarJSON.make(group: g, volume: w[0])["UniformResampling"])
    }

    func testGapAboveTheLimitSplitsAndTheBrainPieceIsChosen() throws {
        // Slices 0-9: air and bone only (a vertex cap, the longer and lower piece); slices 22-27 hold
        // the soft tissue. Removing 10-21 leaves a 13 mm gap.
        var v = SynthVolumes.head(size: SIMD3(16, 16, 28))
        for k in 0..<28 { for j in 0..<16 { for i in 0..<16 {
            if k < 10 { v[i, j, k] = (i + j + k) % 3 == 0 ? 1200 : -1000 } else { v[i, j, k] = i > 2 && i < 13 ? 30 : -1000 }
        } } }
        let keep = Array(0..<10) + Array(22..<28)
        let s = try series(v, keep: keep, name: "split")
        defer { try? FileManager.default.removeItem(at: s.dir) }
        let g = try group(s.dir)
        let out = try VolumeAssembler.assembleWhole(g)
        XCTAssertEqual(out.map { $0.data.geometry.size.z }, [10, 6])
        XCTAssertEqual(out.map { $0.partCount }, [2, 2])
        XCTAssertTrue(out[0].warnings.contains { $0.contains("not merged across a gap of 13.000 mm") }, "\(out[0].warnings)")
        XCTAssertTrue(out[1].spacingHandling.contains("piece 2 of 2"), out[1].spacingHandling)
        XCTAssertEqual(VolumeAssembler.brainPieceIndex(out), 1)
        XCTAssertNil(VolumeAssembler.brainPieceIndex([]))
        // A higher limit bridges it.
        var o = VolumeAssembler.WholeOptions()
        o.maximumBridgedGapMM = 13.5
        let merged = try VolumeAssembler.assembleWhole(g, options: o)
        XCTAssertEqual(merged.count, 1)
        XCTAssertEqual(merged[0].data.geometry.size.z, 28)
        XCTAssertEqual(merged[0].resampling?.largestGapBridgedMM ?? 0, 13, accuracy: 1e-6)
    }

    func testPositionsOffTheLineAreNotMerged() throws {
        // Two stacks in one series (same UIDs and grid), the second shifted 4 mm sideways.
        let dir = SynthVolumes.tempDir("bend")
        defer { try? FileManager.default.removeItem(at: dir) }
        let lower = SynthVolumes.head(size: SIMD3(16, 14, 8))
        var upper = lower
        upper.geometry.origin += lower.geometry.direction[2] * 9 + SIMD3(4, 0, 0)
        var o = CTSeriesSynthesizer.Options()
        o.seriesInstanceUID = UIDGenerator.make()
        o.filePrefix = "A"
        _ = try CTSeriesSynthesizer.write(lower, to: dir, options: o)
        o.filePrefix = "B"
        _ = try CTSeriesSynthesizer.write(upper, to: dir, options: o)
        let out = try VolumeAssembler.assembleWhole(try group(dir))
        XCTAssertEqual(out.map { $0.data.geometry.size.z }, [8, 8])
        XCTAssertTrue(out[0].warnings.contains { $0.contains("leave a straight line") }, "\(out[0].warnings)")
        for p in out {
            XCTAssertEqual(p.resampling?.interpolatedSlices, 0)
            XCTAssertEqual(SynthVolumes.differences(p.data.asFloat.data, lower.data), 0)
        }
        XCTAssertTrue(out[1].data.geometry.isClose(to: upper.geometry, tolerance: 1e-6))
    }

    func testOverlaysGoToTheNearestAcquiredSliceOnly() throws {
        let v = SynthVolumes.head(size: SIMD3(24, 20, 30))
        let mask = SynthVolumes.mask(like: v, slices: [4, 12, 13, 19, 20])   // 20 is removed below
        let s = try series(v, keep: variableKeep, overlay: mask, name: "ovl")
        defer { try? FileManager.default.removeItem(at: s.dir) }
        let vol = try XCTUnwrap(try VolumeAssembler.assembleWhole(try group(s.dir)).first)
        let m = try XCTUnwrap(vol.overlay)
        let wm = try XCTUnwrap(s.writtenOverlay)
        XCTAssertEqual(vol.overlaySlices, 4)
        let exact = checkAcquired(s, vol)
        let g = m.geometry
        // 1 mm grid: grid slice k holds acquired slice k where one was kept, otherwise nothing.
        for kk in 0..<g.size.z {
            var got = 0, want = 0
            for j in 0..<g.size.y { for i in 0..<g.size.x {
                got += Int(m[i, j, kk])
                if let k = exact.first(where: { $0.value == kk })?.key { want += Int(wm[i, j, k]); XCTAssertEqual(m[i, j, kk], wm[i, j, k]) }
            } }
            XCTAssertEqual(got, want, "grid slice \(kk)")
        }
        XCTAssertEqual(m.data.reduce(0) { $0 + Int($1) }, [4, 12, 13, 19].reduce(0) { acc, k in
            var n = 0
            for j in 0..<g.size.y { for i in 0..<g.size.x { n += Int(wm[i, j, k]) } }
            return acc + n
        })
    }

    func testGETiltedVariableSpacingIsOneVolumeOverTheWholeHead() throws {
        let index = try DICOMIndex.build(try SampleData.dicom("ct_ge_tilt_varspacing"))
        let g = SeriesGrouping.group(index.images)[0].series[0]
        let out = try VolumeAssembler.assembleWhole(g)
        XCTAssertEqual(out.count, 1)
        let vol = out[0], geo = vol.data.geometry
        let r = try XCTUnwrap(vol.resampling)
        XCTAssertEqual(r.acquiredSlices, 28)
        XCTAssertEqual(r.exactSlices, 28)
        XCTAssertLessThanOrEqual(r.largestOffsetMM, 0.1)
        XCTAssertLessThanOrEqual(geo.spacing.z, 1.14 + 0.01)   // never above the smallest gap along the line
        XCTAssertEqual(r.largestGapBridgedMM, 6.9986, accuracy: 1e-3)
        XCTAssertFalse(geo.isOrthogonal)
        // First/last IPP (LPS) [-125, -123.5405, 5.8361] / [-125, -123.5405, 157.7761]; rows are flipped.
        let p0 = geo.worldLPS(SIMD3(0, 511, 0)), pN = geo.worldLPS(SIMD3(0, 511, Double(geo.size.z - 1)))
        XCTAssertEqual(p0.x, -125, accuracy: 1e-3); XCTAssertEqual(p0.y, -123.5405, accuracy: 1e-3); XCTAssertEqual(p0.z, 5.8361, accuracy: 1e-3)
        let last = SIMD3(-125, -123.5405, 157.7761)
        XCTAssertLessThanOrEqual(((pN - last) * (pN - last)).sum().squareRoot(), 0.1)
        XCTAssertEqual(Double(geo.size.z - 1) * geo.spacing.z, 152, accuracy: 0.5)
        // Every acquired slice within 0.1 mm of a grid slice holding its voxels (as the exact parts hold them).
        let parts = try VolumeAssembler.assemble(g)
        let whole = vol.data.asFloat
        let inv = geo.inverseAffineLPS
        var seen = Set<Int>()
        for p in parts {
            let pg = p.data.geometry, pf = p.data.asFloat
            for k in 0..<pg.size.z {
                let c = inv.apply(pg.worldLPS(SIMD3(0, 0, Double(k))))
                XCTAssertEqual(c.x, 0, accuracy: 1e-6); XCTAssertEqual(c.y, 0, accuracy: 1e-6)
                let kk = Int(c.z.rounded())
                XCTAssertLessThanOrEqual(abs(c.z - Double(kk)) * geo.spacing.z, 0.1)
                seen.insert(kk)
                var diffs = 0
                for j in 0..<512 { for i in 0..<512 where whole[i, j, kk] != pf[i, j, k] { diffs += 1 } }
                XCTAssertEqual(diffs, 0, "acquired slice \(k) of part \(p.part)")
            }
        }
        XCTAssertEqual(seen.count, 28)
        XCTAssertEqual(VolumeAssembler.brainPieceIndex(out), 0)
    }
}
