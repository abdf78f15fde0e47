import ASPECTS
import DICOM
import Foundation
import ImageCore
import Morphology
import NIfTI
import Pipeline
import Registration
import XCTest

/// Temporary probe: which stage corrupts the heap when two scans run at once.
final class ConcurrencyProbeTests: XCTestCase {
    func twice(_ body: @escaping @Sendable () throws -> Void) {
        let g = DispatchGroup()
        for _ in 0..<2 {
            g.enter()
            Thread.detachNewThread { for _ in 0..<4 { try! body() }; g.leave() }
        }
        g.wait()
    }

    func testProbeStrip() {
        let ct = SyntheticBrainPhantom.generate(seed: 1, lesionCodes: [], depth: 0, options: Fixtures.phantomOptions).ct
        twice { _ = try SkullStripper().strip(ct) }
    }

    func testProbeRegistration() throws {
        let ct = SyntheticBrainPhantom.generate(seed: 1, lesionCodes: [], depth: 0, options: Fixtures.phantomOptions).ct
        let brain = try SkullStripper().strip(ct).brain
        twice { _ = try ImageRegistration(parameters: Fixtures.quickRegistration).register(fixed: brain, moving: brain) }
    }

    func testProbeNIfTIWrite() throws {
        let ct = SyntheticBrainPhantom.generate(seed: 1, lesionCodes: [], depth: 0, options: Fixtures.phantomOptions).ct
        let dir = Fixtures.tempDir("probe")
        twice { try NIfTIFile.write(ct, to: dir.appendingPathComponent(UUID().uuidString + ".nii.gz")) }
    }

    func testProbeAssemble() throws {
        let ct = SyntheticBrainPhantom.generate(seed: 1, lesionCodes: [], depth: 0, options: Fixtures.phantomOptions).ct
        let dir = Fixtures.tempDir("probe-dcm")
        _ = try CTSeriesSynthesizer.write(ct, to: dir)
        let index = try DICOMIndex.build(dir)
        let group = SeriesGrouping.group(index.images)[0].series[0]
        twice { _ = try VolumeAssembler.assemble(group) }
    }
}

final class FormatterProbeTests: XCTestCase {
    func testProbeISO8601Formatters() {
        let g = DispatchGroup()
        for _ in 0..<2 {
            g.enter()
            Thread.detachNewThread { for _ in 0..<2000 { _ = ISO8601DateFormatter().string(from: Date()) }; g.leave() }
        }
        g.wait()
    }
}
