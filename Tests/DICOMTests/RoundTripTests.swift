import DICOM
import Foundation
import ImageCore
import XCTest

/// synth -> index -> assemble gives back exactly the volume, grid and overlay the writer wrote.
final class DICOMRoundTripTests: XCTestCase {
    func check(_ options: CTSeriesSynthesizer.Options, overlaySlices: [Int] = [], file: StaticString = #filePath, line: UInt = #line) throws -> AssembledVolume {
        let v = SynthVolumes.head()
        let mask = overlaySlices.isEmpty ? nil : SynthVolumes.mask(like: v, slices: overlaySlices)
        let dir = SynthVolumes.tempDir("rt")
        defer { try? FileManager.default.removeItem(at: dir) }
        let written = try CTSeriesSynthesizer.write(v, overlay: mask, to: dir, options: options)
        let parts = try SynthVolumes.readBack(dir)
        XCTAssertEqual(parts.count, 1, file: file, line: line)
        let got = parts[0]
        XCTAssertTrue(got.data.geometry.isClose(to: written.volume.geometry, tolerance: 1e-6),
                      "geometry\n\(got.data.geometry.affineLPS)\nvs\n\(written.volume.geometry.affineLPS)", file: file, line: line)
        XCTAssertEqual(SynthVolumes.differences(got.data.asFloat.data, written.volume.data), 0, file: file, line: line)
        let wantMask = written.overlay.flatMap { $0.data.contains(1) ? $0.data.map(Float.init) : nil }
        XCTAssertEqual(got.overlay == nil, wantMask == nil, file: file, line: line)
        if let m = got.overlay, let w = wantMask { XCTAssertEqual(SynthVolumes.differences(m.data.map(Float.init), w), 0, file: file, line: line) }
        XCTAssertEqual(got.overlaySlices, written.overlaySlices, file: file, line: line)
        XCTAssertEqual(written.overlaySlices > 0, !overlaySlices.isEmpty, file: file, line: line)
        if options.tiltDegrees == 0 && options.sliceThickness == nil { XCTAssertEqual(written.overlaySlices, Set(overlaySlices).count, file: file, line: line) }
        return got
    }

    func testPlainExplicitIsExact() throws {
        let got = try check(CTSeriesSynthesizer.Options())
        XCTAssertEqual(SynthVolumes.differences(got.data.asFloat.data, SynthVolumes.head().data), 0)
        XCTAssertTrue(got.data.geometry.isClose(to: SynthVolumes.head().geometry, tolerance: 1e-6))
        if case .int16 = got.data {} else { XCTFail("CT with intercept -1024 should come back as Int16") }
    }

    func testRightHandedGridComesBackReorderedButIdenticalInSpace() throws {
        let v = SynthVolumes.head(rightHanded: true)
        let dir = SynthVolumes.tempDir("rh")
        defer { try? FileManager.default.removeItem(at: dir) }
        _ = try CTSeriesSynthesizer.write(v, to: dir)
        let got = try SynthVolumes.readBack(dir)[0]
        let g = got.data.geometry, f = got.data.asFloat
        let nz = v.size.z
        var worst = 0.0, diffs = 0
        for k in 0..<nz { for j in stride(from: 0, to: v.size.y, by: 5) { for i in stride(from: 0, to: v.size.x, by: 5) {
            // DICOM read-back is always left-handed: slices come back in the opposite k order.
            let p = g.worldLPS(SIMD3(Double(i), Double(j), Double(k))) - v.geometry.worldLPS(SIMD3(Double(i), Double(j), Double(nz - 1 - k)))
            worst = max(worst, (p * p).sum().squareRoot())
            if f[i, j, k] != v[i, j, nz - 1 - k] { diffs += 1 }
        } } }
        XCTAssertLessThan(worst, 1e-6)
        XCTAssertEqual(diffs, 0)
    }

    func testImplicitAndRLE() throws {
        var o = CTSeriesSynthesizer.Options()
        o.encoding = .implicitLittle
        _ = try check(o, overlaySlices: [2, 3])
        o.encoding = .rle
        _ = try check(o, overlaySlices: [7])
    }

    func testFiveMillimetreSlicesTakeEveryFifthSlice() throws {
        var o = CTSeriesSynthesizer.Options()
        o.sliceThickness = 5
        let got = try check(o, overlaySlices: [5, 10])
        let v = SynthVolumes.head()
        XCTAssertEqual(got.data.geometry.size.z, 5)
        XCTAssertEqual(got.data.geometry.spacing.z, 5, accuracy: 1e-9)
        let f = got.data.asFloat
        for k in 0..<5 { for j in 0..<v.size.y { for i in 0..<v.size.x { XCTAssertEqual(f[i, j, k], v[i, j, 5 * k]) } } }
    }

