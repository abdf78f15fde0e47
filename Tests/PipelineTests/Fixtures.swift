import ASPECTS
import Atlas
import DICOM
import Foundation
import ImageCore
import Morphology
import NIfTI
import Pipeline
import Registration

/// Generated data for the pipeline tests: an atlas and patients made from the ASPECTS scoring phantom
/// (same layout, so the true labels of every patient are known), written as DICOM studies with decoys.
enum Fixtures {
    static func tempDir(_ name: String) -> URL {
        let u = FileManager.default.temporaryDirectory.appendingPathComponent("deepstroke-pipeline-\(name)-\(UUID().uuidString.prefix(8))")
        try! FileManager.default.createDirectory(at: u, withIntermediateDirectories: true)
        return u
    }

    /// A coarse phantom grid keeps registration and DICOM writing to a second or two per scan.
    static var phantomOptions: SyntheticBrainPhantom.Options {
        var o = SyntheticBrainPhantom.Options()
        o.size = SIMD3(80, 96, 28)
        o.spacing = SIMD3(2, 2, 5)
        return o
    }

    /// An atlas folder from a lesion-free phantom: the skull-stripped CT and its 20-label map.
    static func makeAtlas(in dir: URL) throws -> Atlas {
        let p = SyntheticBrainPhantom.generate(seed: 7, lesionCodes: [], depth: 0, options: phantomOptions)
        let strip = try SkullStripper().strip(p.ct, name: "atlas phantom")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        try NIfTIFile.write(strip.brain, to: dir.appendingPathComponent(Atlas.templateName))
        try NIfTIFile.write(p.labels, to: dir.appendingPathComponent(Atlas.labelsName))
        return try Atlas(directory: dir)
    }

    /// Cheap registration settings: coarse levels only (the phantoms differ by noise and lesions).
    static var quickRegistration: RegistrationParameters {
        RegistrationParameters(
            linear: LinearParameters(rigidLevels: [.init(spacing: 8, iterations: 30), .init(spacing: 4, iterations: 20)],
                                     affineLevels: [.init(spacing: 8, iterations: 30), .init(spacing: 4, iterations: 20)],
                                     maximumSamples: 20_000),
            syn: SyNParameters(levels: [.init(spacing: 8, iterations: 15), .init(spacing: 4, iterations: 10)], symmetric: false),
            minimumSpacing: 4)
    }

    /// The pipeline's labeler with the affine stage only. These phantoms' regions differ from the
    /// brain around them by a few HU under 4 HU of noise, so inside the brain there is nothing for a
    /// deformable stage to align: measured on seed 5, the label transfer's SyN (LNCC) lowers the
    /// template match and mean Dice falls from 0.84 (affine) to 0.34-0.48, while on template-made
    /// patients (AtlasTests) it is what makes the labels right. The pipeline tests check the plumbing,
    /// gates and scores, so they take the stage that suits their data.
    static func labeler(_ atlas: Atlas) -> LabelTransferLabeler {
        var registration = quickRegistration
        registration.syn = nil
        return LabelTransferLabeler(atlas: atlas, parameters: LabelTransfer.Parameters(registration: registration, presetName: "test (affine)"))
    }

    struct Study {
        var key: String
        var folder: URL
        var truth: Volume<UInt8>?      // phantom labels on the phantom grid; nil for a study without a usable series
        var hasOverlay: Bool
        var archive: Bool
    }

    /// `count` patient studies (lesions in one hemisphere, decoy series), alternating DICOMDIR archives
    /// and plain folders, one with a legacy overlay, plus one contrast-only study that must be skipped.
    static func makeSource(in dir: URL, count: Int) throws -> [Study] {
        var studies: [Study] = []
        for n in 0..<count {
            let p = SyntheticBrainPhantom.generate(seed: UInt64(100 + n), lesion: true, options: phantomOptions)
            let folder = dir.appendingPathComponent(String(format: "PAT%02d", n))
            let withOverlay = n == 1
            let overlay = withOverlay ? outline(p.labels) : nil
            let study = try StudySynthesizer.write(p.ct, overlay: overlay, to: folder, decoys: [.scout, .boneKernel, .contrast])
            let archive = n % 2 == 0
            if archive {
                let files = try DICOMDIRWriter.conformFileNames(in: folder)
                try DICOMDIRWriter.write(root: folder, files: files)
            }
            studies.append(Study(key: ScanCandidate.key(studyInstanceUID: study.studyInstanceUID), folder: folder,
                                 truth: p.labels, hasOverlay: withOverlay, archive: archive))
        }
        // A study with only a contrast series: discovered, recorded, never processed.
        let p = SyntheticBrainPhantom.generate(seed: 99, lesion: false, options: phantomOptions)
        var o = CTSeriesSynthesizer.Options()
        o.seriesDescription = "CTA HEAD"
        o.contrastAgent = "OMNIPAQUE 350"
        let folder = dir.appendingPathComponent("CTAONLY")
        _ = try CTSeriesSynthesizer.write(p.ct, to: folder.appendingPathComponent("S004"), options: o)
        studies.append(Study(key: ScanCandidate.key(studyInstanceUID: o.studyInstanceUID), folder: folder, truth: nil,
                             hasOverlay: false, archive: false))
        return studies
    }

    /// Region borders on every slice, as a legacy outline overlay marks them.
    static func outline(_ labels: Volume<UInt8>) -> Volume<UInt8> {
        var out = Volume<UInt8>(geometry: labels.geometry)
        let s = labels.size
        for k in 0..<s.z { for j in 1..<(s.y - 1) { for i in 1..<(s.x - 1) {
            let l = labels[i, j, k]
            if l != 0 && (labels[i + 1, j, k] != l || labels[i - 1, j, k] != l || labels[i, j + 1, k] != l || labels[i, j - 1, k] != l) {
                out.data[out.linearIndex(i, j, k)] = 1
            }
        } } }
        return out
    }

    /// The truth labels sampled on another grid through world coordinates (nearest voxel).
    static func resampleNearest(_ labels: Volume<UInt8>, onto g: Geometry) -> Volume<UInt8> {
        var out = Volume<UInt8>(geometry: g)
        let toIndex = labels.geometry.inverseAffineLPS * g.affineLPS
        let s = labels.size
        for k in 0..<g.size.z { for j in 0..<g.size.y { for i in 0..<g.size.x {
            let p = toIndex.apply(SIMD3(Double(i), Double(j), Double(k)))
            let x = Int(p.x.rounded()), y = Int(p.y.rounded()), z = Int(p.z.rounded())
            if x >= 0, y >= 0, z >= 0, x < s.x, y < s.y, z < s.z { out.data[out.linearIndex(i, j, k)] = labels[x, y, z] }
        } } }
        return out
    }

    /// Mean Dice over the regions present in `truth`.
    static func meanDice(_ a: Volume<UInt8>, _ truth: Volume<UInt8>) -> Double {
        var inter = [Int](repeating: 0, count: 21), na = inter, nb = inter
        for n in a.data.indices {
            let x = Int(a.data[n]), y = Int(truth.data[n])
            na[x] += 1; nb[y] += 1
            if x == y { inter[x] += 1 }
        }
        let present = (1...20).filter { nb[$0] > 0 }
        return present.map { 2 * Double(inter[$0]) / Double(na[$0] + nb[$0]) }.reduce(0, +) / Double(max(1, present.count))
    }
}
