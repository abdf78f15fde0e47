import ASPECTS
import Atlas
import DICOM
import Foundation
import ImageCore
import NIfTI

/// The built-in example: a synthetic patient made from the bundled atlas's CT template (with skull), with an
/// early ischaemic change of known extent (hypodense by `depthHU` in `lesionCodes`, one hemisphere) and
/// mild noise, written as a DICOMDIR study with 5 mm axial slices and decoy series (scout, bone
/// kernel), as a hospital export would look. The lesion regions come from the atlas labels, which are
/// on the template's grid, so the truth is exact.
public struct DemoPatient {
    public var lesionCodes: [Int] = [4, 6, 7, 9]       // right I, M2, M3, M5
    public var depthHU = 6.0
    public var noiseSD = 2.0
    public var sliceThickness = 5.0
    public var seed: UInt64 = 2024

    public init() {}

    /// Expected ASPECTS per side.
    public var expectedScore: (right: Int, left: Int) {
        (10 - lesionCodes.filter { $0 <= 10 }.count, 10 - lesionCodes.filter { $0 > 10 }.count)
    }

    public var lesionDescription: String {
        lesionCodes.compactMap { ASPECTSRegion(code: $0)?.description }.joined(separator: ", ")
    }

    /// Makes the CT in HU on the atlas grid, from the atlas's template with skull (the bundled atlas ships
    /// it, so the demo needs nothing else).
    public func volume(atlas: Atlas) throws -> Volume<Float> {
        guard let withSkull = try atlas.templateWithSkull() else {
            throw PipelineError.input(path: atlas.directory.path, problem: "has no \(Atlas.templateWithSkullName); the demo patient is made from it")
        }
        // The public template stores the air around the head as 0 HU, which no scanner does.
        var ct = SyntheticPatient.withAir(withSkull, airHU: -1000)
        var rng = SplitMix64(seed: seed)
        let lesion = Set(lesionCodes.map(UInt8.init))
        for n in ct.data.indices {
            var v = Double(ct.data[n])
            if lesion.contains(atlas.labels.data[n]) && v > 10 && v < 60 { v -= depthHU }
            if v > -200 && v < 200 { v += noiseSD * rng.gaussian() }
            ct.data[n] = Float(v)
        }
        return ct
    }

    /// Writes the study under `folder` (`DICOMDIR` + series folders) and returns the DICOMDIR's URL.
    @discardableResult
    public func writeStudy(atlas: Atlas, to folder: URL) throws -> URL {
        let ct = try volume(atlas: atlas)
        let fm = FileManager.default
        if fm.fileExists(atPath: folder.path) { try fm.removeItem(at: folder) }
        var base = CTSeriesSynthesizer.Options()
        base.sliceThickness = sliceThickness
        base.studyDescription = "CT HEAD WO CONTRAST (DEEPSTROKE DEMO)"
        _ = try StudySynthesizer.write(ct, to: folder, decoys: [.scout, .boneKernel], base: base)
        let files = try DICOMDIRWriter.conformFileNames(in: folder)
        try DICOMDIRWriter.write(root: folder, files: files)
        return folder.appendingPathComponent("DICOMDIR")
    }
}