    func testGantryTiltKeepsTheShearedGrid() throws {
        var o = CTSeriesSynthesizer.Options()
        o.tiltDegrees = 15
        let got = try check(o, overlaySlices: [4])
        let g = got.data.geometry
        XCTAssertFalse(g.isOrthogonal)
        let normal = SIMD3(g.direction[0].y * g.direction[1].z - g.direction[0].z * g.direction[1].y,
                           g.direction[0].z * g.direction[1].x - g.direction[0].x * g.direction[1].z,
                           g.direction[0].x * g.direction[1].y - g.direction[0].y * g.direction[1].x)
        let angle = acos(abs((normal * g.direction[2]).sum()) / ((normal * normal).sum().squareRoot())) * 180 / .pi
        XCTAssertEqual(angle, 15, accuracy: 1e-6)
        XCTAssertNotNil(got.tiltHandling)
        XCTAssertTrue(got.tiltHandling!.contains("sheared"))
    }

    func testOverlayEmbeddedInHighBits() throws {
        var o = CTSeriesSynthesizer.Options()
        o.embedOverlayInPixelData = true
        _ = try check(o, overlaySlices: [1, 2, 9])
    }

    func testMissingAndDuplicateSlicesAreReported() throws {
        let v = SynthVolumes.head()
        let dir = SynthVolumes.tempDir("gap")
        defer { try? FileManager.default.removeItem(at: dir) }
        let r = try CTSeriesSynthesizer.write(v, to: dir)
        try FileManager.default.removeItem(at: r.files[10])
        try FileManager.default.copyItem(at: r.files[3], to: dir.appendingPathComponent("copy.dcm"))
        let parts = try SynthVolumes.readBack(dir)
        XCTAssertEqual(parts.map { $0.data.geometry.size.z }, [10, 13])
        let w = parts[0].warnings.joined(separator: "\n")
        XCTAssertTrue(w.contains("1 slice(s) missing"), w)
        XCTAssertTrue(w.contains("duplicate"), w)
        XCTAssertTrue(parts[1].data.geometry.isClose(to: Geometry(size: SIMD3(v.size.x, v.size.y, 13), spacing: v.geometry.spacing,
                                                                   origin: v.geometry.worldLPS(SIMD3(0, 0, 11)), direction: v.geometry.direction), tolerance: 1e-6))
        let f = parts[1].data.asFloat
        XCTAssertEqual(f[7, 8, 0], v[7, 8, 11])
    }

    func testRepeatedAcquisitionInOneSeriesBecomesTwoVolumes() throws {
        let v = SynthVolumes.head(size: SIMD3(16, 12, 10))
        let dir = SynthVolumes.tempDir("rep")
        defer { try? FileManager.default.removeItem(at: dir) }
        var o = CTSeriesSynthesizer.Options()
        o.seriesInstanceUID = UIDGenerator.make()
        o.filePrefix = "A"
        _ = try CTSeriesSynthesizer.write(v, to: dir, options: o)
        o.filePrefix = "B"
        _ = try CTSeriesSynthesizer.write(v, to: dir, options: o)
        let parts = try SynthVolumes.readBack(dir)
        XCTAssertEqual(parts.map { $0.data.geometry.size.z }, [10, 10])
        for p in parts {
            XCTAssertEqual(SynthVolumes.differences(p.data.asFloat.data, v.data), 0)
            XCTAssertTrue(p.warnings.contains { $0.contains("repeated acquisitions") })
        }
    }

    func testStudySelectionPicksTheHeadSeriesAndSaysWhy() throws {
        let v = SynthVolumes.head(size: SIMD3(24, 24, 100), spacing: SIMD3(0.9, 0.9, 1.0))
        let dir = SynthVolumes.tempDir("study")
        defer { try? FileManager.default.removeItem(at: dir) }
        var base = CTSeriesSynthesizer.Options()
        base.sliceThickness = 5
        let study = try StudySynthesizer.write(v, to: dir, base: base)
        let index = try DICOMIndex.build(dir)
        let choices = SeriesSelector.choose(SeriesGrouping.group(index.images))
        XCTAssertEqual(choices.count, 1)
        let c = choices[0]
        let sel = try XCTUnwrap(c.selected)
        XCTAssertEqual(c.study.series[sel].seriesNumber, study.expected.seriesNumber)
        func verdict(_ number: Int) -> SeriesSelector.Verdict { c.verdicts[c.study.series.firstIndex { $0.seriesNumber == number }!] }
        XCTAssertEqual(verdict(1).status, .excluded)
        XCTAssertTrue(verdict(1).reasons.contains { $0.contains("scout") })
        XCTAssertEqual(verdict(4).status, .excluded)
        XCTAssertTrue(verdict(4).reasons.contains { $0.contains("contrast") })
        XCTAssertEqual(verdict(3).status, .candidate)   // thinner, but bone kernel ranks it below
        XCTAssertTrue(verdict(3).reasons.contains { $0.contains("bone") })
        XCTAssertLessThan(verdict(3).score, verdict(2).score)
        XCTAssertTrue(verdict(5).reasons.contains { $0.contains("derived") })
        XCTAssertTrue(c.summary.contains("selected series 2"), c.summary)
    }
}
