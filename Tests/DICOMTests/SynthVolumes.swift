import DICOM
import Foundation
import ImageCore

/// Synthetic head-like volumes for round-trip and selection tests.
enum SynthVolumes {
    /// An oblique grid with a bright ring ("skull"), soft tissue and a ramp, integer HU. Left-handed
    /// like dcm2niix's LAS output (the handedness every DICOM read-back has); `rightHanded` flips j.
    static func head(size: SIMD3<Int> = SIMD3(40, 36, 24), spacing: SIMD3<Double> = SIMD3(0.7, 0.7, 1.0), rightHanded: Bool = false) -> Volume<Float> {
        let a = 0.2
        let j = SIMD3(sin(a), -cos(a), 0.0)
        let g = Geometry(size: size, spacing: spacing, origin: SIMD3(-14, 12.5, 40),
                         direction: [SIMD3(cos(a), sin(a), 0), rightHanded ? -j : j, SIMD3(0, 0, 1)])
        var v = Volume<Float>(geometry: g, repeating: -1000)
        let c = SIMD3<Double>(Double(size.x) / 2, Double(size.y) / 2, Double(size.z) / 2)
        for k in 0..<size.z { for j in 0..<size.y { for i in 0..<size.x {
            let d = ((SIMD3(Double(i), Double(j), Double(k)) - c) / c)
            let r = (d * d).sum().squareRoot()
            var hu: Double = -1000
            if r < 0.8 { hu = 30 + Double((i * 7 + j * 3 + k) % 13) }
            if r >= 0.8 && r < 0.95 { hu = 1200 + Double(k * 10) }
            v[i, j, k] = Float(hu.rounded())
        } } }
        return v
    }

    static func mask(like v: Volume<Float>, slices: [Int]) -> Volume<UInt8> {
        var m = Volume<UInt8>(geometry: v.geometry)
        for k in slices { for j in 5..<12 { for i in (3 + k % 4)..<20 { m[i, j, k] = 1 } } }
        return m
    }

    /// Number of voxels that differ (printing whole arrays on failure is useless).
    static func differences(_ a: [Float], _ b: [Float]) -> Int {
        a.count != b.count ? max(a.count, b.count) : zip(a, b).filter { $0 != $1 }.count
    }

    static func tempDir(_ name: String) -> URL {
        let d = FileManager.default.temporaryDirectory.appendingPathComponent("deepstroke-dicom-\(name)-\(UUID().uuidString)")
        try? FileManager.default.createDirectory(at: d, withIntermediateDirectories: true)
        return d
    }

    /// Indexes a folder and assembles its only series.
    static func readBack(_ dir: URL) throws -> [AssembledVolume] {
        let index = try DICOMIndex.build(dir)
        let studies = SeriesGrouping.group(index.images)
        precondition(studies.count == 1 && studies[0].series.count == 1, "expected one series")
        return try VolumeAssembler.assemble(studies[0].series[0])
    }
}
